//! `analytics-rollup` (EventBridge, hourly) and the analytics API. The job
//! recomputes, per dealership, the Oslo days whose leads changed since its
//! last run (plus today and yesterday); the API answers from those
//! roll-ups alone.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::analytics::{
    self, CohortLead, DailyRollup, Granularity, Point, SeriesMetric, Summary, day_span, oslo_day,
};
use crate::error::DomainResult;
use crate::ids::LeadId;
use crate::model::{Lead, LeadQuery};
use crate::permissions::{Actor, Permission};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;
use crate::validation::FieldErrors;

/// The longest range one request may cover.
pub const MAX_RANGE_DAYS: i64 = 731;
/// Changes this close to the last run are looked at again: a write that was
/// in flight when the run started is not missed.
const OVERLAP: Duration = Duration::minutes(10);
const PAGE: usize = 500;

pub struct RollupJob {
    pub stores: Stores,
    /// `NORVALT_SMS_SEGMENT_PRICE_NOK`: SMS cost in the roll-ups.
    pub sms_segment_price_nok: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RollupReport {
    pub dealerships: usize,
    pub days: usize,
    pub failed: usize,
}

impl RollupJob {
    pub async fn run(&self, now: DateTime<Utc>) -> Result<RollupReport, StoreError> {
        let mut report = RollupReport::default();
        for id in self.stores.dealerships.list_dealership_ids().await? {
            // Scheduled work over the registry: the tenant is the record's.
            let tenant = TenantId::mint(id);
            match self.run_dealership(&tenant, now).await {
                Ok(days) => {
                    report.dealerships += 1;
                    report.days += days;
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

    /// Recomputes the days that changed; returns how many.
    pub async fn run_dealership(
        &self,
        tenant: &TenantId,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let since = self.stores.analytics.get_rollup_cursor(tenant).await?;
        let today = oslo_day(now);
        let mut days = BTreeSet::from([today, today - Duration::days(1)]);
        // On the first run every lead counts as changed.
        let query = LeadQuery {
            updated_since: since.map(|t| t - OVERLAP),
            ..Default::default()
        };
        for lead in self.all_leads(tenant, &query).await? {
            days.insert(oslo_day(lead.created_at));
        }
        for day in &days {
            self.rebuild_day(tenant, *day, now).await?;
        }
        self.stores
            .analytics
            .save_rollup_cursor(tenant, now)
            .await?;
        Ok(days.len())
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
        let mut cohort = Vec::new();
        for lead in self.all_leads(tenant, &query).await? {
            let messages = self
                .stores
                .conversations
                .all_messages(tenant, lead.id)
                .await?;
            let appointments = self
                .stores
                .appointments
                .appointments_of_lead(tenant, lead.id)
                .await?;
            let first_contact_due = dealership.as_ref().and_then(|d| {
                crate::automation::response_clock::open_minutes_after(
                    &d.opening_hours,
                    &d.opening_exceptions,
                    lead.created_at,
                    d.response_targets.first_contact_minutes,
                )
            });
            cohort.push(CohortLead {
                lead,
                messages,
                appointments,
                first_contact_due,
            });
        }
        let rollup = DailyRollup::compute(
            tenant.dealership_id(),
            day,
            &cohort,
            self.sms_segment_price_nok,
            now,
        );
        self.stores.analytics.put_rollup(tenant, &rollup).await?;
        Ok(rollup)
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

/// The range a request asks for: the last 30 days by default.
fn range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, NaiveDate), FieldErrors> {
    let to = to.unwrap_or_else(|| oslo_day(now));
    let from = from.unwrap_or(to - Duration::days(29));
    if from > to {
        return Err(FieldErrors::single("from", "must not be after to"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(FieldErrors::single(
            "from",
            format!("a range is at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// The actor's roll-ups of the requested range, and the range.
async fn load(
    stores: &Stores,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DomainResult<(Vec<DailyRollup>, NaiveDate, NaiveDate)> {
    actor.require(Permission::ReadAnalytics)?;
    let (from, to) = range(from, to, now)?;
    let rollups = stores
        .analytics
        .list_rollups(&actor.tenant, from, to)
        .await?;
    Ok((rollups, from, to))
}

/// `GET /api/analytics/summary`.
pub async fn summary(
    stores: &Stores,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DomainResult<Summary> {
    let (rollups, from, to) = load(stores, actor, from, to, now).await?;
    let users = stores.users.list_users(&actor.tenant).await?;
    Ok(analytics::summarise(&rollups, from, to, &users))
}

/// `GET /api/analytics/timeseries`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Series {
    pub metric: SeriesMetric,
    pub granularity: Granularity,
    pub points: Vec<Point>,
}

pub async fn timeseries(
    stores: &Stores,
    actor: &Actor,
    metric: SeriesMetric,
    granularity: Granularity,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DomainResult<Series> {
    let (rollups, from, to) = load(stores, actor, from, to, now).await?;
    Ok(Series {
        metric,
        granularity,
        points: analytics::timeseries(&rollups, metric, granularity, from, to),
    })
}
