//! Clerk Billing's subscription item events (on the same Svix-signed
//! webhook as memberships) setting a dealership's plan: the item's plan
//! slug names the tier (`starter`, `professional`, `enterprise`, as the
//! plans are named in Clerk), and its status whether the subscription is
//! on. Once per delivery, never over a newer event (docs/plans.md).

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::membership::Delivery;
use crate::model::dealership::{SubscriptionStatus, SubscriptionTier};
use crate::model::plan::Feature;
use crate::outbound::{ClaimRecord, ClaimState};
use crate::ports::{RouteKind, StoreError, Stores};
use crate::tenancy;

#[derive(Debug, Deserialize)]
pub struct BillingEvent {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: SubscriptionItem,
}

#[derive(Debug, Default, Deserialize)]
pub struct SubscriptionItem {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub plan: Option<PlanRef>,
    #[serde(default)]
    pub payer: Option<Payer>,
    /// Unix milliseconds: orders deliveries Svix retries out of order.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub struct PlanRef {
    #[serde(default)]
    pub slug: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct Payer {
    #[serde(default)]
    pub organization_id: Option<String>,
}

/// What a delivery came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Billed {
    Changed {
        tier: SubscriptionTier,
        status: SubscriptionStatus,
        turned_off: Vec<Feature>,
    },
    Ignored(&'static str),
}

/// The plan an event sets, or why it sets none.
fn plan_of(event: &BillingEvent) -> Result<(SubscriptionTier, SubscriptionStatus), &'static str> {
    let tier = match event.data.plan.as_ref().and_then(|p| p.slug.as_deref()) {
        Some("starter") => SubscriptionTier::Starter,
        Some("professional") => SubscriptionTier::Professional,
        Some("enterprise") => SubscriptionTier::Enterprise,
        _ => return Err("the plan's slug is not starter, professional or enterprise"),
    };
    let status = event.data.status.as_deref().unwrap_or_default();
    match (event.kind.as_str(), status) {
        ("subscriptionItem.active", _) | ("subscriptionItem.updated", "active") => {
            Ok((tier, SubscriptionStatus::Active))
        }
        ("subscriptionItem.ended", _) | (_, "ended") => Ok((tier, SubscriptionStatus::Cancelled)),
        // A cancelled item stays on until its period ends (`ended`); a
        // failed payment keeps the features while Clerk retries it.
        _ => Err("no change of plan until the item is active or has ended"),
    }
}

pub async fn apply(
    stores: &Stores,
    event: &BillingEvent,
    delivery: Delivery<'_>,
    now: DateTime<Utc>,
) -> Result<Billed, StoreError> {
    let Some(org) = event
        .data
        .payer
        .as_ref()
        .and_then(|p| p.organization_id.as_deref())
    else {
        return Ok(Billed::Ignored("the payer is not an organisation"));
    };
    let Some(tenant) = tenancy::resolve(stores.routes.as_ref(), RouteKind::ClerkOrg, org).await?
    else {
        return Ok(Billed::Ignored("organisation is not a dealership"));
    };
    let (tier, status) = match plan_of(event) {
        Ok(plan) => plan,
        Err(why) => return Ok(Billed::Ignored(why)),
    };
    let mut seen = ClaimRecord::new(format!("clerk-delivery:{}", delivery.id), org, now);
    seen.state = ClaimState::Done;
    if stores.claims.claim(&tenant, &seen).await?.is_some() {
        return Ok(Billed::Ignored("delivery already applied"));
    }
    let event_at = event
        .data
        .updated_at
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or(delivery.sent_at);
    let latest_key = "clerk-billing:latest";
    let latest = stores.claims.get_claim(&tenant, latest_key).await?;
    if latest.is_some_and(|l| l.updated_at > event_at) {
        return Ok(Billed::Ignored("an event newer than this one was applied"));
    }
    let changed =
        super::provisioning::change_plan(stores, &tenant, Some(tier), Some(status), now).await;
    match changed {
        Ok((_, turned_off)) => {
            crate::outbound::claims::stamp(stores, &tenant, latest_key, &event.kind, event_at)
                .await?;
            Ok(Billed::Changed {
                tier,
                status,
                turned_off,
            })
        }
        Err(e) => {
            // Not applied: a retry of this delivery must be able to try again.
            stores
                .claims
                .release_claim(&tenant, &seen.key, seen.claimed_at)
                .await?;
            Err(StoreError::Backend(e.to_string()))
        }
    }
}
