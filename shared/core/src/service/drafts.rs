//! The AI's drafts (`draft` mode): a rep sends one as written with one
//! click, or edits it first, or throws it away. Sending is idempotent: the
//! message takes the draft's id, so a double click sends once.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::lead_records::{load_live, modify};
use crate::error::{DomainError, DomainResult};
use crate::ids::LeadId;
use crate::jobs;
use crate::model::message::MAX_CONTENT;
use crate::model::{Direction, Message, SenderType};
use crate::permissions::{Actor, Permission};
use crate::ports::{StoreError, Stores};
use crate::queue::Queue;
use crate::validation::{self, FieldErrors};

pub const DRAFT_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "draft_not_found",
    message: "The lead has no draft waiting",
};

/// `POST /api/leads/{id}/draft/send`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendDraft {
    /// The rep's edited text; the draft as written when absent.
    pub text: Option<String>,
}

/// Sends the lead's draft (edited or not) and clears it.
pub async fn send(
    stores: &Stores,
    queue: &dyn Queue,
    actor: &Actor,
    lead_id: LeadId,
    input: SendDraft,
    now: DateTime<Utc>,
) -> DomainResult<Message> {
    actor.require(Permission::WriteConversations)?;
    let edited = match &input.text {
        None => None,
        Some(text) => {
            let mut e = FieldErrors::new();
            let text = e
                .check(validation::text("text", Some(text), MAX_CONTENT, true))
                .flatten();
            if text.is_none() {
                e.add("text", "must not be empty");
            }
            e.finish(text)?
        }
    };
    let lead = load_live(stores, &actor.tenant, lead_id).await?;
    let Some(draft) = lead.ai_draft.clone() else {
        return Err(DRAFT_NOT_FOUND);
    };
    let mut metadata = draft.metadata.clone();
    metadata["draft"] = serde_json::json!({
        "approved_by": actor.user.as_ref().map(|u| u.id),
        "edited": edited.is_some(),
    });
    let message = Message {
        id: draft.id,
        lead_id,
        dealership_id: actor.tenant.dealership_id(),
        channel: draft.channel,
        direction: Direction::Outbound,
        // The AI wrote it and a person approved it: the AI keeps the
        // conversation, unlike when a rep writes a reply of their own.
        sender: "AI".into(),
        sender_type: SenderType::Ai,
        message_content: edited.unwrap_or(draft.text),
        metadata,
        created_at: now,
    };
    let message = match stores
        .conversations
        .insert_message(&actor.tenant, &message)
        .await
    {
        Ok(()) => message,
        // Sent already (a double click): that one stands.
        Err(StoreError::Conflict) => stores
            .conversations
            .get_message(&actor.tenant, lead_id, draft.id)
            .await?
            .ok_or(DRAFT_NOT_FOUND)?,
        Err(e) => return Err(e.into()),
    };
    modify(stores, &actor.tenant, lead_id, now, |lead| {
        if lead.ai_draft.as_ref().is_some_and(|d| d.id == draft.id) {
            lead.ai_draft = None;
        }
        // A person read and sent it: the customer has had a person's answer.
        lead.record_human_contact(now);
        Ok(())
    })
    .await?;
    jobs::send_message(
        queue,
        actor.tenant.dealership_id(),
        lead_id,
        message.id,
        &format!("draft:{}", message.id),
        now,
    )
    .await?;
    Ok(message)
}

/// Throws the lead's draft away.
pub async fn discard(
    stores: &Stores,
    actor: &Actor,
    lead_id: LeadId,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    actor.require(Permission::WriteConversations)?;
    let lead = load_live(stores, &actor.tenant, lead_id).await?;
    if lead.ai_draft.is_none() {
        return Err(DRAFT_NOT_FOUND);
    }
    modify(stores, &actor.tenant, lead_id, now, |lead| {
        lead.ai_draft = None;
        Ok(())
    })
    .await?;
    Ok(())
}
