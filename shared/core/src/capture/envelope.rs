//! The capture queue's jobs: what every entry point puts on the capture
//! queue and `lead-intake` takes off it, in the envelope every queue shares
//! ([`crate::jobs`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::ids::DealershipId;
use crate::jobs::{Envelope, Job};
use crate::queue::QueueName;

use super::candidate::{FormLead, LeadCandidate};

/// A capture job in its envelope. The dealership is known at the entry point
/// for forms, Facebook and SMS; for email it may only be known once
/// `lead-intake` has read the recipients.
pub type CaptureEnvelope = Envelope<Capture, Option<DealershipId>>;

impl Job for Capture {
    const QUEUE: QueueName = QueueName::Capture;
}

/// The capture queue's jobs, one per channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum Capture {
    #[serde(rename = "capture.form")]
    Form(FormCapture),
    #[serde(rename = "capture.facebook")]
    Facebook(FacebookCapture),
    #[serde(rename = "capture.email")]
    Email(EmailCapture),
    #[serde(rename = "capture.sms")]
    Sms(SmsCapture),
    #[serde(rename = "capture.google")]
    Google(GoogleCapture),
}

impl Capture {
    /// The channel, as metrics and logs name it.
    pub fn channel(&self) -> &'static str {
        match self {
            Capture::Form(_) => "form",
            Capture::Facebook(_) => "facebook",
            Capture::Email(_) => "email",
            Capture::Sms(_) => "sms",
            Capture::Google(_) => "google",
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Capture::Form(_) => "capture.form",
            Capture::Facebook(_) => "capture.facebook",
            Capture::Email(_) => "capture.email",
            Capture::Sms(_) => "capture.sms",
            Capture::Google(_) => "capture.google",
        }
    }
}

/// A website form post, already validated by `webhook-form`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormCapture {
    pub form_key: String,
    pub capture_id: Uuid,
    pub lead: FormLead,
}

/// A Google Ads lead form delivery, its key already checked and its
/// columns mapped by `webhook-google` (the dealership is the form key's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoogleCapture {
    pub form_key: String,
    pub lead_id: String,
    pub lead: LeadCandidate,
}

/// One `leadgen` change of a Meta webhook delivery; the lead itself is
/// fetched from the Graph API by `lead-intake`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacebookCapture {
    pub page_id: String,
    pub leadgen_id: String,
    pub form_id: Option<String>,
    pub ad_id: Option<String>,
    pub created_time: Option<i64>,
}

/// A raw mail kept in the raw-mail store (S3 in AWS, the data dir locally);
/// envelopes carry the key, never the mail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailCapture {
    pub mail_key: String,
    pub via: MailVia,
    /// The envelope recipients the transport saw (SES `mail.destination`).
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The dealership the mail was fetched for (IMAP account, `--dealership`).
    pub dealership_slug: Option<String>,
    /// What the receiving server said of the sender's authentication (SES).
    #[serde(default)]
    pub auth: Option<MailAuth>,
}

/// SES's verdicts on a received mail: `PASS`, `FAIL`, `GRAY` or
/// `PROCESSING_FAILED` each.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailAuth {
    pub spf: Option<String>,
    pub dkim: Option<String>,
    pub dmarc: Option<String>,
}

impl MailAuth {
    pub fn dmarc_failed(&self) -> bool {
        self.dmarc.as_deref() == Some("FAIL")
    }

    /// "spf=PASS dkim=PASS dmarc=FAIL", for the lead's metadata.
    pub fn summary(&self) -> String {
        let v = |s: &Option<String>| s.clone().unwrap_or_else(|| "NONE".into());
        format!(
            "spf={} dkim={} dmarc={}",
            v(&self.spf),
            v(&self.dkim),
            v(&self.dmarc)
        )
    }
}

/// An inbound SMS (Twilio), already signature-checked by `webhook-twilio`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmsCapture {
    pub message_sid: String,
    /// The customer's number, E.164.
    pub from: String,
    /// The dealership's number it was sent to, E.164.
    pub to: String,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailVia {
    Ses,
    Imap,
    Cli,
}

