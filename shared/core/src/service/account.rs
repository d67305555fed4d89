use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::audit::AuditEntry;
use crate::error::{DEALERSHIP_NOT_FOUND, DomainError, DomainResult};
use crate::ids::{AuditId, UserId};
use crate::model::{Dealership, User, UserPatch};
use crate::pagination::{self, CursorCodec, Page};
use crate::permissions::{Actor, Permission, Role};
use crate::ports::{RouteKind, StoreError, Stores};
use crate::tenancy;

/// Turns a verified token's organisation, user and role into an [`Actor`].
/// The organisation must be routed to a dealership; otherwise the caller is
/// authenticated but belongs nowhere (403). Norvalt's user record has the
/// last word over a token that is still valid: a deactivated user is
/// refused (403 `user_inactive`), and the role is the lower of the token's
/// and the record's, so a demotion takes effect at once.
pub async fn actor_for(
    stores: &Stores,
    clerk_org_id: Option<&str>,
    clerk_user_id: &str,
    clerk_role: Option<&str>,
) -> DomainResult<Actor> {
    let Some(org) = clerk_org_id.filter(|o| !o.is_empty()) else {
        return Err(DomainError::Forbidden {
            code: "no_active_organization",
            message: "The session has no active organisation; choose a dealership first",
        });
    };
    let Some(tenant) = tenancy::resolve(stores.routes.as_ref(), RouteKind::ClerkOrg, org).await?
    else {
        return Err(DomainError::Forbidden {
            code: "unknown_organization",
            message: "The organisation is not a Norvalt dealership",
        });
    };
    let Some(role) = clerk_role.and_then(Role::from_clerk) else {
        return Err(DomainError::Forbidden {
            code: "unknown_role",
            message: "The organisation role is not one of admin, manager or sales_rep",
        });
    };
    let user = stores
        .users
        .find_user_by_clerk_id(&tenant, clerk_user_id)
        .await?;
    let role = match &user {
        Some(u) if !u.active => {
            return Err(DomainError::Forbidden {
                code: "user_inactive",
                message: "The user is deactivated in this dealership",
            });
        }
        Some(u) => role.lower(u.role),
        None => role,
    };
    Ok(Actor {
        tenant,
        clerk_user_id: clerk_user_id.to_string(),
        role,
        user,
    })
}

/// `GET /api/me`
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub clerk_user_id: String,
    pub role: Role,
    /// `null` when the Clerk user has no Norvalt profile yet.
    pub user: Option<User>,
    pub dealership: DealershipView,
}

/// The dealership as the caller may see it: an admin sees every setting
/// (form key, inbound address, IMAP account, Clerk organisation); everyone
/// else the profile a rep works with.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum DealershipView {
    Admin(Box<Dealership>),
    Team(Box<DealershipProfile>),
}

/// What every member of the team sees of their dealership. Closed to other
/// properties in the schema, so the admin's view is told apart from it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealershipProfile {
    pub id: crate::DealershipId,
    pub name: String,
    pub slug: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub time_zone: String,
    pub opening_hours: crate::model::dealership::OpeningHours,
    pub opening_exceptions: Vec<crate::model::dealership::OpeningException>,
    pub branding: crate::model::dealership::Branding,
    pub reply: ReplyProfile,
}

/// The reply settings a rep's screens depend on.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyProfile {
    /// Whether the rep can answer by SMS.
    pub sms_enabled: bool,
}

impl DealershipView {
    pub fn for_role(dealership: Dealership, role: Role) -> Self {
        if role.allows(Permission::ManageDealership) {
            return DealershipView::Admin(Box::new(dealership));
        }
        DealershipView::Team(Box::new(DealershipProfile {
            id: dealership.id,
            name: dealership.name,
            slug: dealership.slug,
            email: dealership.email,
            phone: dealership.phone,
            address: dealership.address,
            time_zone: dealership.time_zone,
            opening_hours: dealership.opening_hours,
            opening_exceptions: dealership.opening_exceptions,
            branding: dealership.branding,
            reply: ReplyProfile {
                sms_enabled: dealership.reply.sms_enabled,
            },
        }))
    }
}

pub async fn me(stores: &Stores, actor: &Actor) -> DomainResult<Me> {
    actor.require(Permission::ReadAccount)?;
    let dealership = stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    Ok(Me {
        clerk_user_id: actor.clerk_user_id.clone(),
        role: actor.role,
        user: actor.user.clone(),
        dealership: DealershipView::for_role(dealership, actor.role),
    })
}

/// The dealership's team, by name: who a lead can be assigned to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Team {
    pub items: Vec<User>,
}

pub async fn team(stores: &Stores, actor: &Actor) -> DomainResult<Team> {
    actor.require(Permission::ReadAccount)?;
    let mut items = stores.users.list_users(&actor.tenant).await?;
    items.sort_by(|a, b| {
        let key = |u: &User| {
            u.name
                .clone()
                .unwrap_or_else(|| u.email.clone())
                .to_lowercase()
        };
        key(a).cmp(&key(b))
    });
    Ok(Team { items })
}

