//! The deterministic half of a handover: what in a customer's own words
//! calls for a person (checked whether or not the model noticed), the
//! summary a rep gets when the model wrote none, and the short message
//! that tells the customer a person will be in touch.

use super::context::ReplyContext;
use super::language::ReplyLanguage;
use crate::model::{HandoverReason, Message, SenderType};
use crate::search::fold;

/// Folded phrases per reason, in the order they are tried: a customer who
/// asks for a person about a price is first of all asking for a person.
const TRIGGERS: &[(HandoverReason, &[&str])] = &[
    (
        HandoverReason::AskedForPerson,
        &[
            "snakke med en person",
            "snakke med et menneske",
            "snakke med en selger",
            "snakke med noen",
            "prate med en",
            "ekte person",
            "et menneske",
            "en ekte selger",
            "ring meg",
            "kan dere ringe",
            "kan noen ringe",
            "ringe meg",
            "er du en robot",
            "er dette en robot",
            "speak to a person",
            "talk to a person",
            "real person",
            "a human",
            "call me",
        ],
    ),
    (
        HandoverReason::Complaint,
        &[
            "klage",
            "skuffet",
            "elendig",
            "dårlig service",
            "uakseptabel",
            "frekk",
            "svindel",
            "lurt meg",
            "forbrukerrådet",
            "reklamasjon",
            "ingen har svart",
            "complaint",
            "disappointed",
            "unacceptable",
        ],
    ),
    (
        HandoverReason::Financing,
        &[
            "finansier",
            "billån",
            "lån",
            "leasing",
            "lease",
            "rente",
            "avbetaling",
            "månedspris",
            "kreditt",
            "advokat",
            "kjøpsloven",
            "garanti",
            "finance",
            "loan",
            "lawyer",
        ],
    ),
    (
        HandoverReason::TradeIn,
        &[
            "innbytte",
            "bytte inn",
            "byttebil",
            "hva får jeg for",
            "verdivurder",
            "trade-in",
            "trade in",
        ],
    ),
    (
        HandoverReason::Price,
        &[
            "rabatt",
            "tilbud",
            "prisavslag",
            "gå ned i pris",
            "ned på prisen",
            "beste pris",
            "lavere pris",
            "billigere",
            "prisforslag",
            "kontantpris",
            "discount",
            "best price",
            "an offer",
        ],
    ),
];

/// The reason the customer's words call for a person, if any.
pub fn from_customer(text: &str) -> Option<HandoverReason> {
    let folded = fold(text);
    TRIGGERS
        .iter()
        .find(|(_, phrases)| phrases.iter().any(|p| contains_phrase(&folded, p)))
        .map(|(reason, _)| *reason)
}

/// `phrase` at a word start in `text` ("lån" in "billån" is its own
/// phrase; "lån" must not match "plåne").
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        text[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric())
    })
}

/// What the rep reads when the model wrote no summary: who, which car,
/// what the customer said last, what the AI has answered so far, and why
/// the lead is theirs now.
pub fn plain_summary(ctx: &ReplyContext, reason: HandoverReason, detail: Option<&str>) -> String {
    let lead = &ctx.lead;
    let who = lead.customer_name.as_deref().unwrap_or("Kunden");
    let vehicle = lead.vehicle_interest.as_deref().unwrap_or("ikke oppgitt");
    let customer_said: Vec<&Message> = ctx
        .conversation
        .iter()
        .rev()
        .take_while(|m| m.sender_type == SenderType::Customer)
        .collect();
    let latest: Vec<String> = customer_said
        .iter()
        .rev()
        .map(|m| shorten(&m.message_content, 300))
        .collect();
    let answered = ctx
        .conversation
        .iter()
        .filter(|m| m.sender_type == SenderType::Ai)
        .count();
    let mut lines = vec![
        format!("{who} er interessert i: {vehicle}."),
        format!("Overlevert fordi: {}.", reason.label().to_lowercase()),
    ];
    if let Some(detail) = detail.filter(|d| !d.trim().is_empty()) {
        lines.push(format!("Begrunnelse: {}", detail.trim()));
    }
    if !latest.is_empty() {
        lines.push(format!("Kunden skrev sist: «{}»", latest.join(" / ")));
    }
    lines.push(format!(
        "AI-en har sendt {answered} melding(er) og ikke lovet noe om pris, innbytte, finansiering eller levering."
    ));
    lines.join("\n")
}

