use chrono::{DateTime, Utc};

use super::leads;
use crate::error::DomainResult;
use crate::ids::{LeadId, MessageId};
use crate::model::message::NewNote;
use crate::model::{Channel, Direction, LeadStatus, Message, NewMessage, SenderType};
use crate::pagination::{self, CursorCodec, Page};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::service::automation::triggers::{self, Event};

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
    leads::load_live(stores, &actor.tenant, lead_id).await?;
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
    let lead = leads::load_live(stores, &actor.tenant, lead_id).await?;
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
    actor.require(Permission::WriteConversations)?;
    let input = input.validate()?;
    let lead = leads::load_live(stores, &actor.tenant, input.lead_id).await?;
    let sender = input.sender.unwrap_or_else(|| match input.sender_type {
        SenderType::Human => actor.display_name(),
        SenderType::Ai => "AI".to_string(),
        SenderType::Customer => lead
            .customer_name
            .clone()
            .unwrap_or_else(|| "Kunde".to_string()),
    });
    let message = Message {
        id: MessageId::new_at(now),
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
        let lead = leads::modify(stores, &actor.tenant, lead.id, now, |lead| {
            lead.last_contact_at = Some(now);
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