pub const USER_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "user_not_found",
    message: "User not found",
};

/// `PATCH /api/users/{id}` (admin): role, name, notification preferences,
/// active. The dealership always keeps an active admin. In the cloud, Clerk's
/// organisation role is what a session carries; this is Norvalt's mirror of
/// it (who takes round-robin turns, who gets notices).
pub async fn update_user(
    stores: &Stores,
    actor: &Actor,
    id: UserId,
    patch: UserPatch,
    now: DateTime<Utc>,
) -> DomainResult<User> {
    actor.require(Permission::ManageDealership)?;
    for _ in 0..super::MAX_WRITE_ATTEMPTS {
        let current = stores
            .users
            .get_user(&actor.tenant, id)
            .await?
            .ok_or(USER_NOT_FOUND)?;
        let (next, changed) = patch.apply(&current)?;
        if changed.is_empty() {
            return Ok(current);
        }
        let is_active_admin = |u: &User| u.active && u.role == Role::Admin;
        if is_active_admin(&current) && !is_active_admin(&next) {
            let admins = stores
                .users
                .list_users(&actor.tenant)
                .await?
                .into_iter()
                .filter(|u| u.id != id && is_active_admin(u))
                .count();
            if admins == 0 {
                return Err(DomainError::Conflict {
                    code: "last_admin",
                    message:
                        "The dealership must keep an active admin; make someone else admin first"
                            .into(),
                });
            }
        }
        match stores.users.update_user(&actor.tenant, &next).await {
            Ok(()) => {
                audit(
                    stores,
                    actor,
                    AuditEntry::new(
                        actor,
                        "user.updated",
                        Some(format!("user:{id}")),
                        serde_json::json!({"fields": changed, "role": next.role}),
                        now,
                    ),
                )
                .await?;
                return Ok(next);
            }
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict {
        code: "write_conflict",
        message: "The user is being changed by others; try again".into(),
    })
}

/// `PATCH /api/me`: what a user sets for themself: which events email
/// them, whether they are away, their own inbox views.
#[derive(Debug, Clone, Default, serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MyPatch {
    pub notification_preferences: Option<crate::model::NotificationPreferences>,
    /// Away (holiday, sick): no round-robin leads and no escalations.
    pub away: Option<bool>,
    /// The user's own saved views, replaced whole.
    pub views: Option<Vec<super::inbox_setup::ViewInput>>,
}

pub async fn update_me(
    stores: &Stores,
    actor: &Actor,
    patch: MyPatch,
    now: DateTime<Utc>,
) -> DomainResult<User> {
    actor.require(Permission::ReadAccount)?;
    let Some(me) = &actor.user else {
        return Err(USER_NOT_FOUND);
    };
    for _ in 0..super::MAX_WRITE_ATTEMPTS {
        let current = stores
            .users
            .get_user(&actor.tenant, me.id)
            .await?
            .ok_or(USER_NOT_FOUND)?;
        let mut e = crate::validation::FieldErrors::new();
        let mut next = current.clone();
        if let Some(p) = &patch.notification_preferences {
            next.notification_preferences = p.clone();
        }
        if let Some(away) = patch.away {
            next.away = away;
        }
        if let Some(views) = &patch.views {
            next.views =
                super::inbox_setup::validate_views(&mut e, "views", &current.views, views, now);
        }
        e.finish(())?;
        if next == current {
            return Ok(current);
        }
        next.version += 1;
        match stores.users.update_user(&actor.tenant, &next).await {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict {
        code: "write_conflict",
        message: "Your profile is being changed elsewhere; try again".into(),
    })
}

/// Appends to the actor's dealership's audit log.
pub async fn audit(stores: &Stores, actor: &Actor, entry: AuditEntry) -> DomainResult<()> {
    stores.audit.append_audit(&actor.tenant, &entry).await?;
    Ok(())
}

/// `GET /api/audit` (admin): newest first.
pub async fn audit_log(
    stores: &Stores,
    cursors: &CursorCodec,
    actor: &Actor,
    limit: Option<i64>,
    cursor: Option<String>,
) -> DomainResult<Page<AuditEntry>> {
    actor.require(Permission::ManageDealership)?;
    let limit = pagination::limit(limit)?;
    let scope = pagination::scope("audit", &[]);
    let before =
        pagination::decode_after::<AuditId>(cursors, &actor.tenant, &scope, cursor.as_deref())?;
    let items = stores
        .audit
        .list_audit(&actor.tenant, before, limit + 1)
        .await?;
    Ok(pagination::into_page(
        items,
        limit,
        cursors,
        &actor.tenant,
        &scope,
        |e| e.id.to_string(),
    ))
}
