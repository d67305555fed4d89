//! Setting sequences off. Each event that a trigger listens to calls one of
//! these; all of them are idempotent (a rule runs at most once per lead, and
//! re-arming an unstarted sequence with the same time changes nothing), so
//! the at-least-once jobs that call them may repeat freely.

use chrono::{DateTime, Utc};

use crate::automation::{FollowUp, QuietHours};
use crate::model::{AutomationRule, Lead, Trigger};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;

/// What set a sequence off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The lead was created.
    NewLead,
    /// We wrote to the customer.
    Outbound,
    /// The lead moved to its current status.
    StatusEntered,
}

fn listens(rule: &AutomationRule, lead: &Lead, event: Event) -> bool {
    let trigger_fits = match (&rule.trigger, event) {
        (Trigger::NewLead {}, Event::NewLead) => true,
        (Trigger::NoResponse { .. }, Event::Outbound) => true,
        (Trigger::TimeBased { status, .. }, Event::NewLead | Event::StatusEntered) => {
            *status == lead.status
        }
        _ => false,
    };
    rule.is_active && trigger_fits && rule.conditions.matches(lead)
}

/// Starts (or, while no step has run, restarts) every matching rule's
/// sequence for `lead`, armed at `at`. Returns the sequences now due.
pub async fn fire(
    stores: &Stores,
    tenant: &TenantId,
    lead: &Lead,
    event: Event,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<FollowUp>, StoreError> {
    if lead.is_deleted() {
        return Ok(Vec::new());
    }
    let rules = stores.rules.list_rules(tenant).await?;
    let rules: Vec<_> = rules.iter().filter(|r| listens(r, lead, event)).collect();
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let quiet = quiet_hours(stores, tenant).await?;
    let mut due = Vec::new();
    for rule in rules {
        if let Some(f) = arm(stores, tenant, rule, lead, event, at, &quiet, now).await?
            && f.due_at.is_some_and(|d| d <= now)
        {
            due.push(f);
        }
    }
    Ok(due)
}

pub(super) async fn quiet_hours(
    stores: &Stores,
    tenant: &TenantId,
) -> Result<QuietHours, StoreError> {
    Ok(stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .map(|d| d.reply.quiet_hours)
        .unwrap_or_default())
}

#[allow(clippy::too_many_arguments)]
async fn arm(
    stores: &Stores,
    tenant: &TenantId,
    rule: &AutomationRule,
    lead: &Lead,
    event: Event,
    at: DateTime<Utc>,
    quiet: &QuietHours,
    now: DateTime<Utc>,
) -> Result<Option<FollowUp>, StoreError> {
    for _ in 0..super::super::MAX_WRITE_ATTEMPTS {
        match stores
            .follow_ups
            .get_follow_up(tenant, rule.id, lead.id)
            .await?
        {
            None => {
                let f = FollowUp::start(rule, lead, at, quiet, now);
                match stores.follow_ups.insert_follow_up(tenant, &f).await {
                    Ok(()) => return Ok(Some(f)),
                    Err(StoreError::Conflict) => continue,
                    Err(e) => return Err(e),
                }
            }
            // A new message of ours restarts the no-response wait, and a
            // lead that re-enters the status restarts the clock; once a
            // step has run, the sequence goes its own way.
            Some(mut f) if f.not_started() && event != Event::NewLead && at > f.armed_at => {
                f.rearm(rule, at, quiet, now);
                match stores.follow_ups.update_follow_up(tenant, &f).await {
                    Ok(()) => return Ok(Some(f)),
                    Err(StoreError::Conflict) => continue,
                    Err(e) => return Err(e),
                }
            }
            Some(_) => return Ok(None),
        }
    }
    Err(StoreError::Conflict)
}
