//! Who must not be contacted on a channel: unsubscribed, hard-bounced,
//! complained, opted out by SMS or erased. Kept as claim records
//! (`suppress:<channel>:<sha256 of the address>`) in the dealership's
//! partition, so the check before every send is one consistent read and the
//! record itself holds no address (it outlives a GDPR erasure).

use chrono::{DateTime, Utc};

use super::claims::{ClaimRecord, ClaimState};
use crate::model::Channel;
use crate::ports::{StoreResult, Stores};
use crate::tenancy::TenantId;

/// Every suppression's claim key begins with this.
pub const KEY_PREFIX: &str = "suppress:";

fn channel_name(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "sms",
        _ => "email",
    }
}

/// The record's key: the address hashed, never in clear.
pub fn key(channel: Channel, address: &str) -> String {
    format!(
        "{KEY_PREFIX}{}:{}",
        channel_name(channel),
        super::claims::address_digest(address)
    )
}

/// The key suppressions had before they were hashed; still honoured.
fn legacy_key(channel: Channel, address: &str) -> String {
    format!(
        "{KEY_PREFIX}{}:{}",
        channel_name(channel),
        address.trim().to_lowercase()
    )
}

pub async fn is_suppressed(
    stores: &Stores,
    tenant: &TenantId,
    channel: Channel,
    address: &str,
) -> StoreResult<bool> {
    for key in [key(channel, address), legacy_key(channel, address)] {
        if stores
            .claims
            .get_claim(tenant, &key)
            .await?
            .is_some_and(|c| c.state == ClaimState::Done)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Records the suppression (idempotent); `reason` is e.g. `unsubscribed`.
pub async fn suppress(
    stores: &Stores,
    tenant: &TenantId,
    channel: Channel,
    address: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut record = ClaimRecord::new(key(channel, address), reason, now);
    record.state = ClaimState::Done;
    record.detail = Some(reason.to_string());
    stores.claims.claim(tenant, &record).await.map(|_| ())
}

/// Like [`suppress`]; `true` when the address was not suppressed before.
pub async fn suppress_new(
    stores: &Stores,
    tenant: &TenantId,
    channel: Channel,
    address: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut record = ClaimRecord::new(key(channel, address), reason, now);
    record.state = ClaimState::Done;
    record.detail = Some(reason.to_string());
    Ok(stores.claims.claim(tenant, &record).await?.is_none())
}

/// Lifts a suppression (SMS START); a no-op when there is none.
pub async fn lift(
    stores: &Stores,
    tenant: &TenantId,
    channel: Channel,
    address: &str,
) -> StoreResult<()> {
    release(stores, tenant, &legacy_key(channel, address)).await?;
    release(stores, tenant, &key(channel, address)).await
}

/// Removes a suppression stored under the address in clear (GDPR erasure
/// keeps only the hashed one).
pub async fn forget_legacy(
    stores: &Stores,
    tenant: &TenantId,
    channel: Channel,
    address: &str,
) -> StoreResult<()> {
    release(stores, tenant, &legacy_key(channel, address)).await
}

async fn release(stores: &Stores, tenant: &TenantId, key: &str) -> StoreResult<()> {
    if let Some(existing) = stores.claims.get_claim(tenant, key).await? {
        stores
            .claims
            .release_claim(tenant, key, existing.claimed_at)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_hold_no_address_and_ignore_case() {
        let k = key(Channel::Email, " Kari@Example.no ");
        assert_eq!(k, key(Channel::Email, "kari@example.no"));
        assert!(!k.contains("kari"));
        assert!(k.starts_with("suppress:email:"));
        assert_ne!(k, key(Channel::Sms, "kari@example.no"));
    }
}
