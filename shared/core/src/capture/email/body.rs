//! A mail's text as lines: the plain part, else the HTML as text, else a
//! JSON body; an inline-forwarded notice cut from the forwarder's note; and
//! the customer's own words with quoted history removed.

use mail_parser::{Message, MimeHeaders};

use super::*;

/// The mail's text as lines: the plain part when there is one, else the
/// HTML part made lines.
pub(super) fn body_lines(message: &Message) -> Vec<String> {
    let has_plain = message
        .text_body
        .first()
        .and_then(|&i| message.parts.get(i as usize))
        .is_some_and(|p| {
            p.content_type().is_none_or(|ct| {
                ct.ctype().eq_ignore_ascii_case("text")
                    && ct.subtype().is_none_or(|s| s.eq_ignore_ascii_case("plain"))
            })
        });
    if !has_plain && let Some(html) = message.body_html(0) {
        return html::to_lines(&html[..floor(&html, MAX_TEXT)]);
    }
    message
        .body_text(0)
        .map(|t| {
            t[..floor(&t, MAX_TEXT)]
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A lead portal that mails its lead as a JSON object (the whole body, or
/// an `application/json` part), as `key: value` lines the label parser
/// understands.
pub(super) fn json_body(message: &Message) -> Option<Vec<String>> {
    let from_text = message
        .body_text(0)
        .filter(|t| t.trim_start().starts_with(['{', '[']))
        .map(|t| t.into_owned());
    let from_part = || {
        message.parts.iter().find_map(|part| {
            let ct = part.content_type()?;
            let is_json = ct.ctype().eq_ignore_ascii_case("application")
                && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("json"));
            is_json.then(|| String::from_utf8_lossy(part.contents()).into_owned())
        })
    };
    let text = from_text.or_else(from_part)?;
    let value: serde_json::Value = serde_json::from_str(&text[..floor(&text, MAX_TEXT)]).ok()?;
    let lines = labels::json_lines(&value);
    (!lines.is_empty()).then_some(lines)
}

/// Largest char boundary at or below `max`.
pub(super) fn floor(text: &str, max: usize) -> usize {
    let mut i = text.len().min(max);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

const FORWARD_MARKERS: &[&str] = &[
    "forwarded message",
    "videresendt melding",
    "videresendt e-post",
    "begin forwarded message",
    "original message",
    "opprinnelig melding",
    "opprinnelig e-post",
    "weitergeleitete nachricht",
];

/// The header block and body of an inline-forwarded mail, if there is one.
pub(super) fn split_inline_forward(lines: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let marker = lines.iter().position(|l| {
        let folded = l.to_lowercase();
        FORWARD_MARKERS.iter().any(|m| folded.contains(m)) && folded.trim().len() < 80
    })?;
    let rest = &lines[marker + 1..];
    let unquoted: Vec<String> = rest
        .iter()
        .map(|l| l.trim_start_matches(['>', ' ']).to_string())
        .collect();
    let start = unquoted
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(0);
    let end_headers = unquoted[start..]
        .iter()
        .position(|l| l.trim().is_empty())
        .map(|p| start + p)
        .unwrap_or(unquoted.len());
    Some((
        unquoted[start..end_headers].to_vec(),
        unquoted[end_headers..].to_vec(),
    ))
}

pub(super) fn pseudo_header(headers: &[String], names: &[&str]) -> Option<String> {
    headers.iter().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        names
            .contains(&name.trim().to_lowercase().as_str())
            .then(|| value.trim().to_string())
    })
}

/// The customer's own words in a direct mail: without quoted replies and
/// signatures.
pub(super) fn own_words(lines: &[String]) -> String {
    let mut out = Vec::new();
    for line in lines {
        let t = line.trim_end();
        if t == "--"
            || t == "-- "
            || t.starts_with("Sendt fra min")
            || t.starts_with("Sent from my")
        {
            break;
        }
        // "Den tir. 24. nov. 2026 kl. 10:00 skrev Bil AS <…>:" and
        // "On Tue, … wrote:" introduce the quoted history.
        let lower = t.to_lowercase();
        let attribution = lower.ends_with("skrev:")
            || lower.ends_with("wrote:")
            || (lower.starts_with("den ") && lower.contains(" skrev "))
            || (lower.starts_with("on ") && lower.contains(" wrote"));
        if attribution && !out.is_empty() {
            break;
        }
        if t.starts_with("-----Original Message-----")
            || t.starts_with("-----Opprinnelig melding-----")
        {
            break;
        }
        if !t.trim_start().starts_with('>') {
            out.push(t);
        }
    }
    out.join("\n")
}
