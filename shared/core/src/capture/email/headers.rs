//! What the headers tell: addresses and names, recipients, and whether the
//! mail is an auto-reply, bulk mail or a bounce (never a lead).

use mail_parser::{Address, Message, MimeHeaders};

/// The address in `Name <addr>` or a bare `addr`.
pub(super) fn address_in(value: &str) -> Option<String> {
    let inner = match (value.rfind('<'), value.rfind('>')) {
        (Some(a), Some(b)) if a < b => &value[a + 1..b],
        _ => value,
    };
    let candidate = inner
        .split_whitespace()
        .find(|w| w.contains('@'))?
        .trim_matches(|c: char| {
            !c.is_alphanumeric() && c != '@' && c != '.' && c != '-' && c != '_' && c != '+'
        });
    crate::validation::email("email", candidate).ok()
}

/// The first address of a header. Some portals encode the whole
/// `Name <address>` as one encoded-word, which leaves the parser a name and
/// no address: the address is then read out of that name.
pub(super) fn first_address(address: Option<&Address>) -> Option<String> {
    let first = address?.first()?;
    match first.address() {
        Some(a) => Some(a.trim().to_lowercase()),
        None => first.name().and_then(address_in),
    }
}

pub(super) fn first_name(address: Option<&Address>) -> Option<String> {
    let name = address?.first()?.name()?;
    // "Leif Ås <leif.as@example.no>" in one encoded-word: the part before `<`.
    let name = name.split('<').next().unwrap_or(name);
    Some(name.trim().trim_matches('"').to_string()).filter(|n| !n.is_empty() && !n.contains('@'))
}

/// Addresses no person reads.
pub(super) fn is_robot(address: &str) -> bool {
    let local = address.split('@').next().unwrap_or("").to_lowercase();
    [
        "noreply",
        "no-reply",
        "no_reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
        "postmaster",
        "bounce",
        "notification",
        "varsling",
    ]
    .iter()
    .any(|r| local.contains(r))
}

pub(super) fn header(message: &Message, name: &str) -> Option<String> {
    message
        .headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_lowercase())
}

pub(super) fn recipients(message: &Message) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (name, value) in message.headers_raw() {
        let name = name.to_ascii_lowercase();
        if matches!(
            name.as_str(),
            "to" | "cc" | "delivered-to" | "x-original-to" | "x-forwarded-to" | "envelope-to"
        ) {
            for part in value.split(',') {
                if let Some(a) = address_in(part)
                    && !out.contains(&a)
                {
                    out.push(a);
                }
            }
        }
    }
    out
}

const AUTO_REPLY_SUBJECTS: &[&str] = &[
    "automatisk svar",
    "autosvar",
    "fraværende",
    "fravær",
    "out of office",
    "out-of-office",
    "automatic reply",
    "auto-reply",
    "autoreply",
    "abwesenheit",
];

pub(super) fn auto_reply(message: &Message) -> Option<String> {
    if let Some(v) = header(message, "auto-submitted")
        && v.starts_with("auto-replied")
    {
        return Some(format!("Auto-Submitted: {v}"));
    }
    for h in [
        "x-autoreply",
        "x-autorespond",
        "x-auto-response-suppress-reply",
    ] {
        if header(message, h).is_some() {
            return Some(format!("{h} header"));
        }
    }
    if header(message, "precedence").as_deref() == Some("auto_reply") {
        return Some("Precedence: auto_reply".into());
    }
    let subject = message.subject().unwrap_or("").to_lowercase();
    AUTO_REPLY_SUBJECTS
        .iter()
        .find(|s| subject.contains(*s))
        .map(|s| format!("subject says \"{s}\""))
}

/// Machine-generated mail (`Auto-Submitted: auto-generated`, `Precedence:
/// bulk`): skipped only when it holds no lead, since importer portals send
/// their notices this way too.
pub(super) fn bulk(message: &Message) -> Option<String> {
    if let Some(v) = header(message, "auto-submitted")
        && v != "no"
    {
        return Some(format!("Auto-Submitted: {v}"));
    }
    match header(message, "precedence").as_deref() {
        Some(p @ ("bulk" | "junk" | "list")) => Some(format!("Precedence: {p}")),
        _ => None,
    }
}

const BOUNCE_SUBJECTS: &[&str] = &[
    "undelivered mail",
    "delivery status notification",
    "mail delivery failed",
    "returned mail",
    "undeliverable",
    "kunne ikke leveres",
    "ikke levert",
    "levering mislyktes",
];

pub(super) fn bounce(message: &Message) -> Option<String> {
    if let Some(ct) = message.content_type()
        && ct.ctype().eq_ignore_ascii_case("multipart")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("report"))
    {
        return Some("multipart/report".into());
    }
    if let Some(from) = first_address(message.from()) {
        let local = from.split('@').next().unwrap_or("");
        if local == "mailer-daemon" || local == "postmaster" {
            return Some(format!("sent by {local}"));
        }
    }
    let subject = message.subject().unwrap_or("").to_lowercase();
    BOUNCE_SUBJECTS
        .iter()
        .find(|s| subject.contains(*s))
        .map(|s| format!("subject says \"{s}\""))
}
