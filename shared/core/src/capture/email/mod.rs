//! Importer notices and other mail to a dealership's lead address, read into
//! a [`LeadCandidate`] with `mail-parser`.
//!
//! The order of the search: ADF XML (inline or attached) → a notice forwarded
//! as an attachment → a notice forwarded inline → the mail's own text (labels
//! in plain text, then in the HTML tables). Header fallbacks fill what the
//! body lacks: the customer's address from `Reply-To`, or from `From` when a
//! customer wrote to the dealership directly. Auto-replies and bounces are
//! recognised and never become leads; everything else that has no way to
//! answer the customer becomes a lead for review, never nothing.

mod adf;
mod html;
mod importers;
mod labels;

use mail_parser::{Address, Message, MessageParser, MimeHeaders};

use super::candidate::LeadCandidate;
use labels::{Field, Label};

/// Forwarded mails nest; deeper than this is not a lead notice.
const MAX_DEPTH: usize = 4;
/// Text beyond this is not read (a notice is a few kilobytes).
const MAX_TEXT: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct ParsedMail {
    pub message_id: Option<String>,
    pub subject: Option<String>,
    /// Addresses the mail was delivered to, from To, Cc, Delivered-To,
    /// X-Original-To and X-Forwarded-To, lower-cased.
    pub recipients: Vec<String>,
    /// What the sender wrote themselves: quoted history and signatures cut
    /// (for a customer's reply to one of our messages).
    pub own_text: String,
    pub kind: MailKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MailKind {
    /// A lead with a way to answer the customer.
    Lead(LeadCandidate),
    /// Looks like a lead but lacks what we need; kept for a person.
    NeedsReview {
        candidate: LeadCandidate,
        reason: String,
    },
    /// Out-of-office and other automatic answers: recorded, skipped.
    AutoReply(String),
    /// Delivery failures: recorded, skipped.
    Bounce(String),
}

pub fn parse(raw: &[u8]) -> ParsedMail {
    let Some(message) = MessageParser::default().parse(raw) else {
        return ParsedMail {
            message_id: None,
            subject: None,
            recipients: Vec::new(),
            own_text: String::new(),
            kind: MailKind::NeedsReview {
                candidate: LeadCandidate::default(),
                reason: "the mail could not be read as MIME".into(),
            },
        };
    };
    let kind = classify(&message);
    ParsedMail {
        message_id: message.message_id().map(str::to_string),
        subject: message.subject().map(str::to_string),
        recipients: recipients(&message),
        own_text: own_words(&body_lines(&message)).trim().to_string(),
        kind,
    }
}

fn classify(message: &Message) -> MailKind {
    if let Some(reason) = bounce(message) {
        return MailKind::Bounce(reason);
    }
    if let Some(reason) = auto_reply(message) {
        return MailKind::AutoReply(reason);
    }
    let mut c = extract(message, 0);
    if let Some(subject) = message.subject() {
        c.note("subject", subject);
    }
    if c.has_contact() {
        return MailKind::Lead(c);
    }
    // Machine-sent mail without any lead in it (newsletters, system notices).
    if let Some(reason) = bulk(message) {
        return MailKind::AutoReply(reason);
    }
    MailKind::NeedsReview {
        candidate: c,
        reason: "no customer email address or phone number was found".into(),
    }
}

/// The lead in `message`, looking through forwarded layers.
fn extract(message: &Message, depth: usize) -> LeadCandidate {
    let sender = first_address(message.from());
    let importer = sender.as_deref().and_then(importers::by_sender);

    if let Some(mut c) = find_adf(message) {
        note_importer_and_sender(&mut c, importer, sender.as_deref());
        return c;
    }
    if depth < MAX_DEPTH
        && let Some(inner) = message.attachments().find_map(|part| part.message())
    {
        let mut c = extract(inner, depth + 1);
        c.note("forwarded", "attachment");
        return c;
    }

    let text = json_body(message).unwrap_or_else(|| body_lines(message));
    if let Some((headers, body)) = split_inline_forward(&text) {
        let inner_sender = pseudo_header(&headers, &["from", "fra"]).and_then(|v| address_in(&v));
        let inner_importer = inner_sender.as_deref().and_then(importers::by_sender);
        let mut c = LeadCandidate::default();
        apply(&mut c, &labels::fields(&body), inner_importer);
        if c.customer_email.is_none()
            && let Some(reply_to) = pseudo_header(&headers, &["reply-to", "svar til", "svar-til"])
            && let Some(addr) = address_in(&reply_to)
            && !is_robot(&addr)
        {
            c.offer_email(&addr);
        }
        c.note("forwarded", "inline");
        note_importer_and_sender(&mut c, inner_importer, inner_sender.as_deref());
        return c;
    }

    let mut c = LeadCandidate::default();
    let found = apply(&mut c, &labels::fields(&text), importer);
    if !c.has_contact()
        && let Some(html) = message.body_html(0)
    {
        let lines = html::to_lines(&html[..floor(&html, MAX_TEXT)]);
        apply(&mut c, &labels::fields(&lines), importer);
    }
    // Portals send from their own address and put the customer in Reply-To
    // ("svar kunden direkte ved å svare på denne e-posten"): the body may
    // give a name and a phone, the address is only there.
    let reply_to = first_address(message.reply_to());
    if c.customer_email.is_none()
        && let Some(addr) = reply_to
            .as_deref()
            .filter(|a| Some(*a) != sender.as_deref())
        && !is_robot(addr)
    {
        c.offer_email(addr);
        if let Some(name) = first_name(message.reply_to()) {
            c.offer_name(&name);
        }
    }
    if !found
        && !c.has_contact()
        && importer.is_none()
        && bulk(message).is_none()
        && let Some(addr) = sender.as_deref().filter(|a| !is_robot(a))
    {
        // A customer who wrote to the lead address themselves.
        c.offer_email(addr);
        if let Some(name) = first_name(message.from()) {
            c.offer_name(&name);
        }
        c.offer_message(&own_words(&text));
        c.note("form_type", "direkte e-post");
    }
    note_importer_and_sender(&mut c, importer, sender.as_deref());
    c
}

/// Fills the candidate from labelled fields; `true` when any lead field was
/// among them.
fn apply(c: &mut LeadCandidate, fields: &[Field], importer: Option<&importers::Importer>) -> bool {
    let (mut first, mut last, mut make, mut model) = (None, None, None, None);
    let mut found = false;
    for f in fields {
        let v = f.value.as_str();
        match f.meaning {
            Some(Label::Name) => c.offer_name(v),
            Some(Label::FirstName) => first = first.or(Some(v)),
            Some(Label::LastName) => last = last.or(Some(v)),
            Some(Label::Email) => c.offer_email(v),
            Some(Label::Phone) => c.offer_phone(v),
            Some(Label::Vehicle) => model = model.or(Some(v)),
            Some(Label::Make) => make = make.or(Some(v)),
            Some(Label::Message) => c.offer_message(v),
            Some(Label::Postcode) => c.note("postcode", v),
            Some(Label::Place) => c.note("place", v),
            Some(Label::WantedDate) => c.note("wanted_date", v),
            Some(Label::TradeIn) => c.note("trade_in", v),
            Some(Label::FormType) => c.note("form_type", v),
            Some(Label::Dealer) => c.note("dealer", v),
            Some(Label::Intent) => c.note("intent", v),
            Some(Label::Listing) => {
                let (title, code) = listing(v);
                model = model.or(Some(title));
                if let Some(code) = code {
                    c.note("finn_code", code);
                }
                c.note("listing", v);
            }
            Some(Label::FinnCode) => {
                if let Some(code) = finn_code(v) {
                    c.note("finn_code", code);
                }
                continue;
            }
            // A FINN message notice names the buyer on its "Fra:" line.
            Some(Label::Header)
                if importer.is_some_and(|i| i.name == importers::FINN)
                    && labels::fold_label(&f.label) == "fra"
                    && !v.contains('@') =>
            {
                c.offer_name(v)
            }
            Some(Label::Header) => continue,
            None => {
                c.note(&f.label.to_lowercase(), v);
                continue;
            }
        }
        found = true;
    }
    if first.is_some() || last.is_some() {
        let joined = [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        c.offer_name(&joined);
    }
    let make = make.or(importer.map(|i| i.make)).unwrap_or("");
    if let Some(model) = model {
        c.offer_vehicle(&importers::with_make(make, model));
    }
    found
}

/// An ad's title and FINN code: "Toyota RAV4 2021 (FINN-kode 345678901)".
fn listing(value: &str) -> (&str, Option<&str>) {
    let code = finn_code(value);
    let title = match value.find('(') {
        Some(at) if code.is_some() => value[..at].trim(),
        _ => value.trim(),
    };
    (title, code)
}

/// The first run of 6–12 digits after "finn" (FINN-kode 345678901,
/// finnkode=345678901), or a value that is only such digits.
fn finn_code(value: &str) -> Option<&str> {
    let lower = value.to_lowercase();
    let start = lower.find("finn").map_or(0, |at| at + 4);
    let rest = value.get(start..)?;
    let begin = rest.find(|c: char| c.is_ascii_digit())?;
    let digits = &rest[begin..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    (6..=12).contains(&end).then(|| &digits[..end])
}

/// Importer and sender details every lead from mail carries.
fn note_importer_and_sender(
    c: &mut LeadCandidate,
    importer: Option<&importers::Importer>,
    sender: Option<&str>,
) {
    if let Some(i) = importer {
        c.note("importer", i.name);
    }
    if let Some(s) = sender {
        c.note("sender", s);
    }
}

fn find_adf(message: &Message) -> Option<LeadCandidate> {
    for part in message.parts.iter() {
        let is_xmlish = part.content_type().is_some_and(|ct| {
            let sub = ct.subtype().unwrap_or("").to_ascii_lowercase();
            ct.ctype().eq_ignore_ascii_case("text") || sub.contains("xml") || sub.contains("adf")
        });
        if !is_xmlish && part.content_type().is_some() {
            continue;
        }
        let text = match part.text_contents() {
            Some(t) => std::borrow::Cow::Borrowed(t),
            None => String::from_utf8_lossy(part.contents()),
        };
        if text.len() <= MAX_TEXT
            && let Some(c) = adf::parse(&text)
        {
            return Some(c);
        }
    }
    None
}

/// The mail's text as lines: the plain part when there is one, else the
/// HTML part made lines.
fn body_lines(message: &Message) -> Vec<String> {
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
fn json_body(message: &Message) -> Option<Vec<String>> {
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
fn floor(text: &str, max: usize) -> usize {
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
fn split_inline_forward(lines: &[String]) -> Option<(Vec<String>, Vec<String>)> {
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

fn pseudo_header(headers: &[String], names: &[&str]) -> Option<String> {
    headers.iter().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        names
            .contains(&name.trim().to_lowercase().as_str())
            .then(|| value.trim().to_string())
    })
}

/// The address in `Name <addr>` or a bare `addr`.
fn address_in(value: &str) -> Option<String> {
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
fn first_address(address: Option<&Address>) -> Option<String> {
    let first = address?.first()?;
    match first.address() {
        Some(a) => Some(a.trim().to_lowercase()),
        None => first.name().and_then(address_in),
    }
}

fn first_name(address: Option<&Address>) -> Option<String> {
    let name = address?.first()?.name()?;
    // "Leif Ås <leif.as@example.no>" in one encoded-word: the part before `<`.
    let name = name.split('<').next().unwrap_or(name);
    Some(name.trim().trim_matches('"').to_string()).filter(|n| !n.is_empty() && !n.contains('@'))
}

/// Addresses no person reads.
fn is_robot(address: &str) -> bool {
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

/// The customer's own words in a direct mail: without quoted replies and
/// signatures.
fn own_words(lines: &[String]) -> String {
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

fn header(message: &Message, name: &str) -> Option<String> {
    message
        .headers_raw()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim().to_lowercase())
}

fn recipients(message: &Message) -> Vec<String> {
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

fn auto_reply(message: &Message) -> Option<String> {
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
fn bulk(message: &Message) -> Option<String> {
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

fn bounce(message: &Message) -> Option<String> {
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

#[cfg(test)]
mod tests;
