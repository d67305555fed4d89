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

pub mod adf;
mod body;
mod headers;
mod html;
mod importers;
mod labels;

use body::{body_lines, floor, json_body, own_words, pseudo_header, split_inline_forward};
use headers::{
    address_in, auto_reply, bounce, bulk, first_address, first_name, is_robot, recipients,
};

use mail_parser::{Message, MessageParser, MimeHeaders};

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

#[cfg(test)]
mod tests;
