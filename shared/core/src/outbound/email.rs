//! Email out: the message as Norvalt composes it, its raw MIME form (built
//! with mail-builder; SES `Content.Raw` and the local outbox both take raw
//! bytes), and the port that delivers it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mail_builder::MessageBuilder;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;

use super::{Receipt, SendError};

#[derive(Debug, Clone, PartialEq)]
pub struct OutboundEmail {
    pub send_key: String,
    pub from_name: String,
    pub from_address: String,
    pub to_name: Option<String>,
    pub to: String,
    /// The per-lead address a customer's answer comes back through.
    pub reply_to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// One-click unsubscribe (RFC 8058), https.
    pub unsubscribe_url: String,
    /// A `mailto:` alternative, only where someone reads that mailbox (the
    /// dealership's own address on team notices). Replies to customers have
    /// none: no mailbox of ours handles unsubscribe mail, and the https link
    /// is what RFC 8058 and the big mailbox providers require.
    pub unsubscribe_mailto: Option<String>,
    /// `<…@…>`-less Message-ID, derived from the send key so a resend of the
    /// same key is recognisable by the customer's mail client too.
    pub message_id: String,
    pub date: DateTime<Utc>,
    /// An appointment's `.ics` (RFC 5545), attached as `avtale.ics`.
    pub calendar: Option<String>,
}

impl OutboundEmail {
    /// The raw MIME message. Every address is checked again here, whatever
    /// was stored: a bare addr-spec only, so no stored value can add a
    /// recipient or a header (a refused address is a permanent failure).
    /// Names lose their control characters.
    pub fn to_mime(&self) -> Result<Vec<u8>, SendError> {
        for (field, address) in [
            ("to", &self.to),
            ("from", &self.from_address),
            ("reply_to", &self.reply_to),
        ] {
            crate::validation::email(field, address).map_err(|_| {
                SendError::Permanent(format!("{field} is not a plain email address"))
            })?;
        }
        let to_name = self.to_name.as_deref().map(header_text);
        let from_name = header_text(&self.from_name);
        let subject = header_text(&self.subject);
        let to = match &to_name {
            Some(name) => {
                mail_builder::headers::address::Address::from((name.as_str(), self.to.as_str()))
            }
            None => self.to.as_str().into(),
        };
        let mut builder = MessageBuilder::new();
        if let Some(ics) = &self.calendar {
            let method = if ics.contains("METHOD:CANCEL") {
                "CANCEL"
            } else {
                "PUBLISH"
            };
            builder = builder.attachment(
                format!("text/calendar; charset=utf-8; method={method}"),
                "avtale.ics",
                ics.as_bytes(),
            );
        }
        Ok(builder
            .from((from_name.as_str(), self.from_address.as_str()))
            .to(to)
            .reply_to(self.reply_to.as_str())
            .subject(subject.as_str())
            .message_id(self.message_id.as_str())
            .date(self.date.timestamp())
            .header(
                "List-Unsubscribe",
                URL::new_list(
                    std::iter::once(self.unsubscribe_url.as_str())
                        .chain(self.unsubscribe_mailto.as_deref()),
                ),
            )
            .header(
                "List-Unsubscribe-Post",
                Raw::new("List-Unsubscribe=One-Click"),
            )
            .header("Auto-Submitted", Raw::new("auto-replied"))
            .header("X-Norvalt-Send-Key", Raw::new(self.send_key.as_str()))
            .text_body(self.text.as_str())
            .html_body(self.html.as_str())
            .write_to_vec()
            .expect("writing to a Vec cannot fail"))
    }
}

