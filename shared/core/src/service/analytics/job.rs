//! `analytics-rollup` (EventBridge, every minute; the local worker's timer):
//! per dealership, the Oslo days with anything new since the last run (a
//! lead changed, a message written, an appointment changed) are computed
//! again, so the figures follow the inbox within a minute. Once an hour the
//! last week is computed again as well: a first-contact target can pass
//! with nothing written. Idempotent: a retried or overlapping run writes the
//! same numbers.

use std::collections::BTreeSet;
use std::time::{Duration as Budget, Instant};

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::Serialize;

use crate::analytics::{CohortLead, DailyRollup, Prices, RollupCursor, day_span, oslo_day};
use crate::ids::LeadId;
use crate::model::{Dealership, Lead, LeadQuery};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;

/// Writes this close to the last run are looked at again: one that was in
/// flight when that run started is not missed.
const OVERLAP: Duration = Duration::minutes(10);
/// How far back the hourly pass computes days again.
const HOURLY_DAYS: i64 = 7;
const PAGE: usize = 500;
/// Leads whose conversations are read at once while computing a day.
const READS_IN_FLIGHT: usize = 8;

pub struct RollupJob {
    pub stores: Stores,
    /// SMS segment and model token prices: cost in the roll-ups.
    pub prices: Prices,
    /// How long a run starts new days: past it each dealership gets only
    /// its newest day and its oldest left-over one, and the rest wait in its
    /// cursor for the next run (a first run over years of leads spreads
    /// over several).
    pub budget: Budget,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RollupReport {
    pub dealerships: usize,
    pub days: usize,
    /// Days left for the next run when the budget ran out.
    pub pending: usize,
    pub failed: usize,
}

/// `NORVALT_SMS_SEGMENT_PRICE_NOK` and `NORVALT_MODEL_PRICE_USD_PER_MTOK`
/// (`"<input>,<output>"`, from the provider's price list for the model in
/// use): the prices the roll-ups count cost with.
pub fn prices(env: &crate::config::Env) -> Result<Prices, crate::config::ConfigError> {
    let model = match env.optional("NORVALT_MODEL_PRICE_USD_PER_MTOK") {
        None => None,
        Some(v) => Some(crate::analytics::ModelPrices::parse(&v).ok_or_else(|| {
            crate::config::error(
                "NORVALT_MODEL_PRICE_USD_PER_MTOK",
                &format!("is not \"<input>,<output>\" in USD per million tokens ({v:?})"),
            )
        })?),
    };
    Ok(Prices {
        sms_segment_nok: crate::service::sender::sms_segment_price(env)?,
        model,
    })
}

impl RollupJob {
    /// A run's budget: well inside the Lambda's timeout and the one-minute
    /// schedule.
    pub const BUDGET: Budget = Budget::from_secs(40);

    pub async fn run(&self, now: DateTime<Utc>) -> Result<RollupReport, StoreError> {
        let deadline = Instant::now() + self.budget;
        let mut report = RollupReport::default();
        for id in self.stores.dealerships.list_dealership_ids().await? {
            // Scheduled work over the registry: the tenant is the record's.
            let tenant = TenantId::mint(id);
            match self.run_dealership(&tenant, now, deadline).await {
                Ok((days, pending)) => {
                    report.dealerships += 1;
                    report.days += days;
                    report.pending += pending;
                }
                Err(e) => {
                    tracing::warn!(dealership_id = %id, error = %e, "roll-up failed; next run tries again");
                    report.failed += 1;
                }
            }
        }
        if report.failed > 0 {
            crate::metrics::Metric::count("RollupFailures", report.failed).emit();
        }
        Ok(report)
    }

    /// Computes the dealership's days that need it, newest first, until
    /// `deadline`; returns how many it computed and how many wait.
    pub async fn run_dealership(
        &self,
        tenant: &TenantId,
        now: DateTime<Utc>,
        deadline: Instant,
    ) -> Result<(usize, usize), StoreError> {
        let cursor = self.stores.analytics.get_rollup_cursor(tenant).await?;
        // Past the deadline a dealership still gets its newest day and its
        // oldest left-over one: the figures people watch stay live, and a
        // backlog shrinks every run however busy the day is.
        let oldest_left_over = cursor.as_ref().and_then(|c| c.pending.first().copied());
        let days = self.days_to_compute(tenant, cursor.as_ref(), now).await?;
        let mut pending = BTreeSet::new();
        let mut computed = 0;
        for day in days.into_iter().rev() {
            let owed = computed == 0 || Some(day) == oldest_left_over;
            if !owed && Instant::now() >= deadline {
                pending.insert(day);
                continue;
            }
            self.rebuild_day(tenant, day, now).await?;
            computed += 1;
        }
        let left = pending.len();
        self.stores
            .analytics
            .save_rollup_cursor(tenant, &RollupCursor { at: now, pending })
            .await?;
        Ok((computed, left))
    }

