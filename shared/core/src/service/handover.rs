//! Handing a lead to a person, and giving it back to the AI. A handover
//! marks the lead "Trenger menneske" with the reason and a summary, gives it
//! to its rep (or the next in the round robin) and tells them; it is
//! idempotent, so a redelivered turn changes and tells nothing twice.

use chrono::{DateTime, Utc};

use super::lead_records::modify;
use crate::error::{DomainError, DomainResult};
use crate::ids::{LeadId, MessageId};
use crate::jobs::{self, JobError, LeadEvent};
use crate::model::{HandBack, Handover, HandoverReason, Lead};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::queue::Queue;
use crate::tenancy::TenantId;

/// What a turn decided when it handed over.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverDecision {
    pub reason: HandoverReason,
    pub detail: Option<String>,
    pub summary: String,
    /// The customer message whose turn handed over.
    pub answers: Option<MessageId>,
}

/// Marks the lead as needing a person (unless it already does), assigns it
/// when nobody has it, and notifies the rep once per handover.
pub async fn hand_over(
    stores: &Stores,
    queue: &dyn Queue,
    tenant: &TenantId,
    lead: &Lead,
    decision: HandoverDecision,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<Lead, JobError> {
    // Only a new handover draws a turn in the round robin.
    let assignee = match (lead.assigned_to, &lead.handover) {
        (Some(rep), _) => Some(rep),
        (None, None) => super::assignment::next_in_turn(stores, tenant).await?,
        (None, Some(_)) => None,
    };
    let record = Handover {
        reason: decision.reason,
        detail: decision.detail,
        summary: decision.summary,
        message_id: decision.answers,
        at: now,
    };
    let updated = match modify(stores, tenant, lead.id, now, |lead| {
        if lead.handover.is_none() {
            lead.handover = Some(record.clone());
            lead.ai_draft = None;
            if lead.assigned_to.is_none() {
                lead.assigned_to = assignee;
            }
        }
        Ok(())
    })
    .await
    {
        Ok(updated) => updated,
        // Deleted meanwhile: nobody is to be told about it.
        Err(DomainError::NotFound { .. }) => return Ok(lead.clone()),
        Err(e) => return Err(JobError::Retry(e.to_string())),
    };
    let Some(handover) = &updated.handover else {
        return Ok(updated);
    };
    jobs::notify(
        queue,
        tenant.dealership_id(),
        lead.id,
        LeadEvent::Handover {
            reason: handover.reason,
            message_id: handover.message_id,
        },
        trace_id,
        now,
    )
    .await?;
    crate::metrics::Metric::count("Handovers", 1)
        .dimension("Reason", handover.reason.as_str())
        .property("dealership_id", tenant.to_string())
        .emit();
    Ok(updated)
}

/// "Gi tilbake til AI": the AI answers this lead's customer again, even
/// though a person wrote since it last did.
pub async fn hand_back(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    actor.require(Permission::WriteLeads)?;
    let by = actor
        .user
        .as_ref()
        .map(|u| u.id)
        .ok_or(DomainError::Forbidden {
            code: "user_required",
            message: "Only a signed-in user can give a lead back to the AI",
        })?;
    modify(stores, &actor.tenant, id, now, |lead| {
        lead.handover = None;
        lead.handed_back = Some(HandBack { by, at: now });
        Ok(())
    })
    .await
}