/// Text for a header: one line, no control characters.
fn header_text(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[async_trait]
pub trait Mailer: Send + Sync {
    async fn send_email(&self, email: &OutboundEmail) -> Result<Receipt, SendError>;
    /// Whether the message with this send key went out; `None` when the
    /// provider cannot tell (SES).
    async fn was_sent(&self, send_key: &str) -> Option<bool>;
}

/// The reply as HTML: paragraphs escaped, the dealership's name as header.
pub fn html_body(dealership: &str, text: &str, unsubscribe_url: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let paragraphs: String = text
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>")))
        .collect();
    format!(
        "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\"><title>{name}</title></head>\
         <body style=\"font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2933;max-width:600px\">\
         <div style=\"border-bottom:3px solid #0b5cad;padding:8px 0;margin-bottom:16px;font-weight:bold;font-size:18px\">{name}</div>\
         {paragraphs}\
         <p style=\"font-size:12px;color:#6b7280;margin-top:32px\">Du får denne e-posten fordi du kontaktet {name}. \
         <a href=\"{url}\">Meld deg av</a>.</p></body></html>",
        name = escape(dealership),
        url = escape(unsubscribe_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> OutboundEmail {
        OutboundEmail {
            send_key: "send:1".into(),
            from_name: "Bilsenteret Drammen".into(),
            from_address: "bilsenteret-drammen@svar.norvalt.no".into(),
            to_name: Some("Åse Lønnå".into()),
            to: "ase@example.no".into(),
            reply_to: "svar+abc@bilsenteret-drammen.norvalt.no".into(),
            subject: "Svar fra Bilsenteret Drammen: Toyota bZ4X".into(),
            text: "Hei Åse!\n\nVi ses på lørdag.".into(),
            html: html_body(
                "Bilsenteret Drammen",
                "Hei Åse!\n\nVi ses på lørdag.",
                "https://x/u/1",
            ),
            unsubscribe_url: "https://api.norvalt.no/unsubscribe/tok".into(),
            unsubscribe_mailto: Some("mailto:varsler@bilsenteret-drammen.no".into()),
            message_id: "send-1@norvalt.no".into(),
            date: crate::time::now(),
            calendar: None,
        }
    }

    #[test]
    fn no_stored_value_adds_a_recipient_or_a_header() {
        for to in [
            "a@evil.example>\r\nBcc: v1@x.example, v2@y.example\r\nX-J: z <k@example.no>",
            "a@x.no, b@y.no",
            "Kari <kari@example.no>",
        ] {
            let email = OutboundEmail {
                to: to.into(),
                ..sample()
            };
            assert!(
                matches!(email.to_mime(), Err(SendError::Permanent(_))),
                "{to:?} accepted"
            );
        }
        let email = OutboundEmail {
            to_name: Some("Kari\r\nBcc: v1@x.example".into()),
            subject: "Svar\r\nBcc: v2@y.example".into(),
            from_name: "Bil\nBcc: v3@z.example".into(),
            ..sample()
        };
        let raw = String::from_utf8(email.to_mime().unwrap()).unwrap();
        let parsed = mail_parser::MessageParser::default()
            .parse(raw.as_bytes())
            .unwrap();
        assert!(parsed.bcc().is_none(), "{raw}");
        assert!(!raw.to_lowercase().contains("\nbcc:"), "{raw}");
        assert_eq!(parsed.to().unwrap().iter().count(), 1);
    }

    #[test]
    fn the_mime_carries_one_click_unsubscribe_and_norwegian_text() {
        let email = sample();
        let raw = email.to_mime().unwrap();
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(
            parsed.subject(),
            Some("Svar fra Bilsenteret Drammen: Toyota bZ4X")
        );
        assert!(parsed.body_text(0).unwrap().contains("Vi ses på lørdag."));
        assert!(parsed.body_html(0).unwrap().contains("Meld deg av"));
        // Unfold long header lines (RFC 5322 §2.2.3) before comparing.
        let text = String::from_utf8_lossy(&raw)
            .replace("\r\n\t", " ")
            .replace("\r\n ", " ")
            .replace(",  <", ", <");
        assert!(text.contains("List-Unsubscribe: <https://api.norvalt.no/unsubscribe/tok>, <mailto:varsler@bilsenteret-drammen.no>"), "{text}");
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert_eq!(
            parsed
                .reply_to()
                .and_then(|a| a.first())
                .and_then(|a| a.address()),
            Some("svar+abc@bilsenteret-drammen.norvalt.no")
        );
    }
}
