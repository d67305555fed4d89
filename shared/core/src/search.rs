//! Case-insensitive, æøå-aware text search. Both adapters store a pre-folded
//! `search_text` per lead and look the folded query up in it as a substring.

use unicode_normalization::UnicodeNormalization;

/// NFC (so a decomposed `å` equals a composed one), lower-case (Unicode, so
/// `Æ` → `æ`), whitespace collapsed.
pub fn fold(text: &str) -> String {
    let lowered: String = text.nfc().collect::<String>().to_lowercase();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Folds a user's query. A query that looks like a phone number loses its
/// spaces and dashes, so `912 34 567` finds `+4791234567`.
pub fn fold_query(query: &str) -> Option<String> {
    let folded = fold(query);
    if folded.is_empty() {
        return None;
    }
    let phone_like = folded
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        && folded.chars().filter(char::is_ascii_digit).count() >= 3;
    if phone_like {
        let digits: String = folded
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        return Some(digits);
    }
    Some(folded)
}

/// The text a lead is found by: its fields folded and joined by newlines (a
/// query never contains one, so a match cannot straddle two fields). A
/// Norwegian number is also stored without its `+47`, as people type it.
pub fn document<'a>(fields: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut parts = Vec::new();
    for field in fields.into_iter().flatten() {
        parts.push(fold(field));
        if let Some(national) = field.strip_prefix("+47") {
            parts.push(national.to_string());
        }
    }
    parts.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_handles_norwegian_letters() {
        assert_eq!(fold("  BJØRN   Ærø  "), "bjørn ærø");
        assert_eq!(fold("A\u{30a}SE"), "åse");
        assert!(document([Some("Åse Ødegård")]).contains(&fold_query("ØDEGÅRD").unwrap()));
    }

    #[test]
    fn phone_queries_ignore_spacing() {
        let doc = document([Some("+4791234567")]);
        assert!(doc.contains(&fold_query("912 34 567").unwrap()));
        assert!(doc.contains(&fold_query("+47 912 34 567").unwrap()));
        assert_eq!(fold_query("   "), None);
    }
}
