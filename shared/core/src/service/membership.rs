//! Mirroring the team from Clerk: Clerk's organisation-membership webhooks
//! (`organizationMembership.created|updated|deleted`, delivered by Svix in
//! the Standard Webhooks format) create, update and deactivate Norvalt's
//! user records, so round robin and notices follow who is on the team.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::model::{NewUser, User};
use crate::permissions::Role;
use crate::ports::{RouteKind, StoreError, Stores};
use crate::tenancy;

/// Deliveries older or newer than this are refused (replays).
pub const TOLERANCE_SECS: i64 = 300;

/// Checks a Standard Webhooks signature: `v1,<base64 HMAC-SHA256>` (one or
/// more, space-separated) over `<id>.<timestamp>.<body>`, keyed with the
/// base64 part of `whsec_…`, and a timestamp within five minutes of `now`.
pub fn signature_is_valid(
    secret: &str,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> bool {
    let Ok(key) = STANDARD.decode(secret.trim().trim_start_matches("whsec_")) else {
        return false;
    };
    let Ok(sent_at) = timestamp.trim().parse::<i64>() else {
        return false;
    };
    if (now.timestamp() - sent_at).abs() > TOLERANCE_SECS {
        return false;
    }
    signatures.split_whitespace().any(|candidate| {
        let Some(sig) = candidate
            .strip_prefix("v1,")
            .and_then(|b| STANDARD.decode(b).ok())
        else {
            return false;
        };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        mac.verify_slice(&sig).is_ok()
    })
}

/// The signature header Clerk would send (tests and local tools).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> String {
    let key = STANDARD
        .decode(secret.trim().trim_start_matches("whsec_"))
        .unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[derive(Debug, Deserialize)]
pub struct Event {
    #[serde(rename = "type")]
    pub kind: String,
    pub data: Membership,
}

#[derive(Debug, Deserialize)]
pub struct Membership {
    pub organization: Organization,
    pub public_user_data: PublicUserData,
    #[serde(default)]
    pub role: Option<String>,
    /// When Clerk last changed the membership (Unix milliseconds): orders
    /// deliveries that Svix retries out of order.
    #[serde(default)]
    pub updated_at: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct Organization {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct PublicUserData {
    pub user_id: String,
    /// The user's primary email address.
    #[serde(default)]
    pub identifier: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
}

/// What a delivery came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mirrored {
    Created,
    Updated,
    Deactivated,
    /// Another event type, an organisation that is no dealership, or a
    /// membership without an email: acknowledged, nothing written.
    Ignored(&'static str),
}

/// One signed delivery: Svix's id (the same on every retry) and its
/// timestamp.
#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    pub id: &'a str,
    pub sent_at: DateTime<Utc>,
}

/// Applies one membership event to the dealership's user records, once per
/// delivery id, and never over a newer event of the same membership (Svix
/// retries for days and in any order: a late `updated` must not undo a
/// `deleted`).
pub async fn mirror(
    stores: &Stores,
    event: &Event,
    delivery: Delivery<'_>,
    now: DateTime<Utc>,
) -> Result<Mirrored, StoreError> {
    use crate::outbound::{ClaimRecord, ClaimState};
    let Some(tenant) = tenancy::resolve(
        stores.routes.as_ref(),
        RouteKind::ClerkOrg,
        &event.data.organization.id,
    )
    .await?
    else {
        return Ok(Mirrored::Ignored("organisation is not a dealership"));
    };
    let who = &event.data.public_user_data;
    let event_at = event
        .data
        .updated_at
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or(delivery.sent_at);
    let seen_key = format!("clerk-delivery:{}", delivery.id);
    let mut seen = ClaimRecord::new(seen_key.clone(), &who.user_id, now);
    seen.state = ClaimState::Done;
    if stores.claims.claim(&tenant, &seen).await?.is_some() {
        return Ok(Mirrored::Ignored("delivery already applied"));
    }
    let latest_key = format!("clerk-membership:{}", who.user_id);
    let latest = stores.claims.get_claim(&tenant, &latest_key).await?;
    if latest.as_ref().is_some_and(|l| l.updated_at > event_at) {
        return Ok(Mirrored::Ignored(
            "an event newer than this one was applied",
        ));
    }
    let outcome = apply(stores, tenant, event, now).await;
    match &outcome {
        Ok(_) => {
            crate::outbound::claims::stamp(stores, &tenant, &latest_key, &event.kind, event_at)
                .await?
        }
        // Not applied: a retry of this delivery must be able to try again.
        Err(_) => {
            stores
                .claims
                .release_claim(&tenant, &seen_key, seen.claimed_at)
                .await?
        }
    }
    outcome
}

async fn apply(
    stores: &Stores,
    tenant: crate::TenantId,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<Mirrored, StoreError> {
    let who = &event.data.public_user_data;
    let role = event.data.role.as_deref().and_then(Role::from_clerk);
    let name = [who.first_name.as_deref(), who.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let name = (!name.is_empty()).then_some(name);
    for _ in 0..super::MAX_WRITE_ATTEMPTS {
        let existing = stores
            .users
            .find_user_by_clerk_id(&tenant, &who.user_id)
            .await?;
        let result = match (event.kind.as_str(), existing) {
            ("organizationMembership.deleted", Some(user)) => {
                let next = User {
                    active: false,
                    version: user.version + 1,
                    ..user
                };
                stores
                    .users
                    .update_user(&tenant, &next)
                    .await
                    .map(|_| Mirrored::Deactivated)
            }
            ("organizationMembership.deleted", None) => Ok(Mirrored::Ignored("unknown user")),
            ("organizationMembership.created" | "organizationMembership.updated", Some(user)) => {
                let next = User {
                    role: role.unwrap_or(user.role),
                    name: name.clone().or(user.name.clone()),
                    active: true,
                    version: user.version + 1,
                    ..user
                };
                stores
                    .users
                    .update_user(&tenant, &next)
                    .await
                    .map(|_| Mirrored::Updated)
            }
            ("organizationMembership.created" | "organizationMembership.updated", None) => {
                let (Some(email), Some(role)) = (who.identifier.clone(), role) else {
                    return Ok(Mirrored::Ignored("membership without email or known role"));
                };
                let input = NewUser {
                    clerk_user_id: who.user_id.clone(),
                    email,
                    name: name.clone(),
                    role,
                };
                match input.into_user(tenant.dealership_id(), now) {
                    Ok(user) => stores
                        .users
                        .insert_user(&tenant, &user)
                        .await
                        .map(|_| Mirrored::Created),
                    Err(_) => return Ok(Mirrored::Ignored("membership with an invalid email")),
                }
            }
            _ => return Ok(Mirrored::Ignored("not a membership event")),
        };
        match result {
            Ok(done) => return Ok(done),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn signatures_are_checked_with_the_timestamp() {
        let now = DateTime::from_timestamp(1_764_000_000, 0).unwrap();
        let body = br#"{"type":"organizationMembership.created"}"#;
        let sig = sign(SECRET, "msg_1", now.timestamp(), body);
        let ts = now.timestamp().to_string();
        assert!(signature_is_valid(SECRET, "msg_1", &ts, &sig, body, now));
        // Several signatures (a rotated secret): any one may match.
        let both = format!("v1,bm9wZQ== {sig}");
        assert!(signature_is_valid(SECRET, "msg_1", &ts, &both, body, now));
        assert!(!signature_is_valid(SECRET, "msg_2", &ts, &sig, body, now));
        assert!(!signature_is_valid(SECRET, "msg_1", &ts, &sig, b"{}", now));
        assert!(!signature_is_valid(
            "whsec_b3RoZXI=",
            "msg_1",
            &ts,
            &sig,
            body,
            now
        ));
        let later = now + chrono::Duration::seconds(TOLERANCE_SECS + 1);
        assert!(!signature_is_valid(SECRET, "msg_1", &ts, &sig, body, later));
        assert!(!signature_is_valid(
            SECRET, "msg_1", &ts, "v2,abc", body, now
        ));
    }
}
