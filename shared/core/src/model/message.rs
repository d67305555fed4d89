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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SenderType {
    Customer,
    Ai,
    Human,
}

/// One message in a lead's conversation (the seed's `conversations` row).
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
            (SenderType::Customer, Direction::Outbound) => {
                e.add("direction", "a customer's message is inbound")
            }
            (SenderType::Human, Direction::Inbound) => {
                e.add("direction", "a sales rep's message is outbound")
            }
            _ => {}
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
