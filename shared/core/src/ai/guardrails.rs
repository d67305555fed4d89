//! What a model's reply must pass before a customer sees it. Each check is
//! cheap and deterministic; a reply that fails any is replaced by the
//! template fallback and the rejection is counted.

use std::collections::HashSet;

use super::context::ReplyContext;
use crate::search::fold;

pub const MIN_CHARS: usize = 60;
pub const MAX_CHARS: usize = 1500;
/// Three SMS segments at most.
pub const MAX_SMS_CHARS: usize = 450;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("reply is {0} characters (allowed {MIN_CHARS}–{1})")]
    Length(usize, usize),
    #[error("reply contains a placeholder or template marker: {0}")]
    Placeholder(String),
    #[error("reply contains a number that is not in the context: {0}")]
    InventedNumber(String),
    #[error("reply is not in Norwegian")]
    NotNorwegian,
    #[error("reply contains contact details that are not this customer's or the dealership's: {0}")]
    ForeignContact(String),
    #[error("reply was cut off by the model's length limit")]
    Truncated,
}

pub fn check(reply: &str, ctx: &ReplyContext) -> Result<(), Rejection> {
    let chars = reply.chars().count();
    let max = if ctx.is_sms() {
        MAX_SMS_CHARS
    } else {
        MAX_CHARS
    };
    if !(MIN_CHARS..=max).contains(&chars) {
        return Err(Rejection::Length(chars, max));
    }
    placeholders(reply)?;
    let facts = ctx.facts();
    numbers(reply, &facts)?;
    norwegian(reply)?;
    contacts(reply, &facts)?;
    Ok(())
}

fn placeholders(reply: &str) -> Result<(), Rejection> {
    const MARKERS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "<navn",
        "<name",
        "xx",
        "lorem",
        "todo",
        "placeholder",
        "plassholder",
        "kundens navn",
        "[navn]",
        "(navn)",
    ];
    let folded = fold(reply);
    MARKERS
        .iter()
        .find(|m| {
            if **m == "xx" {
                folded
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "xx" || w == "xxx")
            } else {
                folded.contains(*m)
            }
        })
        .map_or(Ok(()), |m| Err(Rejection::Placeholder(m.to_string())))
}

/// Digit runs with their separators removed: "450 000" and "450.000" are
/// one number, "09:00" is "0900".
fn number_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            current.push(c);
            continue;
        }
        // A space, dot, comma or colon between digits keeps the number going.
        let joins = matches!(c, ' ' | '.' | ',' | ':' | '\u{a0}')
            && !current.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !joins && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn numbers(reply: &str, facts: &str) -> Result<(), Rejection> {
    let known: HashSet<String> = number_tokens(facts).into_iter().collect();
    let known_text: String = known.iter().cloned().collect::<Vec<_>>().join(" ");
    for n in number_tokens(reply) {
        // Small counts ("1 bil", "2 dager") carry no invented facts; a year,
        // price, time or phone number must come from the context.
        if n.len() <= 1 {
            continue;
        }
        if !known.contains(&n) && !known_text.contains(&n) {
            return Err(Rejection::InventedNumber(n));
        }
    }
    Ok(())
}

const NORWEGIAN: &[&str] = &[
    "og", "jeg", "du", "det", "er", "på", "til", "med", "for", "ikke", "vi", "har", "en", "et",
    "kan", "deg", "oss", "hei", "takk", "gjerne", "hilsen", "om", "som", "vil", "å", "din",
    "bilen",
];
const ENGLISH: &[&str] = &[
    "the", "and", "you", "your", "we", "is", "are", "for", "with", "thank", "thanks", "hello",
    "hi", "our", "would", "please", "car", "regards", "to", "of",
];

fn norwegian(reply: &str) -> Result<(), Rejection> {
    let folded = fold(reply);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    let (no, en) = (count(NORWEGIAN), count(ENGLISH));
    if no < 3 || en > no {
        return Err(Rejection::NotNorwegian);
    }
    Ok(())
}

/// Email addresses and phone-like numbers in the reply must be in the context.
fn contacts(reply: &str, facts: &str) -> Result<(), Rejection> {
    let facts_folded = fold(facts);
    for word in reply.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '.');
        let word = word.trim_end_matches('.');
        if word.contains('@') && !facts_folded.contains(&fold(word)) {
            return Err(Rejection::ForeignContact(word.to_string()));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_across_separators() {
        assert_eq!(
            number_tokens("pris 450 000 kr, kl. 09:00 og 2 dager"),
            ["450000", "0900", "2"]
        );
        assert_eq!(number_tokens("tlf 22 33 44 55."), ["22334455"]);
    }

    #[test]
    fn english_is_refused_and_bokmal_passes() {
        assert!(
            norwegian(
                "Hello Kari, thank you for your interest in the car. We would love to see you."
            )
            .is_err()
        );
        assert!(norwegian("Hei Kari, takk for at du tok kontakt med oss om bilen. Vi har gjerne en prøvetur klar for deg.").is_ok());
    }

    #[test]
    fn placeholders_are_caught() {
        assert!(placeholders("Hei {{navn}}, takk").is_err());
        assert!(placeholders("Hei [Navn], takk").is_err());
        assert!(placeholders("Prisen er XX kroner").is_err());
        assert!(placeholders("Hei Kari, takk for henvendelsen.").is_ok());
    }
}
