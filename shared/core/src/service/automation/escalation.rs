//! Response-time targets, enforced on the followups schedule: a lead whose
//! clock (`automation::response_clock`) reaches 80 % of its target reminds
//! its rep; at the target it goes to the next rep in turn and the managers
//! are told. Each step runs once per clock: a claim per lead, clock start
//! and step. A person's message or status change stops the clock, so a
//! lead someone is working is never taken from them.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::automation::response_clock::{self, Clock, Step};
use crate::ids::UserId;
use crate::jobs::{self, JobError, LeadEvent};
use crate::model::{Dealership, Lead};
use crate::outbound::ClaimRecord;
use crate::ports::Stores;
use crate::queue::Queue;
use crate::service::assignment::rotation;
use crate::service::lead_records::modify;
use crate::tenancy::TenantId;

/// How far back a lead's last change may lie for its clock to be looked
/// at: a clock runs from the lead's latest change (arrival, reply,
/// handover), and a week of opening hours is past any target.
const LOOK_BACK: Duration = Duration::days(7);

pub struct Escalations {
    pub stores: Stores,
    pub queue: std::sync::Arc<dyn Queue>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EscalationReport {
    pub reminded: usize,
    pub escalated: usize,
}

impl Escalations {
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<EscalationReport, JobError> {
        let mut report = EscalationReport::default();
        for id in self.stores.dealerships.list_dealership_ids().await? {
            // The registry of dealerships is ours: each id is a tenant.
            let tenant = TenantId::mint(id);
            let Some(dealership) = self.stores.dealerships.get_dealership(&tenant).await? else {
                continue;
            };
            // Leads changed in the look-back (a clock starts with a write):
            // read by the change index, deleted ones skipped.
            let since = now - LOOK_BACK;
            let changed = self.stores.leads.all_changed_leads(&tenant, since).await?;
            for lead in changed.iter().filter(|l| !l.is_deleted()) {
                self.step(&tenant, &dealership, lead, now, &mut report)
                    .await?;
            }
        }
        Ok(report)
    }

    async fn step(
        &self,
        tenant: &TenantId,
        dealership: &Dealership,
        lead: &Lead,
        now: DateTime<Utc>,
        report: &mut EscalationReport,
    ) -> Result<(), JobError> {
        let Some(clock) = response_clock::clock(
            lead,
            lead.human_contact_at,
            &dealership.response_targets,
            &dealership.opening_hours,
            &dealership.opening_exceptions,
        ) else {
            return Ok(());
        };
        for step in response_clock::due_steps(&clock, now) {
            let key = response_clock::step_key(lead, &clock, step);
            let claim = ClaimRecord::new(&key, lead.id.to_string(), now);
            if self.stores.claims.claim(tenant, &claim).await?.is_some() {
                continue;
            }
            match step {
                Step::Remind => {
                    self.tell(tenant, lead, &clock, step, None, now).await?;
                    report.reminded += 1;
                }
                Step::Escalate => {
                    let next = if dealership.response_targets.reassign {
                        self.next_rep(tenant, lead).await?
                    } else {
                        None
                    };
                    let Some(next) = self.mark_overdue(tenant, lead, &clock, next, now).await?
                    else {
                        // A person got to it first: nothing to escalate.
                        crate::outbound::claims::mark_done(&self.stores, tenant, &claim, now)
                            .await?;
                        continue;
                    };
                    if dealership.response_targets.notify_manager || next.is_some() {
                        self.tell(tenant, lead, &clock, step, next, now).await?;
                    }
                    report.escalated += 1;
                }
            }
            crate::outbound::claims::mark_done(&self.stores, tenant, &claim, now).await?;
        }
        Ok(())
    }

    /// The next active rep in turn after the lead's current one (reps who
    /// are away are skipped); `None` when there is nobody else.
    async fn next_rep(&self, tenant: &TenantId, lead: &Lead) -> Result<Option<UserId>, JobError> {
        let users = self.stores.users.list_users(tenant).await?;
        let reps = rotation(&users);
        Ok(
            match lead
                .assigned_to
                .and_then(|a| reps.iter().position(|u| u.id == a))
            {
                Some(i) if reps.len() > 1 => Some(reps[(i + 1) % reps.len()].id),
                Some(_) => None,
                None => reps.first().map(|u| u.id),
            },
        )
    }

    /// Marks the lead overdue (the inbox's "Forfalt") and gives it to
    /// `next` when there is one, in one write that first checks the clock
    /// still runs: `Ok(None)` when a person answered in the meantime, else
    /// `Ok(Some(next))`.
    async fn mark_overdue(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        clock: &Clock,
        next: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<Option<Option<UserId>>, JobError> {
        const STOPPED: &str = "clock_stopped";
        match modify(&self.stores, tenant, lead.id, now, |l| {
            if l.human_contact_at.is_some_and(|h| h >= clock.started_at) {
                return Err(crate::error::DomainError::Conflict {
                    code: STOPPED,
                    message: String::new(),
                });
            }
            l.overdue_at = Some(clock.due_at);
            if let Some(next) = next {
                l.assigned_to = Some(next);
            }
            Ok(())
        })
        .await
        {
            Ok(_) => Ok(Some(next)),
            Err(crate::error::DomainError::NotFound { .. }) => Ok(None),
            Err(crate::error::DomainError::Conflict { code: STOPPED, .. }) => Ok(None),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }

    async fn tell(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        clock: &Clock,
        step: Step,
        reassigned_to: Option<UserId>,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let event = LeadEvent::Target {
            step,
            clock: clock.kind,
            started_at: clock.started_at,
            due_at: clock.due_at,
            previous: lead.assigned_to,
            reassigned_to,
        };
        jobs::notify(
            self.queue.as_ref(),
            tenant.dealership_id(),
            lead.id,
            event,
            &format!("target:{}", lead.id),
            now,
        )
        .await?;
        Ok(())
    }
}
