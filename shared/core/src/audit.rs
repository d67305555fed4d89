//! The audit log: who did which admin action when (settings changes,
//! role changes, GDPR exports and erasures). An entry names the kind of
//! action and the ids it touched, never a person's data, so it can be kept
//! after that person is erased.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{AuditId, DealershipId, UserId};
use crate::permissions::Actor;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: AuditId,
    pub dealership_id: DealershipId,
    pub at: DateTime<Utc>,
    /// The Norvalt user, when the Clerk user has a profile.
    pub actor_user_id: Option<UserId>,
    pub actor_clerk_user_id: String,
    /// `dealership.updated`, `user.updated`, `gdpr.exported`, `gdpr.erased` …
    pub action: String,
    /// What it touched, as ids (`user:<id>`, `lead:<id>`), never PII.
    pub target: Option<String>,
    /// Which fields changed, how many records — never values.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl AuditEntry {
    pub fn new(
        actor: &Actor,
        action: &str,
        target: Option<String>,
        details: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: AuditId::new_at(now),
            dealership_id: actor.tenant.dealership_id(),
            at: now,
            actor_user_id: actor.user.as_ref().map(|u| u.id),
            actor_clerk_user_id: actor.clerk_user_id.clone(),
            action: action.to_string(),
            target,
            details,
        }
    }
}