/// Idempotency keys, one namespace per source, so that a leadgen id can never
/// collide with a Message-ID.
pub struct IdempotencyKey;

impl IdempotencyKey {
    pub fn form(form_key: &str, client_key: &str) -> String {
        format!("form:{}:{}", form_key, client_key.trim())
    }

    pub fn sms(message_sid: &str) -> String {
        format!("sms:{}", message_sid.trim())
    }

    pub fn facebook(leadgen_id: &str) -> String {
        format!("facebook:{}", leadgen_id.trim())
    }

    pub fn google(lead_id: &str) -> String {
        format!("google:{}", lead_id.trim())
    }

    /// By Message-ID when the mail has one, else by a hash of its bytes.
    pub fn email(message_id: Option<&str>, raw: &[u8]) -> String {
        match message_id.map(str::trim).filter(|m| !m.is_empty()) {
            Some(id) => format!("email:{}", id.trim_matches(['<', '>'])),
            None => format!("email-sha256:{}", hex(&Sha256::digest(raw))),
        }
    }
}

/// Where a raw mail is kept: by content, so storing it twice is harmless.
pub fn mail_key(prefix: &str, raw: &[u8]) -> String {
    format!("{prefix}/{}.eml", hex(&Sha256::digest(raw)))
}

/// The capture id a form post is answered with. Derived from the dealership's
/// form key and the client's Idempotency-Key, so that a repeat gets the same
/// answer without the webhook keeping any state of its own.
pub fn form_capture_id(form_key: &str, client_key: Option<&str>) -> Uuid {
    match client_key {
        Some(key) => {
            let digest = Sha256::digest(format!("{form_key}\u{0}{}", key.trim()).as_bytes());
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(&digest[..16]);
            uuid::Builder::from_custom_bytes(bytes).into_uuid()
        }
        None => Uuid::now_v7(),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Envelope<Capture, Option<DealershipId>> {
    /// The envelope of a raw mail already in the raw-mail store: SES, IMAP
    /// and the CLI all make it here, so they agree on the idempotency key.
    pub fn for_mail(
        raw: &[u8],
        mail_key: String,
        via: MailVia,
        dealership_slug: Option<String>,
        recipients: Vec<String>,
        now: DateTime<Utc>,
    ) -> Self {
        let message_id = super::email::parse(raw).message_id;
        Self::new(
            None,
            IdempotencyKey::email(message_id.as_deref(), raw),
            Uuid::new_v4().to_string(),
            now,
            Capture::Email(EmailCapture {
                mail_key,
                via,
                recipients,
                dealership_slug,
                auth: None,
            }),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_client_key_gives_the_same_capture_id() {
        let a = form_capture_id("k1", Some("abc"));
        assert_eq!(a, form_capture_id("k1", Some(" abc ")));
        assert_ne!(a, form_capture_id("k2", Some("abc")));
        assert_ne!(a, form_capture_id("k1", Some("abd")));
        assert_ne!(form_capture_id("k1", None), form_capture_id("k1", None));
    }

    #[test]
    fn envelopes_round_trip_with_type_and_payload_on_top() {
        let env = CaptureEnvelope::new(
            None,
            IdempotencyKey::facebook("123"),
            "trace".into(),
            crate::time::now(),
            Capture::Facebook(FacebookCapture {
                page_id: "p".into(),
                leadgen_id: "123".into(),
                form_id: None,
                ad_id: None,
                created_time: Some(1),
            }),
        );
        let json: serde_json::Value = serde_json::from_str(&env.to_json()).unwrap();
        assert_eq!(json["type"], "capture.facebook");
        assert_eq!(json["payload"]["leadgen_id"], "123");
        assert_eq!(json["idempotency_key"], "facebook:123");
        let back: CaptureEnvelope = serde_json::from_str(&env.to_json()).unwrap();
        assert_eq!(back, env);
    }

    #[test]
    fn mail_keys_strip_brackets_and_fall_back_to_a_hash() {
        assert_eq!(IdempotencyKey::email(Some("<a@b>"), b"x"), "email:a@b");
        let h = IdempotencyKey::email(None, b"x");
        assert!(h.starts_with("email-sha256:") && h.len() == 13 + 64);
    }
}
