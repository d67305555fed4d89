use chrono::{DateTime, Utc};

use super::lead_records;
use crate::error::DomainResult;
use crate::ids::{LeadId, MessageId};
use crate::jobs;
use crate::model::message::{NewNote, NewReply};
use crate::model::{Channel, Direction, LeadStatus, Message, NewMessage, SenderType};
use crate::outbound::ClaimRecord;
use crate::pagination::{self, CursorCodec, Page};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::queue::Queue;
use crate::service::automation::triggers::{self, Event};
use crate::validation::FieldErrors;

/// A lead's conversation, oldest first.
pub async fn list(
    stores: &Stores,
    cursors: &CursorCodec,
    actor: &Actor,
    lead_id: LeadId,
    limit: Option<i64>,
    cursor: Option<String>,
) -> DomainResult<Page<Message>> {
    actor.require(Permission::ReadConversations)?;
    let limit = pagination::limit(limit)?;
    lead_records::load_live(stores, &actor.tenant, lead_id).await?;
    let scope = pagination::scope("conversations", &[("lead", Some(lead_id.to_string()))]);
    let after =
        pagination::decode_after::<MessageId>(cursors, &actor.tenant, &scope, cursor.as_deref())?;
    let items = stores
        .conversations
        .list_messages(&actor.tenant, lead_id, after, limit + 1)
        .await?;
    Ok(pagination::into_page(
        items,
        limit,
        cursors,
        &actor.tenant,
        &scope,
        |m| m.id.to_string(),
    ))
}

/// An internal note on a lead: in its timeline with author and time, never
/// sent and never shown to the model.
pub async fn add_note(
    stores: &Stores,
    actor: &Actor,
    lead_id: LeadId,
    input: NewNote,
    now: DateTime<Utc>,
) -> DomainResult<Message> {
    actor.require(Permission::WriteConversations)?;
    let text = input.validate()?;
    let lead = lead_records::load_live(stores, &actor.tenant, lead_id).await?;
    let message = Message {
        id: MessageId::new_at(now),
        lead_id: lead.id,
        dealership_id: actor.tenant.dealership_id(),
        channel: Channel::Note,
        direction: Direction::Internal,
        sender: actor.display_name(),
        sender_type: SenderType::Human,
        message_content: text,
        metadata: serde_json::json!({
            "author_user_id": actor.user.as_ref().map(|u| u.id),
        }),
        created_at: now,
    };
    stores
        .conversations
        .insert_message(&actor.tenant, &message)
        .await?;
    Ok(message)
}

/// Logs a message on a lead of the actor's dealership. An outbound message
/// counts as contact: it stamps `last_contact_at` and moves a `new` lead to
/// `contacted`.
pub async fn add(
    stores: &Stores,
    actor: &Actor,
    input: NewMessage,
    now: DateTime<Utc>,
) -> DomainResult<Message> {
    if let Some(metadata) = input.metadata.clone().filter(|m| !m.is_null()) {
        crate::validation::client_metadata("metadata", metadata, 16 * 1024)
            .map_err(|e| crate::validation::FieldErrors::single(&e.field, e.message))?;
    }
    add_with_id(stores, actor, input, MessageId::new_at(now), now).await
}

/// [`add`], with the message's id chosen by the caller.
async fn add_with_id(
    stores: &Stores,
    actor: &Actor,
    input: NewMessage,
    id: MessageId,
    now: DateTime<Utc>,
) -> DomainResult<Message> {
    actor.require(Permission::WriteConversations)?;
    let input = input.validate()?;
    let lead = lead_records::load_live(stores, &actor.tenant, input.lead_id).await?;
    let sender = input.sender.unwrap_or_else(|| match input.sender_type {
        SenderType::Human => actor.display_name(),
        SenderType::Ai => "AI".to_string(),
        SenderType::System => "Norvalt".to_string(),
        SenderType::Customer => lead
            .customer_name
            .clone()
            .unwrap_or_else(|| "Kunde".to_string()),
    });
    let message = Message {
        id,
        lead_id: lead.id,
        dealership_id: actor.tenant.dealership_id(),
        channel: input.channel,
        direction: input.direction,
        sender,
        sender_type: input.sender_type,
        message_content: input.message_content,
        metadata: input.metadata,
        created_at: now,
    };
    stores
        .conversations
        .insert_message(&actor.tenant, &message)
        .await?;
    if message.direction == Direction::Outbound {
        let entered_contacted = lead.status == LeadStatus::New;
        let by_a_person = message.sender_type == SenderType::Human;
        let lead = lead_records::modify(stores, &actor.tenant, lead.id, now, |lead| {
            lead.last_contact_at = Some(now);
            if by_a_person {
                lead.record_human_contact(now);
            }
            if lead.status == LeadStatus::New {
                lead.set_status(LeadStatus::Contacted, now);
            }
            Ok(())
        })
        .await?;
        triggers::fire(stores, &actor.tenant, &lead, Event::Outbound, now, now).await?;
        if entered_contacted {
            triggers::fire(stores, &actor.tenant, &lead, Event::StatusEntered, now, now).await?;
        }
    }
    Ok(message)
}

