use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{DealershipId, LeadId, MessageId};
use crate::validation::{self, FieldErrors};

pub const MAX_CONTENT: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Email,
    Sms,
    Facebook,
    Website,
    /// An internal note of the sales team: in the lead's timeline, never
    /// sent, never shown to the model.
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    /// Notes: between colleagues, not with the customer.
    Internal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderType {
    Customer,
    Ai,
    Human,
    /// The platform itself: the confirmation of an SMS opt-out, which
    /// neither the reply engine nor a person wrote.
    System,
}

/// One message in a lead's conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub lead_id: LeadId,
    pub dealership_id: DealershipId,
    pub channel: Channel,
    pub direction: Direction,
    /// The customer's name, "AI", or the sales rep's name.
    pub sender: String,
    pub sender_type: SenderType,
    pub message_content: String,
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// `POST /api/conversations`: a rep logs a message on a lead.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub lead_id: LeadId,
    pub channel: Channel,
    pub direction: Direction,
    /// Defaults to the rep's name (human) or the lead's name (customer).
    pub sender: Option<String>,
    pub sender_type: SenderType,
    pub message_content: String,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

/// A [`NewMessage`] whose fields passed validation; the sender is settled by
/// the service, which knows the rep and the lead.
pub struct ValidMessage {
    pub lead_id: LeadId,
    pub channel: Channel,
    pub direction: Direction,
    pub sender: Option<String>,
    pub sender_type: SenderType,
    pub message_content: String,
    pub metadata: serde_json::Value,
}

/// `POST /api/leads/{id}/notes`: an internal note on a lead.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    #[schema(min_length = 1, max_length = 5000)]
    pub text: String,
}

pub const MAX_NOTE: usize = 5_000;

impl NewNote {
    pub fn validate(self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = e
            .check(validation::text("text", Some(&self.text), MAX_NOTE, true))
            .flatten();
        if text.is_none() && e.is_empty() {
            e.add("text", "is required");
        }
        e.finish(text.unwrap_or_default())
    }
}

impl Message {
    /// Whether the customer saw (or wrote) this message: everything but
    /// the team's notes.
    pub fn is_with_customer(&self) -> bool {
        self.channel != Channel::Note
    }
}

impl NewMessage {
    pub fn validate(self) -> Result<ValidMessage, FieldErrors> {
        let mut e = FieldErrors::new();
        let sender = e
            .check(validation::text(
                "sender",
                self.sender.as_deref(),
                255,
                false,
            ))
            .flatten();
        let content = e.check(validation::text(
            "message_content",
            Some(&self.message_content),
            MAX_CONTENT,
            true,
        ));
        if matches!(content, Some(None)) {
            e.add("message_content", "is required");
        }
        match (self.sender_type, self.direction) {
            (SenderType::Ai, _) => e.add(
                "sender_type",
                "ai messages are written by the reply engine, not through the API",
            ),
            (SenderType::System, _) => e.add(
                "sender_type",
                "system messages are written by the platform, not through the API",
            ),
            (SenderType::Customer, Direction::Outbound) => {
                e.add("direction", "a customer's message is inbound")
            }
            (SenderType::Human, Direction::Inbound) => {
                e.add("direction", "a sales rep's message is outbound")
            }
            _ => {}
        }
        if self.channel == Channel::Note || self.direction == Direction::Internal {
            e.add("channel", "notes are added with POST /api/leads/{id}/notes");
        }
        let metadata = match self.metadata {
            None | Some(serde_json::Value::Null) => serde_json::json!({}),
            Some(m) => e
                .check(validation::metadata("metadata", m, 16 * 1024))
                .unwrap_or_default(),
        };
        e.finish(ValidMessage {
            lead_id: self.lead_id,
            channel: self.channel,
            direction: self.direction,
            sender,
            sender_type: self.sender_type,
            message_content: content.flatten().unwrap_or_default(),
            metadata,
        })
    }
}

/// `POST /api/leads/{id}/replies`: a rep's answer to the customer, sent by
/// email or SMS through the send queue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReply {
    /// `email` or `sms`.
    pub channel: Channel,
    pub text: String,
    /// Chosen by the client once per reply it writes (a UUID): a repeated
    /// request with the same key sends nothing new and returns the first
    /// request's message.
    pub idempotency_key: Option<String>,
}

/// The longest reply a rep can send (ten SMS segments of GSM-7 text).
pub const MAX_REPLY: usize = 1_530;

impl NewReply {
    pub fn validate(self) -> Result<(Channel, String, Option<String>), FieldErrors> {
        let mut e = FieldErrors::new();
        if !matches!(self.channel, Channel::Email | Channel::Sms) {
            e.add("channel", "must be email or sms");
        }
        let limit = match self.channel {
            Channel::Sms => MAX_REPLY,
            _ => MAX_NOTE,
        };
        let text = e
            .check(validation::text("text", Some(&self.text), limit, true))
            .flatten();
        if text.is_none() && e.is_empty() {
            e.add("text", "is required");
        }
        // A canned reply's field left as it was must never reach a customer.
        if let Some(fields) = text
            .as_deref()
            .map(super::inbox::unfilled_fields)
            .filter(|f| !f.is_empty())
        {
            e.add(
                "text",
                format!("holds unfilled fields: {}", super::inbox::braced(&fields)),
            );
        }
        let key = self.idempotency_key.map(|k| k.trim().to_string());
        if key
            .as_deref()
            .is_some_and(|k| k.is_empty() || k.len() > 100 || !k.is_ascii())
        {
            e.add("idempotency_key", "must be 1–100 ASCII characters");
        }
        e.finish((self.channel, text.unwrap_or_default(), key))
    }
}
