//! Who must not be contacted on a channel: unsubscribed, hard-bounced,
//! complained or opted out by SMS. Kept as claim records
//! (`suppress:<channel>:<address>`) in the dealership's partition, so the
//! check before every send is one consistent read.

use chrono::{DateTime, Utc};

use super::claims::{ClaimRecord, ClaimState};
use crate::model::Channel;
use crate::ports::{StoreResult, Stores};
use crate::tenancy::TenantId;

pub fn key(channel: Channel, address: &str) -> String {
    let channel = match channel {
        Channel::Sms => "sms",
        _ => "email",
    };
    format!("suppress:{channel}:{}", address.trim().to_lowercase())
}

pub async fn is_suppressed(
    stores: &Stores,
    tenant: &TenantId,
    channel: Channel,
    address: &str,
) -> StoreResult<bool> {
    Ok(stores
        .claims
        .get_claim(tenant, &key(channel, address))
        .await?
        .is_some_and(|c| c.state == ClaimState::Done))
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
    let key = key(channel, address);
    if let Some(existing) = stores.claims.get_claim(tenant, &key).await? {
        stores
            .claims
            .release_claim(tenant, &key, existing.claimed_at)
            .await?;
    }
    Ok(())
}
