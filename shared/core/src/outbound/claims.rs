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
    /// The message a reply, send or follow-up step claim is for. A claim
    /// holding anything else is corrupt data: a store failure, not a retry
    /// that could mend it.
    pub fn message_id(&self) -> crate::ports::StoreResult<crate::ids::MessageId> {
        self.value.parse().map_err(|_| {
            crate::ports::StoreError::Backend(format!(
                "claim {} holds no message id ({:?})",
                self.key, self.value
            ))
        })
    }

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

/// The SHA-256 of an address (trimmed, lower-cased) in hex: how claim keys
/// name a person without holding their address (suppressions, erasure
/// markers, shared-number records).
pub fn address_digest(address: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(address.trim().to_lowercase().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What asking for a piece of work's claim gave.
#[derive(Debug, Clone, PartialEq)]
pub enum Taken {
    /// The caller holds it now.
    Mine(ClaimRecord),
    /// It was done before.
    Done,
    /// Another delivery holds it and its lease runs.
    Busy,
}

/// Claims `record`'s key for the caller: the work is the caller's when
/// nobody had it, when its last try failed, or when its holder's lease
/// lapsed (the holder crashed mid-call).
pub async fn take(
    stores: &crate::ports::Stores,
    tenant: &crate::tenancy::TenantId,
    record: ClaimRecord,
    now: DateTime<Utc>,
) -> crate::ports::StoreResult<Taken> {
    match stores.claims.claim(tenant, &record).await? {
        None => Ok(Taken::Mine(record)),
        Some(existing) if existing.state == ClaimState::Done => Ok(Taken::Done),
        Some(existing) if existing.state == ClaimState::Failed || existing.expired(now) => {
            stores
                .claims
                .update_claim(tenant, &record, existing.claimed_at)
                .await?;
            Ok(Taken::Mine(record))
        }
        Some(_) => Ok(Taken::Busy),
    }
}

/// Records that `key` happened at `at`, keeping the latest time: the record
/// is created (state done, `value`), or its `updated_at` moved forward. An
/// older `at` changes nothing; a concurrent writer is read again.
pub async fn stamp(
    stores: &crate::ports::Stores,
    tenant: &crate::tenancy::TenantId,
    key: &str,
    value: &str,
    at: DateTime<Utc>,
) -> crate::ports::StoreResult<()> {
    use crate::ports::StoreError;
    let mut record = ClaimRecord::new(key, value, at);
    record.state = ClaimState::Done;
    for _ in 0..4 {
        let Some(existing) = stores.claims.claim(tenant, &record).await? else {
            return Ok(());
        };
        if existing.updated_at >= at {
            return Ok(());
        }
        let moved = ClaimRecord {
            updated_at: at,
            ..existing.clone()
        };
        match stores
            .claims
            .update_claim(tenant, &moved, existing.claimed_at)
            .await
        {
            Err(StoreError::Conflict) => continue,
            other => return other,
        }
    }
    Err(StoreError::Conflict)
}

/// Takes over `stale`, a claim whose holder stopped without finishing: the
/// same record, claimed again at `now`, written only if nobody else has
/// changed it since. `Ok(Some(taken))`: it is ours; `Ok(None)`: another
/// delivery took it first. Whether the holder's work may be repeated is the
/// caller's to decide before calling this.
pub async fn take_over(
    stores: &crate::ports::Stores,
    tenant: &crate::tenancy::TenantId,
    stale: &ClaimRecord,
    now: DateTime<Utc>,
) -> crate::ports::StoreResult<Option<ClaimRecord>> {
    use crate::ports::StoreError;
    let taken = ClaimRecord {
        claimed_at: now,
        updated_at: now,
        ..stale.clone()
    };
    match stores
        .claims
        .update_claim(tenant, &taken, stale.claimed_at)
        .await
    {
        Ok(()) => Ok(Some(taken)),
        Err(StoreError::Conflict) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Marks `claim` done: its work is finished. A conflict means a later
/// delivery took the claim over after its lease, and closes it itself.
pub async fn mark_done(
    stores: &crate::ports::Stores,
    tenant: &crate::tenancy::TenantId,
    claim: &ClaimRecord,
    now: DateTime<Utc>,
) -> crate::ports::StoreResult<()> {
    use crate::ports::StoreError;
    let done = ClaimRecord {
        state: ClaimState::Done,
        updated_at: now,
        ..claim.clone()
    };
    match stores
        .claims
        .update_claim(tenant, &done, claim.claimed_at)
        .await
    {
        Ok(()) | Err(StoreError::Conflict) => Ok(()),
        Err(e) => Err(e),
    }
}
