//! One AI turn in a conversation: the model answers by calling the
//! `answer_customer` tool, and [`read`] checks that answer field by field
//! before anything trusts it. A model that sends something else — a
//! missing field, an unknown intent, a time that is no time — has given
//! no answer.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::model::ToolSpec;
use crate::model::HandoverReason;

pub const TOOL_NAME: &str = "answer_customer";
pub const MAX_REPLY_CHARS: usize = 2000;
pub const MAX_SUMMARY_CHARS: usize = 1500;
pub const MAX_REASON_CHARS: usize = 300;

/// What the customer's latest message is about, as the model read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TurnIntent {
    /// A question the AI may answer (equipment, availability, hours …).
    Question,
    /// Wants to test-drive or see a car.
    TestDrive,
    /// Proposes or confirms a time for a visit.
    BookingTime,
    /// Negotiates price, asks for a discount or an offer.
    Price,
    /// Financing, leasing, or a legal question.
    Financing,
    /// Wants a value for their car.
    TradeIn,
    /// Asks for a person.
    AskedForPerson,
    /// Complains, or is clearly frustrated.
    Complaint,
    /// Bought elsewhere, or no longer interested.
    NotInterested,
    /// Thanks, or an answer that needs no reply.
    Thanks,
    Other,
}

impl TurnIntent {
    pub const ALL: [TurnIntent; 11] = [
        TurnIntent::Question,
        TurnIntent::TestDrive,
        TurnIntent::BookingTime,
        TurnIntent::Price,
        TurnIntent::Financing,
        TurnIntent::TradeIn,
        TurnIntent::AskedForPerson,
        TurnIntent::Complaint,
        TurnIntent::NotInterested,
        TurnIntent::Thanks,
        TurnIntent::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TurnIntent::Question => "question",
            TurnIntent::TestDrive => "test_drive",
            TurnIntent::BookingTime => "booking_time",
            TurnIntent::Price => "price",
            TurnIntent::Financing => "financing",
            TurnIntent::TradeIn => "trade_in",
            TurnIntent::AskedForPerson => "asked_for_person",
            TurnIntent::Complaint => "complaint",
            TurnIntent::NotInterested => "not_interested",
            TurnIntent::Thanks => "thanks",
            TurnIntent::Other => "other",
        }
    }

    /// The handover an intent calls for, if any.
    pub fn handover(self) -> Option<HandoverReason> {
        match self {
            TurnIntent::Price => Some(HandoverReason::Price),
            TurnIntent::Financing => Some(HandoverReason::Financing),
            TurnIntent::TradeIn => Some(HandoverReason::TradeIn),
            TurnIntent::AskedForPerson => Some(HandoverReason::AskedForPerson),
            TurnIntent::Complaint => Some(HandoverReason::Complaint),
            _ => None,
        }
    }
}

/// The model's answer, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnAnswer {
    /// The message to the customer, without signature; may be empty when
    /// a person is needed.
    pub reply: String,
    pub intent: TurnIntent,
    pub needs_human: bool,
    pub handover_reason: Option<String>,
    /// For the rep, when a person is needed.
    pub summary: Option<String>,
    /// A time the customer proposed, Oslo wall-clock time.
    pub proposed_time: Option<NaiveDateTime>,
}

/// The tool the model must call.
pub fn tool() -> ToolSpec {
    let intents: Vec<&str> = TurnIntent::ALL.iter().map(|i| i.as_str()).collect();
    ToolSpec {
        name: TOOL_NAME,
        description: "Gi svaret til kunden og din vurdering av meldingen. Kalles alltid, nøyaktig én gang.",
        input_schema: json!({
            "type": "object",
            "properties": {
                "reply": {
                    "type": "string",
                    "description": "Meldingen til kunden, ferdig skrevet, uten signatur. Tom streng når en person må svare og du ikke har noe trygt å si."
                },
                "intent": {
                    "type": "string",
                    "enum": intents,
                    "description": "Hva kundens siste melding gjelder."
                },
                "needs_human": {
                    "type": "boolean",
                    "description": "true når en selger bør ta over samtalen."
                },
                "handover_reason": {
                    "type": "string",
                    "description": "Kort, på norsk: hvorfor en selger bør ta over."
                },
                "summary": {
                    "type": "string",
                    "description": "Når needs_human er true: en kort oppsummering for selgeren på norsk – hva kunden vil, hva som er lovet, åpne spørsmål."
                },
                "proposed_time": {
                    "type": "string",
                    "description": "Et tidspunkt kunden foreslo for besøk eller prøvekjøring, som YYYY-MM-DDTHH:MM i norsk tid. Utelat når kunden ikke foreslo noe."
                }
            },
            "required": ["reply", "intent", "needs_human"]
        }),
    }
}