fn shorten(text: &str, max: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max).collect::<String>())
    }
}

/// What the customer is told when a person takes over: the dealership's
/// own text when it set one, otherwise who will be in touch and when.
pub fn customer_message(ctx: &ReplyContext, own_text: Option<&str>) -> String {
    if let Some(text) = own_text.filter(|t| !t.trim().is_empty()) {
        return text.trim().to_string();
    }
    let greeting = match (ctx.language, ctx.first_name()) {
        (ReplyLanguage::English, Some(n)) => format!("Hi {n}!"),
        (ReplyLanguage::English, None) => "Hi!".to_string(),
        (_, Some(n)) => format!("Hei {n}!"),
        (_, None) => "Hei!".to_string(),
    };
    let when = match (ctx.open_now(), ctx.next_opening_text()) {
        (true, _) => None,
        (false, Some(next)) => Some(next),
        (false, None) => None,
    };
    match (ctx.language, when) {
        (ReplyLanguage::English, None) => format!(
            "{greeting} Thank you – one of our salespeople at {} will contact you shortly.",
            ctx.dealership.name
        ),
        (ReplyLanguage::English, Some(next)) => format!(
            "{greeting} Thank you – one of our salespeople at {} will contact you when we open ({next}).",
            ctx.dealership.name
        ),
        (ReplyLanguage::Nynorsk, None) => format!(
            "{greeting} Takk – ein av seljarane våre hos {} tek kontakt med deg snart.",
            ctx.dealership.name
        ),
        (ReplyLanguage::Nynorsk, Some(next)) => format!(
            "{greeting} Takk – ein av seljarane våre hos {} tek kontakt med deg når vi opnar ({next}).",
            ctx.dealership.name
        ),
        (ReplyLanguage::Bokmal, None) => format!(
            "{greeting} Takk – en av selgerne våre hos {} tar kontakt med deg snart.",
            ctx.dealership.name
        ),
        (ReplyLanguage::Bokmal, Some(next)) => format!(
            "{greeting} Takk – en av selgerne våre hos {} tar kontakt med deg når vi åpner ({next}).",
            ctx.dealership.name
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HandoverReason::*;

    #[test]
    fn the_customers_words_name_the_reason() {
        let cases: &[(&str, Option<HandoverReason>)] = &[
            ("Kan jeg få snakke med en person?", Some(AskedForPerson)),
            ("Ring meg heller i morgen", Some(AskedForPerson)),
            ("Hva er beste pris om jeg betaler kontant?", Some(Price)),
            ("Kan dere gi meg et tilbud på bilen?", Some(Price)),
            ("Gir dere rabatt?", Some(Price)),
            ("Hva blir månedsprisen med billån?", Some(Financing)),
            ("Tilbyr dere leasing?", Some(Financing)),
            ("Hva får jeg for Passaten min i innbytte?", Some(TradeIn)),
            (
                "Dette er elendig, ingen har svart meg på tre dager",
                Some(Complaint),
            ),
            ("Could you call me?", Some(AskedForPerson)),
            ("Can I get a discount?", Some(Price)),
            // Questions the AI may answer.
            ("Har den hengerfeste?", None),
            ("Kan jeg prøvekjøre torsdag kl 17?", None),
            ("Hva koster den?", None),
            ("Planen er å komme i morgen", None),
            ("Takk for svar!", None),
        ];
        for (text, expected) in cases {
            assert_eq!(from_customer(text), *expected, "{text}");
        }
    }

    #[test]
    fn a_phrase_must_start_a_word() {
        assert!(contains_phrase("hva med billån", "billån"));
        assert!(contains_phrase("et lån", "lån"));
        assert!(!contains_phrase("plånebok", "lån"));
        assert!(!contains_phrase("butilbud", "tilbud"));
    }
}
