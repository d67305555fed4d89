use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ids::{DealershipId, UserId};
use crate::permissions::Role;
use crate::validation::{self, FieldErrors};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: UserId,
    pub dealership_id: DealershipId,
    pub clerk_user_id: String,
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
    pub notification_preferences: NotificationPreferences,
    /// Inactive users keep their history but get no leads or notices.
    #[serde(default = "active")]
    pub active: bool,
    /// Away (holiday, sick): still a member, but skipped by round robin
    /// and by escalation until back.
    #[serde(default)]
    pub away: bool,
    /// The user's own saved inbox views.
    #[serde(default)]
    pub views: Vec<super::inbox::SavedView>,
    pub created_at: DateTime<Utc>,
    /// Bumped on every change; stores refuse a write based on a stale one.
    #[serde(default = "first_version")]
    pub version: u64,
}

fn first_version() -> u64 {
    1
}

/// `PATCH /api/users/{id}` (admin): absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<Role>,
    pub notification_preferences: Option<NotificationPreferences>,
    /// An inactive user gets no leads (round robin) and no notices.
    pub active: Option<bool>,
    /// Away: skipped by round robin and escalation.
    pub away: Option<bool>,
}

impl UserPatch {
    /// The changed user, and the names of the fields that changed (for the
    /// audit log, which never records values).
    pub fn apply(&self, user: &User) -> Result<(User, Vec<&'static str>), FieldErrors> {
        let mut e = FieldErrors::new();
        let mut next = user.clone();
        let mut changed = Vec::new();
        if let Some(name) = &self.name {
            next.name = e
                .check(validation::text("name", Some(name), 200, false))
                .flatten();
        }
        if let Some(role) = self.role {
            next.role = role;
        }
        if let Some(p) = &self.notification_preferences {
            next.notification_preferences = p.clone();
        }
        if let Some(active) = self.active {
            next.active = active;
        }
        if let Some(away) = self.away {
            next.away = away;
        }
        for (field, differs) in [
            ("name", next.name != user.name),
            ("role", next.role != user.role),
            (
                "notification_preferences",
                next.notification_preferences != user.notification_preferences,
            ),
            ("active", next.active != user.active),
            ("away", next.away != user.away),
        ] {
            if differs {
                changed.push(field);
            }
        }
        if !changed.is_empty() {
            next.version += 1;
        }
        e.finish((next, changed))
    }
}

fn active() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationPreferences {
    /// Email me when a lead is assigned to me or arrives unassigned.
    pub new_lead_email: bool,
    /// SMS me for the same (costs money, so off by default).
    pub new_lead_sms: bool,
    /// A morning summary of yesterday's leads.
    pub daily_summary: bool,
    /// Email me when a customer answers on one of my leads.
    #[serde(default = "active")]
    pub customer_reply_email: bool,
    /// Email me when one of my leads misses its response target.
    #[serde(default = "active")]
    pub escalation_email: bool,
}

impl Default for NotificationPreferences {
    fn default() -> Self {
        Self {
            new_lead_email: true,
            new_lead_sms: false,
            daily_summary: true,
            customer_reply_email: true,
            escalation_email: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub clerk_user_id: String,
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
}

impl NewUser {
    pub fn into_user(
        self,
        dealership_id: DealershipId,
        now: DateTime<Utc>,
    ) -> Result<User, FieldErrors> {
        let mut e = FieldErrors::new();
        let clerk_user_id = e.check(validation::required_text(
            "clerk_user_id",
            Some(&self.clerk_user_id),
            255,
        ));
        let email = e.check(validation::email("email", &self.email));
        let name = e
            .check(validation::text("name", self.name.as_deref(), 200, false))
            .flatten();
        if !e.is_empty() {
            return Err(e);
        }
        Ok(User {
            id: UserId::new_at(now),
            dealership_id,
            clerk_user_id: clerk_user_id.expect("checked"),
            email: email.expect("checked"),
            name,
            role: self.role,
            notification_preferences: NotificationPreferences::default(),
            active: true,
            away: false,
            views: Vec::new(),
            created_at: now,
            version: 1,
        })
    }
}