/// Why an answer was not accepted as the tool's input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("structured answer refused: {0}")]
pub struct Unreadable(pub String);

fn text_field(
    input: &serde_json::Map<String, Value>,
    name: &str,
    max: usize,
) -> Result<Option<String>, Unreadable> {
    match input.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => Err(Unreadable(format!(
            "{name} is longer than {max} characters"
        ))),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Some(_) => Err(Unreadable(format!("{name} is not a string"))),
    }
}

/// Checks the tool input and reads it.
pub fn read(input: Option<&Value>) -> Result<TurnAnswer, Unreadable> {
    let input = input
        .ok_or_else(|| Unreadable("the model did not call the tool".into()))?
        .as_object()
        .ok_or_else(|| Unreadable("the tool input is not an object".into()))?;
    let reply = match input.get("reply") {
        Some(Value::String(_)) => text_field(input, "reply", MAX_REPLY_CHARS)?.unwrap_or_default(),
        _ => return Err(Unreadable("reply is missing or not a string".into())),
    };
    let intent = input
        .get("intent")
        .and_then(Value::as_str)
        .and_then(|name| TurnIntent::ALL.into_iter().find(|i| i.as_str() == name))
        .ok_or_else(|| Unreadable("intent is missing or unknown".into()))?;
    let needs_human = input
        .get("needs_human")
        .and_then(Value::as_bool)
        .ok_or_else(|| Unreadable("needs_human is missing or not a boolean".into()))?;
    let proposed_time = match text_field(input, "proposed_time", 40)? {
        None => None,
        Some(t) => Some(
            NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S"))
                .map_err(|_| Unreadable(format!("proposed_time {t:?} is not YYYY-MM-DDTHH:MM")))?,
        ),
    };
    let answer = TurnAnswer {
        reply,
        intent,
        needs_human,
        handover_reason: text_field(input, "handover_reason", MAX_REASON_CHARS)?,
        summary: text_field(input, "summary", MAX_SUMMARY_CHARS)?,
        proposed_time,
    };
    if answer.reply.is_empty() && !answer.needs_human && answer.intent.handover().is_none() {
        return Err(Unreadable(
            "an empty reply is only allowed when a person is needed".into(),
        ));
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_answer_is_read() {
        let a = read(Some(&json!({
            "reply": " Hei Kari! Torsdag kl. 17 passer fint. ",
            "intent": "booking_time",
            "needs_human": false,
            "proposed_time": "2026-12-10T17:00"
        })))
        .unwrap();
        assert_eq!(a.reply, "Hei Kari! Torsdag kl. 17 passer fint.");
        assert_eq!(a.intent, TurnIntent::BookingTime);
        assert_eq!(a.proposed_time.unwrap().to_string(), "2026-12-10 17:00:00");
        assert_eq!(a.summary, None);
    }

    #[test]
    fn malformed_answers_are_refused() {
        let refused = [
            None,
            Some(json!("Hei!")),
            Some(json!({"intent": "question", "needs_human": false})),
            Some(json!({"reply": 5, "intent": "question", "needs_human": false})),
            Some(json!({"reply": "Hei", "intent": "haggle", "needs_human": false})),
            Some(json!({"reply": "Hei", "intent": "question", "needs_human": "no"})),
            Some(
                json!({"reply": "Hei", "intent": "question", "needs_human": false,
                        "proposed_time": "torsdag kl 17"}),
            ),
            Some(
                json!({"reply": "x".repeat(MAX_REPLY_CHARS + 1), "intent": "question",
                        "needs_human": false}),
            ),
            Some(json!({"reply": "", "intent": "question", "needs_human": false})),
            Some(
                json!({"reply": "Hei", "intent": "question", "needs_human": true,
                        "summary": ["a"]}),
            ),
        ];
        for input in refused {
            assert!(read(input.as_ref()).is_err(), "{input:?}");
        }
    }

    #[test]
    fn an_empty_reply_is_fine_when_a_person_takes_over() {
        let a = read(Some(&json!({
            "reply": "", "intent": "price", "needs_human": true,
            "summary": "Kunden vil ha bedre pris."
        })))
        .unwrap();
        assert!(a.reply.is_empty());
        assert_eq!(a.intent.handover(), Some(HandoverReason::Price));
    }

    #[test]
    fn the_schema_lists_every_intent() {
        let schema = tool().input_schema;
        let listed = schema["properties"]["intent"]["enum"].as_array().unwrap();
        assert_eq!(listed.len(), TurnIntent::ALL.len());
    }
}
