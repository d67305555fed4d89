//! How far the AI carries a conversation after its first reply: the
//! dealership's mode (and a lead's own), when it hands a lead to a person,
//! and what it leaves on the lead when it does (a handover, a draft).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{MessageId, UserId};
use crate::model::Channel;

/// What the AI does with a customer's answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConversationMode {
    /// The AI answers the customer itself.
    Auto,
    /// The AI writes a draft; a rep sends it with one click, or edits it.
    #[default]
    Draft,
    /// The first reply only; every answer is for a person.
    Off,
}

impl ConversationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationMode::Auto => "auto",
            ConversationMode::Draft => "draft",
            ConversationMode::Off => "off",
        }
    }
}

/// Why a lead was given to a person. Each trigger can be switched off in
/// [`HandoverTriggers`]; the last three cannot (the AI has nothing safe to
/// say without a model, and must not keep trying).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoverReason {
    /// The customer asked for a person.
    AskedForPerson,
    /// Price negotiation, a discount or a request for an offer.
    Price,
    /// Financing, leasing or a legal question.
    Financing,
    /// The customer wants a value for their car.
    TradeIn,
    /// A complaint, or clear frustration.
    Complaint,
    /// An appointment was booked: the rep owns the lead now.
    Appointment,
    /// More AI turns than the dealership allows without progress.
    NoProgress,
    /// The model itself said a person is needed.
    ModelAsked,
    /// The model did not answer, or answered badly twice.
    ModelFailed,
}

impl HandoverReason {
    pub fn as_str(self) -> &'static str {
        match self {
            HandoverReason::AskedForPerson => "asked_for_person",
            HandoverReason::Price => "price",
            HandoverReason::Financing => "financing",
            HandoverReason::TradeIn => "trade_in",
            HandoverReason::Complaint => "complaint",
            HandoverReason::Appointment => "appointment",
            HandoverReason::NoProgress => "no_progress",
            HandoverReason::ModelAsked => "model_asked",
            HandoverReason::ModelFailed => "model_failed",
        }
    }

    /// How the dashboard and the rep's notice name it.
    pub fn label(self) -> &'static str {
        match self {
            HandoverReason::AskedForPerson => "Kunden vil snakke med en person",
            HandoverReason::Price => "Pris eller tilbud",
            HandoverReason::Financing => "Finansiering, leasing eller juridisk spørsmål",
            HandoverReason::TradeIn => "Innbyttevurdering",
            HandoverReason::Complaint => "Klage eller misnøye",
            HandoverReason::Appointment => "Avtale booket",
            HandoverReason::NoProgress => "Samtalen kommer ikke videre",
            HandoverReason::ModelAsked => "AI-en mener en person bør svare",
            HandoverReason::ModelFailed => "AI-en kunne ikke svare trygt",
        }
    }
}

/// Which reasons hand a lead over; all on by default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct HandoverTriggers {
    pub asked_for_person: bool,
    pub price: bool,
    pub financing: bool,
    pub trade_in: bool,
    pub complaint: bool,
    pub appointment: bool,
    pub no_progress: bool,
    pub model_asked: bool,
}

impl Default for HandoverTriggers {
    fn default() -> Self {
        Self {
            asked_for_person: true,
            price: true,
            financing: true,
            trade_in: true,
            complaint: true,
            appointment: true,
            no_progress: true,
            model_asked: true,
        }
    }
}

impl HandoverTriggers {
    pub fn allows(&self, reason: HandoverReason) -> bool {
        match reason {
            HandoverReason::AskedForPerson => self.asked_for_person,
            HandoverReason::Price => self.price,
            HandoverReason::Financing => self.financing,
            HandoverReason::TradeIn => self.trade_in,
            HandoverReason::Complaint => self.complaint,
            HandoverReason::Appointment => self.appointment,
            HandoverReason::NoProgress => self.no_progress,
            HandoverReason::ModelAsked => self.model_asked,
            HandoverReason::ModelFailed => true,
        }
    }
}

/// Bokmål, or nynorsk when the dealership writes it. Swedish and Danish
/// customers get the dealership's language; English customers English.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WrittenNorwegian {
    #[default]
    Bokmal,
    Nynorsk,
}

pub const MAX_DEBOUNCE_SECS: u32 = 600;
pub const MAX_AI_TURNS: u32 = 20;
pub const MAX_HANDOVER_MESSAGE: usize = 500;

/// The dealership's settings for conversations after the first reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ConversationSettings {
    pub mode: ConversationMode,
    /// Messages from one customer within this many seconds get one answer.
    pub debounce_secs: u32,
    /// Hand over after this many AI answers in a row without progress.
    pub max_ai_turns: u32,
    pub handover: HandoverTriggers,
    /// In `auto`, tell the customer that a person will be in touch.
    pub send_handover_message: bool,
    /// Sent to the customer when a lead is handed over (in `auto`); the
    /// default names when someone will be in touch, from opening hours.
    pub handover_message: Option<String>,
    pub language: WrittenNorwegian,
}

impl Default for ConversationSettings {
    fn default() -> Self {
        Self {
            mode: ConversationMode::Draft,
            debounce_secs: 30,
            max_ai_turns: 4,
            handover: HandoverTriggers::default(),
            send_handover_message: true,
            handover_message: None,
            language: WrittenNorwegian::Bokmal,
        }
    }
}

/// A lead handed to a person: why, when, and what the rep needs to know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Handover {
    pub reason: HandoverReason,
    /// The model's or the rule's words on why, when there are any.
    pub detail: Option<String>,
    /// What the customer wants, what was promised, open questions.
    pub summary: String,
    /// The customer message the handover answered.
    pub message_id: Option<MessageId>,
    pub at: DateTime<Utc>,
}

/// A reply the AI wrote in `draft` mode, waiting for a rep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AiDraft {
    /// The id the message gets when it is sent.
    pub id: MessageId,
    pub text: String,
    pub channel: Channel,
    /// The customer message it answers.
    pub answers: MessageId,
    /// The turn's record (intent, facts used, guardrail outcome): becomes
    /// the sent message's metadata.
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// Who handed a lead back to the AI, and when: the AI answers again from
/// then on, even though a person wrote before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HandBack {
    pub by: UserId,
    pub at: DateTime<Utc>,
}
