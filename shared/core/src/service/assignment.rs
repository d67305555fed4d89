//! Who works a lead. Round robin takes turns among the dealership's active
//! sales reps by an atomic counter: concurrent leads each draw their own
//! number, so no rep is skipped or given two in a row while others wait.

use chrono::{DateTime, Utc};

use crate::error::DomainResult;
use crate::ids::{LeadId, UserId};
use crate::jobs::{self, LeadEvent};
use crate::model::{Lead, User};
use crate::permissions::Role;
use crate::ports::{StoreError, Stores};
use crate::queue::{Queue, QueueError};
use crate::tenancy::TenantId;

const ROUND_ROBIN_COUNTER: &str = "round_robin";

/// The reps that take turns, in a stable order.
pub fn rotation(users: &[User]) -> Vec<&User> {
    let mut reps: Vec<&User> = users
        .iter()
        .filter(|u| u.active && !u.away && u.role == Role::SalesRep)
        .collect();
    reps.sort_by_key(|u| u.id);
    reps
}

/// The next rep in turn, or `None` when the dealership has no active rep.
pub async fn next_in_turn(
    stores: &Stores,
    tenant: &TenantId,
) -> Result<Option<UserId>, StoreError> {
    let users = stores.users.list_users(tenant).await?;
    let reps = rotation(&users);
    if reps.is_empty() {
        return Ok(None);
    }
    let turn = stores
        .counters
        .increment(tenant, ROUND_ROBIN_COUNTER)
        .await?;
    Ok(Some(reps[((turn - 1) % reps.len() as u64) as usize].id))
}

/// Gives the lead to `user` and tells them. A lead already with `user` is
/// left as it is (and they are not told twice).
pub async fn assign(
    stores: &Stores,
    queue: &dyn Queue,
    tenant: &TenantId,
    lead_id: LeadId,
    user: UserId,
    trace_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    let lead = super::lead_records::modify(stores, tenant, lead_id, now, |lead| {
        lead.assigned_to = Some(user);
        Ok(())
    })
    .await?;
    notify_assignee(queue, tenant, lead_id, user, trace_id, now).await?;
    Ok(lead)
}

pub async fn notify_assignee(
    queue: &dyn Queue,
    tenant: &TenantId,
    lead_id: LeadId,
    user: UserId,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<(), QueueError> {
    jobs::notify(
        queue,
        tenant.dealership_id(),
        lead_id,
        LeadEvent::Assigned { user_id: user },
        trace_id,
        now,
    )
    .await
}
