//! When a turn keeps quiet, where it answers, and what it reads of the
//! conversation: the rules the turn applies before any model is asked.

use crate::ids::MessageId;
use crate::model::{
    Channel, ConversationMode, Dealership, Direction, Lead, LeadStatus, Message, SenderType,
};
use crate::service::reply_writer::reply_channel;

/// Why a turn must say nothing, if it must not: the lead is closed, the
/// mode is off, a person has it (handed over, or wrote to the customer
/// since the AI last did and nobody handed it back), or a later message
/// from the customer has its own turn coming.
pub fn quiet_reason(
    lead: &Lead,
    mode: ConversationMode,
    conversation: &[Message],
    answers: MessageId,
) -> Option<&'static str> {
    if lead.is_deleted() {
        return Some("the lead is deleted");
    }
    if matches!(
        lead.status,
        LeadStatus::Won | LeadStatus::Lost | LeadStatus::NeedsReview
    ) {
        return Some("the lead is closed or under review");
    }
    if mode == ConversationMode::Off {
        return Some("the AI is off for this lead");
    }
    if lead.handover.is_some() {
        return Some("the lead is with a person");
    }
    let latest_from_customer = conversation
        .iter()
        .rev()
        .find(|m| m.sender_type == SenderType::Customer && m.direction == Direction::Inbound);
    match latest_from_customer {
        None => return Some("the customer's message is gone"),
        Some(m) if m.id != answers => {
            if conversation.iter().any(|m| m.id == answers) {
                return Some("a later message from the customer gets the answer");
            }
            return Some("the customer's message is gone");
        }
        Some(_) => {}
    }
    let last_ours = conversation.iter().rev().find(|m| {
        m.direction == Direction::Outbound
            && matches!(m.sender_type, SenderType::Ai | SenderType::Human)
    });
    if let Some(m) = last_ours
        && m.sender_type == SenderType::Human
        && lead
            .handed_back
            .as_ref()
            .is_none_or(|b| m.created_at > b.at)
    {
        return Some("a person is talking to the customer");
    }
    None
}

/// The channel to answer on: the one the customer wrote on, when we can
/// send there; otherwise the lead's usual reply channel.
pub(super) fn turn_channel(
    lead: &Lead,
    dealership: &Dealership,
    wrote_on: Channel,
) -> Option<Channel> {
    match wrote_on {
        Channel::Email if lead.customer_email.is_some() => Some(Channel::Email),
        Channel::Sms if lead.customer_phone.is_some() && dealership.reply.sms_enabled => {
            Some(Channel::Sms)
        }
        _ => reply_channel(lead, &dealership.reply),
    }
}

/// Everything the customer wrote since our last message to them.
pub(super) fn customer_words_since_we_wrote(conversation: &[Message]) -> String {
    let mut texts: Vec<&str> = conversation
        .iter()
        .rev()
        .take_while(|m| m.direction != Direction::Outbound)
        .filter(|m| m.sender_type == SenderType::Customer)
        .map(|m| m.message_content.as_str())
        .collect();
    texts.reverse();
    texts.join("\n")
}

/// AI turns (not the first reply or follow-ups) since a person last wrote
/// to the customer or gave the lead back.
pub(super) fn ai_turns_in_a_row(conversation: &[Message], lead: &Lead) -> usize {
    conversation
        .iter()
        .rev()
        .filter(|m| {
            lead.handed_back
                .as_ref()
                .is_none_or(|b| m.created_at > b.at)
        })
        .take_while(|m| m.sender_type != SenderType::Human)
        .filter(|m| m.sender_type == SenderType::Ai && m.metadata.get("turn").is_some())
        .count()
}