    async fn days_to_compute(
        &self,
        tenant: &TenantId,
        cursor: Option<&RollupCursor>,
        now: DateTime<Utc>,
    ) -> Result<BTreeSet<NaiveDate>, StoreError> {
        let today = oslo_day(now);
        let Some(cursor) = cursor else {
            // The first run: every day with a lead.
            let mut days = BTreeSet::from([today]);
            let everything = LeadQuery {
                include_deleted: true,
                ..Default::default()
            };
            days.extend(
                self.all_leads(tenant, &everything)
                    .await?
                    .iter()
                    .map(|l| oslo_day(l.created_at)),
            );
            return Ok(days);
        };
        let mut days = cursor.pending.clone();
        let active = self
            .stores
            .analytics
            .leads_active_since(tenant, cursor.at - OVERLAP)
            .await?;
        for id in active {
            if let Some(day) = self.cohort_day(tenant, id).await? {
                days.insert(day);
            }
        }
        if now.hour() != cursor.at.hour() || now - cursor.at >= Duration::hours(1) {
            days.extend((0..HOURLY_DAYS).map(|back| today - Duration::days(back)));
        }
        Ok(days)
    }

    /// The day a lead belongs to: its id holds when it was created.
    async fn cohort_day(
        &self,
        tenant: &TenantId,
        id: LeadId,
    ) -> Result<Option<NaiveDate>, StoreError> {
        if let Some(at) = id.minted_at() {
            return Ok(Some(oslo_day(at)));
        }
        let lead = self.stores.leads.get_lead(tenant, id).await?;
        Ok(lead.map(|l| oslo_day(l.created_at)))
    }

    /// Computes one day from its leads and writes it (idempotent).
    pub async fn rebuild_day(
        &self,
        tenant: &TenantId,
        day: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<DailyRollup, StoreError> {
        let (start, end) = day_span(day);
        let query = LeadQuery {
            created_after: Some(start),
            created_before: Some(end),
            ..Default::default()
        };
        let dealership = self.stores.dealerships.get_dealership(tenant).await?;
        let leads = self.all_leads(tenant, &query).await?;
        let cohort: Vec<CohortLead> = stream::iter(leads)
            .map(|lead| self.cohort_lead(tenant, dealership.as_ref(), lead))
            .buffered(READS_IN_FLIGHT)
            .try_collect()
            .await?;
        let rollup = DailyRollup::compute(tenant.dealership_id(), day, &cohort, &self.prices, now);
        self.stores.analytics.put_rollup(tenant, &rollup).await?;
        Ok(rollup)
    }

    async fn cohort_lead(
        &self,
        tenant: &TenantId,
        dealership: Option<&Dealership>,
        lead: Lead,
    ) -> Result<CohortLead, StoreError> {
        // Both reads at once (the function, not the macro: the macro needs a
        // futures-util feature a lone function build does not turn on).
        let (messages, appointments) = futures_util::future::try_join(
            self.stores.conversations.all_messages(tenant, lead.id),
            self.stores
                .appointments
                .appointments_of_lead(tenant, lead.id),
        )
        .await?;
        let first_contact_due = dealership.and_then(|d| {
            crate::automation::response_clock::open_minutes_after(
                &d.opening_hours,
                &d.opening_exceptions,
                lead.created_at,
                d.response_targets.first_contact_minutes,
            )
        });
        Ok(CohortLead {
            lead,
            messages,
            appointments,
            first_contact_due,
        })
    }

    async fn all_leads(
        &self,
        tenant: &TenantId,
        query: &LeadQuery,
    ) -> Result<Vec<Lead>, StoreError> {
        let mut out = Vec::new();
        let mut after: Option<LeadId> = None;
        loop {
            let page = self
                .stores
                .leads
                .list_leads(tenant, query, after, PAGE)
                .await?;
            let done = page.len() < PAGE;
            after = page.last().map(|l| l.id);
            out.extend(page);
            if done {
                return Ok(out);
            }
        }
    }
}
