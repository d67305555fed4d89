//! Signed webhooks to the dealership's own systems, per the Standard
//! Webhooks specification (docs/integrations.md): what an endpoint is, the
//! events it can hear of, how a message is signed, and how long a failing
//! delivery is tried again.

use std::net::IpAddr;

use crate::net::is_public;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::ids::DealershipId;

/// Endpoints a dealership may have.
pub const MAX_ENDPOINTS: usize = 5;
pub const MAX_URL: usize = 2048;
/// An old secret keeps signing this long after a new one is made, so the
/// receiver can switch over without losing a message.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub enum WebhookEventType {
    #[serde(rename = "lead.created")]
    LeadCreated,
    #[serde(rename = "lead.updated")]
    LeadUpdated,
    #[serde(rename = "message.created")]
    MessageCreated,
    #[serde(rename = "appointment.booked")]
    AppointmentBooked,
    #[serde(rename = "appointment.changed")]
    AppointmentChanged,
}

impl WebhookEventType {
    pub const ALL: [WebhookEventType; 5] = [
        WebhookEventType::LeadCreated,
        WebhookEventType::LeadUpdated,
        WebhookEventType::MessageCreated,
        WebhookEventType::AppointmentBooked,
        WebhookEventType::AppointmentChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WebhookEventType::LeadCreated => "lead.created",
            WebhookEventType::LeadUpdated => "lead.updated",
            WebhookEventType::MessageCreated => "message.created",
            WebhookEventType::AppointmentBooked => "appointment.booked",
            WebhookEventType::AppointmentChanged => "appointment.changed",
        }
    }
}

/// Where a dealership's events go. Its signing secrets are in the secret
/// store ([`endpoint_secret`]), never here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookEndpoint {
    /// `ep_` and 32 hex digits.
    pub id: String,
    pub url: String,
    /// The events it hears of.
    pub events: Vec<WebhookEventType>,
    pub enabled: bool,
    /// Why it was turned off: by an admin, or by the receiver's `410 Gone`.
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    pub fn hears(&self, event: WebhookEventType) -> bool {
        self.enabled && self.events.contains(&event)
    }
}

pub fn new_endpoint_id() -> String {
    format!("ep_{}", uuid::Uuid::new_v4().simple())
}

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The secret store's name for an endpoint's signing secrets.
pub fn endpoint_secret(dealership: DealershipId, endpoint_id: &str) -> String {
    format!("webhooks/{dealership}/{endpoint_id}")
}

/// An endpoint's secrets: the newest first; an older one signs too until
/// it retires.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SigningSecrets {
    pub secrets: Vec<SigningSecret>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SigningSecret {
    pub secret: String,
    /// When it stops signing; `None` for the newest.
    pub retires_at: Option<DateTime<Utc>>,
}

impl SigningSecrets {
    pub fn new(secret: String) -> Self {
        Self {
            secrets: vec![SigningSecret {
                secret,
                retires_at: None,
            }],
        }
    }

    /// Puts `secret` first; the others retire after the overlap (or sooner,
    /// if they were already retiring).
    pub fn rotate(&mut self, secret: String, now: DateTime<Utc>) {
        let retire = now + ROTATION_OVERLAP;
        self.secrets
            .retain(|s| s.retires_at.is_none_or(|at| at > now));
        for old in &mut self.secrets {
            old.retires_at = Some(old.retires_at.map_or(retire, |at| at.min(retire)));
        }
        self.secrets.insert(
            0,
            SigningSecret {
                secret,
                retires_at: None,
            },
        );
    }

    /// The secrets that sign at `now`, newest first.
    pub fn live(&self, now: DateTime<Utc>) -> impl Iterator<Item = &str> {
        self.secrets
            .iter()
            .filter(move |s| s.retires_at.is_none_or(|at| at > now))
            .map(|s| s.secret.as_str())
    }
}

/// One `v1,<base64>` signature of `{id}.{timestamp}.{body}`; `None` for a
/// secret that is not `whsec_` and base64.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(msg_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per live secret,
/// space-separated.
pub fn signature_header(
    secrets: &SigningSecrets,
    now: DateTime<Utc>,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .live(now)
        .filter_map(|s| sign(s, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One event, as the receiver gets it: `{"type", "timestamp", "data"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    pub timestamp: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// The `webhook-id` of an event: the same for every attempt and every
/// scan that finds it, so a receiver drops a repeat.
pub fn message_id(event_key: &str) -> String {
    let digest = Sha256::digest(event_key.as_bytes());
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

/// Seconds before each retry: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
/// 20 h and 20 h after the failures before it, about three days in all.
pub const RETRY_SCHEDULE: [u32; 9] = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 72_000];

/// How long to wait after `attempts` failed attempts, by `schedule`;
/// `None` once the schedule is spent.
pub fn retry_delay(schedule: &[u32], attempts: u32) -> Option<Duration> {
    schedule
        .get(attempts.checked_sub(1)? as usize)
        .map(|s| Duration::seconds(i64::from(*s)))
}

/// How a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first attempt.
    Pending,
    /// Failed; tried again at `next_attempt_at`.
    Retrying,
    Succeeded,
    /// Every attempt failed.
    Failed,
    /// The receiver answered `410 Gone`: the endpoint is turned off.
    Gone,
}

/// One event's delivery to one endpoint, as the settings show it. It holds
/// no personal data: the event's type and the ids it is about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct WebhookDelivery {
    /// Time-ordered (UUIDv7): the log lists the newest first.
    pub id: String,
    pub endpoint_id: String,
    /// The `webhook-id` header: the same on every attempt.
    pub message_id: String,
    pub event_type: WebhookEventType,
    /// What the event is about: `lead.updated:<lead>:<version>` …
    pub event_key: String,
    #[schema(value_type = String)]
    pub lead_id: crate::ids::LeadId,
    /// The lead, message or appointment the event carries.
    pub subject_id: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    /// The receiver's trouble in a few words (never its body).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// How long the delivery log is kept.
pub const LOG_DAYS: i64 = 30;

/// The HTTP side of a delivery: the adapter in `norvalt-http`.
#[async_trait::async_trait]
pub trait WebhookPoster: Send + Sync {
    /// POSTs `body` with `headers` to `url`, refusing an address that is
    /// not public unless `allow_private`; the receiver's status, or why
    /// there was none (refused, timed out, unreachable).
    async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        allow_private: bool,
    ) -> Result<u16, String>;
}

/// Why a URL cannot be an endpoint, or `None` when it can. `http` only
/// where private addresses are allowed (a local run).
pub fn url_problem(url: &str, allow_private: bool) -> Option<&'static str> {
    if url.len() > MAX_URL || url.chars().any(char::is_control) {
        return Some("is too long or holds control characters");
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return Some("is not a URL");
    };
    match parsed.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Some("must be an https URL"),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Some("must not hold a user name or password");
    }
    let Some(host) = parsed.host_str() else {
        return Some("has no host");
    };
    if allow_private {
        return None;
    }
    let bare = host.trim_matches(['[', ']']);
    if bare.eq_ignore_ascii_case("localhost") || bare.to_ascii_lowercase().ends_with(".localhost") {
        return Some("points at this machine");
    }
    match bare.parse::<IpAddr>() {
        Ok(ip) if !is_public(ip) => Some("points at a private or reserved address"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