/// A rep's reply to the customer by email or SMS: stored as the rep's
/// outbound message and handed to the send queue, whose claim on
/// `send:<message id>` sends it exactly once.
///
/// With an `idempotency_key`, a repeated request (a double click, a retry
/// after a lost answer) stores nothing new: it hands the first request's
/// message to the queue again, which the send claim makes harmless, and
/// returns it. So a request whose enqueue failed is mended by repeating it.
pub async fn reply(
    stores: &Stores,
    queue: &dyn Queue,
    actor: &Actor,
    lead_id: LeadId,
    input: NewReply,
    now: DateTime<Utc>,
) -> DomainResult<Message> {
    actor.require(Permission::WriteConversations)?;
    let (channel, text, key) = input.validate()?;
    let lead = lead_records::load_live(stores, &actor.tenant, lead_id).await?;
    let has_address = match channel {
        Channel::Sms => lead.customer_phone.is_some(),
        _ => lead.customer_email.is_some(),
    };
    let sms_off = channel == Channel::Sms
        && !stores
            .dealerships
            .get_dealership(&actor.tenant)
            .await?
            .is_some_and(|d| d.reply.sms_enabled);
    let refusal = match channel {
        _ if sms_off => Some("SMS is off for this dealership"),
        _ if has_address => None,
        Channel::Sms => Some("the lead has no phone number"),
        _ => Some("the lead has no email address"),
    };
    if let Some(reason) = refusal {
        let mut e = FieldErrors::new();
        e.add("channel", reason);
        return Err(e.into());
    }
    let mut message_id = MessageId::new_at(now);
    if let Some(key) = &key {
        let claim = ClaimRecord::new(
            format!("reply:{lead_id}:{key}"),
            message_id.to_string(),
            now,
        );
        if let Some(first) = stores.claims.claim(&actor.tenant, &claim).await? {
            let first_id = first.message_id()?;
            if let Some(stored) = find_message(stores, actor, lead_id, first_id).await? {
                enqueue_send(queue, actor, &stored, now).await?;
                return Ok(stored);
            }
            // The first request claimed the key but stored nothing: finish its work.
            message_id = first_id;
        }
    }
    let input = NewMessage {
        lead_id,
        channel,
        direction: Direction::Outbound,
        sender: None,
        sender_type: SenderType::Human,
        message_content: text,
        metadata: Some(serde_json::json!({
            "author_user_id": actor.user.as_ref().map(|u| u.id),
            "kind": "rep_reply",
        })),
    };
    let message = add_with_id(stores, actor, input, message_id, now).await?;
    enqueue_send(queue, actor, &message, now).await?;
    Ok(message)
}

async fn find_message(
    stores: &Stores,
    actor: &Actor,
    lead_id: LeadId,
    id: MessageId,
) -> DomainResult<Option<Message>> {
    Ok(stores
        .conversations
        .get_message(&actor.tenant, lead_id, id)
        .await?)
}

async fn enqueue_send(
    queue: &dyn Queue,
    actor: &Actor,
    message: &Message,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    jobs::send_message(
        queue,
        actor.tenant.dealership_id(),
        message.lead_id,
        message.id,
        &format!("reply:{}", message.id),
        now,
    )
    .await?;
    Ok(())
}
