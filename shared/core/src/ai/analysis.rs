//! The deterministic lead analysis that always runs: intents, urgency,
//! preferred channel and a 1–100 score with a short Norwegian explanation.
//! The model may refine it; this is what a lead has when no model answers.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Lead;
use crate::search::fold;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    TestDrive,
    Offer,
    TradeIn,
    Financing,
    Availability,
    Service,
    Other,
}

impl Intent {
    pub fn norwegian(self) -> &'static str {
        match self {
            Intent::TestDrive => "prøvekjøring",
            Intent::Offer => "pris/tilbud",
            Intent::TradeIn => "innbytte",
            Intent::Financing => "finansiering",
            Intent::Availability => "tilgjengelighet",
            Intent::Service => "service",
            Intent::Other => "annet",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Low,
    Normal,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelPreference {
    Email,
    Sms,
    Phone,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct LeadAnalysis {
    pub intents: Vec<Intent>,
    pub urgency: Urgency,
    pub channel_preference: ChannelPreference,
    /// 1–100.
    pub lead_score: u8,
    /// One or two sentences in Norwegian: why this score.
    pub explanation: String,
    /// `heuristic`, or the model that refined it.
    pub analysed_by: String,
}

/// Word stems (folded: lower case, æøå kept) per intent.
const INTENT_WORDS: &[(Intent, &[&str])] = &[
    (
        Intent::TestDrive,
        &[
            "prøvekjør",
            "prove kjor",
            "provekjor",
            "test drive",
            "testkjør",
            "prøvetur",
        ],
    ),
    (
        Intent::Offer,
        &[
            "pris", "tilbud", "koster", "kost", "rabatt", "kampanje", "price", "offer",
        ],
    ),
    (
        Intent::TradeIn,
        &["innbytte", "bytte inn", "byttebil", "trade-in", "trade in"],
    ),
    (
        Intent::Financing,
        &[
            "finansier",
            "lån",
            "billån",
            "leasing",
            "lease",
            "månedspris",
            "avbetaling",
            "rente",
        ],
    ),
    (
        Intent::Availability,
        &[
            "lager",
            "tilgjengelig",
            "ledig",
            "levering",
            "leveringstid",
            "når kan",
            "solgt",
        ],
    ),
    (
        Intent::Service,
        &[
            "service",
            "verksted",
            "eu-kontroll",
            "reparasjon",
            "dekk",
            "hjulskift",
        ],
    ),
];

const URGENT_WORDS: &[&str] = &[
    "i dag",
    "snarest",
    "haster",
    "så fort",
    "raskt",
    "i morgen",
    "asap",
    "nå med en gang",
];
const SLOW_WORDS: &[&str] = &[
    "neste år",
    "til våren",
    "til sommeren",
    "bare ser",
    "ingen hast",
    "på sikt",
];

pub fn analyse(lead: &Lead) -> LeadAnalysis {
    let text = fold(
        &[
            lead.initial_message.as_deref().unwrap_or_default(),
            lead.vehicle_interest.as_deref().unwrap_or_default(),
            lead.source_metadata
                .get("form_type")
                .and_then(|v| v.as_str())
                .unwrap_or_default(),
            // "Henvendelsen gjelder: Prøvekjøring", "Ønsker: Tilbud".
            lead.source_metadata
                .get("intent")
                .and_then(|v| v.as_str())
                .unwrap_or_default(),
        ]
        .join(" "),
    );
    let has = |words: &[&str]| words.iter().any(|w| text.contains(&fold(w)));

    let mut intents: Vec<Intent> = INTENT_WORDS
        .iter()
        .filter(|(_, words)| has(words))
        .map(|(intent, _)| *intent)
        .collect();
    if intents.is_empty() {
        intents.push(Intent::Other);
    }
    let urgency = if has(URGENT_WORDS) {
        Urgency::High
    } else if has(SLOW_WORDS) {
        Urgency::Low
    } else {
        Urgency::Normal
    };
    let channel_preference = if has(&["ring meg", "ring", "telefon", "call me"]) {
        ChannelPreference::Phone
    } else if has(&["sms", "tekstmelding"]) {
        ChannelPreference::Sms
    } else if has(&["e-post", "epost", "mail"]) {
        ChannelPreference::Email
    } else {
        ChannelPreference::Unknown
    };

    let mut score: i32 = 20;
    let mut reasons: Vec<String> = Vec::new();
    if lead.customer_email.is_some() && lead.customer_phone.is_some() {
        score += 15;
        reasons.push("både e-post og telefon".into());
    } else if lead.customer_email.is_some() || lead.customer_phone.is_some() {
        score += 8;
    }
    if lead.vehicle_interest.is_some() {
        score += 10;
        reasons.push("konkret bilmodell".into());
    }
    for intent in &intents {
        let (points, strong) = match intent {
            Intent::TestDrive => (20, true),
            Intent::Offer | Intent::Financing => (15, true),
            Intent::TradeIn => (10, true),
            Intent::Availability => (10, true),
            Intent::Service => (0, false),
            Intent::Other => (0, false),
        };
        score += points;
        if strong {
            reasons.push(format!("ønsker {}", intent.norwegian()));
        }
    }
    match urgency {
        Urgency::High => {
            score += 15;
            reasons.push("haster".into());
        }
        Urgency::Low => score -= 10,
        Urgency::Normal => {}
    }
    if lead
        .initial_message
        .as_deref()
        .is_some_and(|m| m.chars().count() > 40)
    {
        score += 5;
    }
    let lead_score = score.clamp(1, 100) as u8;
    let temperature = match lead_score {
        70.. => "Varm lead",
        40..=69 => "Lovende lead",
        _ => "Kald lead",
    };
    let explanation = if reasons.is_empty() {
        format!("{temperature}: lite informasjon om hva kunden ønsker.")
    } else {
        format!("{temperature}: {}.", reasons.join(", "))
    };
    LeadAnalysis {
        intents,
        urgency,
        channel_preference,
        lead_score,
        explanation,
        analysed_by: "heuristic".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lead(message: &str, vehicle: Option<&str>, email: bool, phone: bool) -> Lead {
        let mut lead = crate::model::lead::sample(crate::time::now());
        lead.customer_email = email.then(|| "kari@example.no".into());
        lead.customer_phone = phone.then(|| "+4791234567".into());
        lead.vehicle_interest = vehicle.map(str::to_string);
        lead.initial_message = Some(message.into());
        lead
    }

    #[test]
    fn a_test_drive_with_a_trade_in_that_is_urgent_scores_high() {
        let a = analyse(&lead(
            "Kan jeg prøvekjøre i morgen? Har en Golf jeg vil bytte inn.",
            Some("Toyota bZ4X"),
            true,
            true,
        ));
        assert_eq!(a.intents, [Intent::TestDrive, Intent::TradeIn]);
        assert_eq!(a.urgency, Urgency::High);
        assert!(a.lead_score >= 70, "{a:?}");
        assert!(a.explanation.starts_with("Varm lead"), "{}", a.explanation);
        assert!(a.explanation.contains("prøvekjøring"));
    }

    #[test]
    fn a_vague_inquiry_scores_low_and_says_why() {
        let a = analyse(&lead("Hei", None, true, false));
        assert_eq!(a.intents, [Intent::Other]);
        assert!(a.lead_score < 40, "{a:?}");
        assert!(a.explanation.starts_with("Kald lead"));
    }

    #[test]
    fn price_financing_and_channel_are_recognised() {
        let a = analyse(&lead(
            "Hva er månedspris på leasing? Ring meg gjerne.",
            Some("VW ID.4"),
            false,
            true,
        ));
        assert!(a.intents.contains(&Intent::Financing));
        assert_eq!(a.channel_preference, ChannelPreference::Phone);
        assert!((1..=100).contains(&a.lead_score));
    }
}

/// The model's refinement, when it is well-formed: intents from the known
/// set, a score of 1–100 and a short explanation. Anything else keeps the
/// heuristic.
pub fn refine(heuristic: &LeadAnalysis, answer: &str, model: &str) -> Option<LeadAnalysis> {
    #[derive(Deserialize)]
    struct Refined {
        intents: Vec<Intent>,
        urgency: Urgency,
        #[serde(default = "unknown")]
        channel_preference: ChannelPreference,
        lead_score: i64,
        explanation: String,
    }
    fn unknown() -> ChannelPreference {
        ChannelPreference::Unknown
    }
    let start = answer.find('{')?;
    let end = answer.rfind('}')?;
    let refined: Refined = serde_json::from_str(answer.get(start..=end)?).ok()?;
    let explanation = refined.explanation.trim();
    if refined.intents.is_empty()
        || !(1..=100).contains(&refined.lead_score)
        || explanation.is_empty()
        || explanation.chars().count() > 300
    {
        return None;
    }
    let _ = heuristic;
    Some(LeadAnalysis {
        intents: refined.intents,
        urgency: refined.urgency,
        channel_preference: refined.channel_preference,
        lead_score: refined.lead_score as u8,
        explanation: explanation.to_string(),
        analysed_by: model.to_string(),
    })
}

#[cfg(test)]
mod refine_tests {
    use super::*;

    fn heuristic() -> LeadAnalysis {
        LeadAnalysis {
            intents: vec![Intent::Other],
            urgency: Urgency::Normal,
            channel_preference: ChannelPreference::Unknown,
            lead_score: 30,
            explanation: "Kald lead.".into(),
            analysed_by: "heuristic".into(),
        }
    }

    #[test]
    fn a_well_formed_answer_refines_and_junk_does_not() {
        let good = "Her er analysen: {\"intents\": [\"test_drive\", \"financing\"], \"urgency\": \"high\", \
                    \"lead_score\": 82, \"explanation\": \"Vil prøvekjøre snart og spør om lån.\"}";
        let a = refine(&heuristic(), good, "claude-test").unwrap();
        assert_eq!(a.intents, [Intent::TestDrive, Intent::Financing]);
        assert_eq!(a.lead_score, 82);
        assert_eq!(a.analysed_by, "claude-test");
        for junk in [
            "ingen json",
            "{\"intents\": [\"fly\"], \"urgency\": \"high\", \"lead_score\": 50, \"explanation\": \"x\"}",
            "{\"intents\": [\"offer\"], \"urgency\": \"high\", \"lead_score\": 500, \"explanation\": \"x\"}",
            "{\"intents\": [], \"urgency\": \"high\", \"lead_score\": 50, \"explanation\": \"x\"}",
        ] {
            assert_eq!(refine(&heuristic(), junk, "m"), None, "{junk}");
        }
    }
}
