//! Which language a reply is written in: English to a customer who writes
//! English, otherwise the dealership's Norwegian (bokmål unless it chose
//! nynorsk) — Swedish and Danish customers read Norwegian well, and a
//! dealership answers in its own language. The guardrails' language check
//! follows the same choice.

use serde::Serialize;

use crate::model::conversation::WrittenNorwegian;
use crate::search::fold;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyLanguage {
    #[default]
    Bokmal,
    Nynorsk,
    English,
}

impl ReplyLanguage {
    /// How the prompt names it.
    pub fn prompt_name(self) -> &'static str {
        match self {
            ReplyLanguage::Bokmal => "norsk bokmål",
            ReplyLanguage::Nynorsk => "norsk nynorsk",
            ReplyLanguage::English => "engelsk (kunden skriver engelsk)",
        }
    }

    pub fn closing(self) -> &'static str {
        match self {
            ReplyLanguage::Bokmal => "Med vennlig hilsen",
            ReplyLanguage::Nynorsk => "Med venleg helsing",
            ReplyLanguage::English => "Kind regards",
        }
    }
}

impl From<WrittenNorwegian> for ReplyLanguage {
    fn from(written: WrittenNorwegian) -> Self {
        match written {
            WrittenNorwegian::Bokmal => ReplyLanguage::Bokmal,
            WrittenNorwegian::Nynorsk => ReplyLanguage::Nynorsk,
        }
    }
}

/// Common words of the Scandinavian languages (bokmål, nynorsk, Swedish,
/// Danish), folded: their sum against English decides.
const SCANDINAVIAN: &[&str] = &[
    "og",
    "och",
    "jeg",
    "jag",
    "eg",
    "du",
    "det",
    "er",
    "är",
    "på",
    "til",
    "till",
    "med",
    "för",
    "ikke",
    "ikkje",
    "inte",
    "vi",
    "har",
    "en",
    "et",
    "ett",
    "kan",
    "deg",
    "dig",
    "oss",
    "hei",
    "hej",
    "takk",
    "tack",
    "tak",
    "gjerne",
    "gärna",
    "gerne",
    "om",
    "som",
    "vil",
    "vill",
    "å",
    "att",
    "hva",
    "kva",
    "vad",
    "hvad",
    "når",
    "bilen",
    "morgen",
    "morgon",
    "kl",
    "ja",
    "nei",
    "nej",
    "den",
    "dere",
    "dykk",
    "så",
    "men",
    "velkommen",
    "välkommen",
    "innom",
    "også",
    "her",
    "hos",
    "nå",
    "fint",
    "bra",
    "gjerne",
    "selvfølgelig",
];
const ENGLISH: &[&str] = &[
    "the",
    "and",
    "you",
    "your",
    "we",
    "is",
    "are",
    "with",
    "thank",
    "thanks",
    "hello",
    "hi",
    "our",
    "would",
    "please",
    "car",
    "regards",
    "to",
    "of",
    "can",
    "could",
    "i",
    "my",
    "it",
    "available",
    "what",
    "when",
    "how",
    "test",
    "drive",
    "price",
    "do",
    "does",
    "have",
    "this",
    "that",
    "tomorrow",
    "today",
    "want",
    "like",
];

/// Counts (Scandinavian, English, all) words in `text`.
pub fn word_counts(text: &str) -> (usize, usize, usize) {
    let folded = fold(text);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    (count(SCANDINAVIAN), count(ENGLISH), words.len())
}

/// The language to answer a customer in, from what they wrote (newest
/// weighs the same as oldest; a short "ok" decides nothing).
pub fn for_customer<'a>(
    customer_texts: impl IntoIterator<Item = &'a str>,
    dealership: WrittenNorwegian,
) -> ReplyLanguage {
    let (mut scandinavian, mut english) = (0, 0);
    for text in customer_texts {
        let (s, e, _) = word_counts(text);
        scandinavian += s;
        english += e;
    }
    if english >= 3 && english > scandinavian * 2 {
        return ReplyLanguage::English;
    }
    dealership.into()
}

/// Whether `reply` is written in `language`, as far as common words tell.
pub fn is_written_in(reply: &str, language: ReplyLanguage) -> bool {
    let (scandinavian, english, words) = word_counts(reply);
    // A short SMS answer has few common words to go by.
    let enough = if words < 12 { 2 } else { 3 };
    match language {
        ReplyLanguage::English => english >= enough && english > scandinavian,
        ReplyLanguage::Bokmal | ReplyLanguage::Nynorsk => {
            scandinavian >= enough && english <= scandinavian
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReplyLanguage::*;
    use WrittenNorwegian::{Bokmal as B, Nynorsk as N};

    #[test]
    fn english_customers_get_english_and_the_rest_norwegian() {
        let cases: &[(&str, WrittenNorwegian, ReplyLanguage)] = &[
            (
                "Hi, is the Tesla still available? I would like a test drive tomorrow.",
                B,
                English,
            ),
            (
                "Hei, er bilen fortsatt til salgs? Jeg vil gjerne prøvekjøre.",
                B,
                Bokmal,
            ),
            (
                "Hej! Är bilen fortfarande till salu? Jag vill gärna provköra den.",
                B,
                Bokmal,
            ),
            (
                "Hej, er bilen stadig til salg? Jeg vil gerne prøvekøre den.",
                B,
                Bokmal,
            ),
            ("Hei, eg vil gjerne prøvekøyre bilen i morgon.", N, Nynorsk),
            ("Hi, is the Tesla still available?", N, English),
            ("ok", B, Bokmal),
            ("", N, Nynorsk),
            // A Norwegian who drops an English word is still Norwegian.
            (
                "Hei, jeg har et spørsmål om price på bilen og om den er available",
                B,
                Bokmal,
            ),
        ];
        for (text, dealership, expected) in cases {
            assert_eq!(for_customer([*text], *dealership), *expected, "{text}");
        }
    }

    #[test]
    fn a_reply_is_checked_against_the_chosen_language() {
        let norwegian = "Hei Kari! Takk for at du tok kontakt med oss om bilen.";
        let english =
            "Hi Kari! Thank you for contacting us about the car, we would love to see you.";
        assert!(is_written_in(norwegian, Bokmal));
        assert!(!is_written_in(norwegian, English));
        assert!(is_written_in(english, English));
        assert!(!is_written_in(english, Bokmal));
        assert!(is_written_in(
            "Hei Kari! Takk for at du tok kontakt med oss, eg ringjer deg.",
            Nynorsk
        ));
    }
}
