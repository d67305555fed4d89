//! Exactly-once sending. Before a provider is called, the send key is
//! claimed with a conditional write; after, the claim is marked done. A
//! second delivery of the same job finds the claim and sends nothing. A
//! claim whose holder crashed expires after [`CLAIM_LEASE`]; the provider is
//! then asked whether the message went out, and where it cannot say, the
//! job goes to the DLQ for a person rather than risk a second send.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a claim protects a send in progress. Longer than the sender's
/// timeout (30 s), so a live holder is never overtaken.
pub const CLAIM_LEASE: Duration = Duration::seconds(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimState {
    Claimed,
    Done,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRecord {
    pub key: String,
    /// What the claim is for (a message id).
    pub value: String,
    pub state: ClaimState,
    pub claimed_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Provider id when done; the reason when failed.
    pub detail: Option<String>,
}

impl ClaimRecord {
    pub fn new(key: impl Into<String>, value: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
            state: ClaimState::Claimed,
            claimed_at: now,
            updated_at: now,
            detail: None,
        }
    }

    /// Whether the record must be kept for ever: an opt-out (unsubscribe,
    /// STOPP, bounce, complaint, erasure) never lapses, nor does the marker
    /// an erasure leaves. Stores that expire
    /// records (DynamoDB's TTL) give these none.
    pub fn is_permanent(&self) -> bool {
        self.key.starts_with(super::suppression::KEY_PREFIX)
            || self.key.starts_with(crate::service::gdpr::MARKER_PREFIX)
    }

    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.state == ClaimState::Claimed && now - self.claimed_at >= CLAIM_LEASE
    }
}
