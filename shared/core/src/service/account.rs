use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{DEALERSHIP_NOT_FOUND, DomainError, DomainResult};
use crate::model::{Dealership, User};
use crate::permissions::{Actor, Permission, Role};
use crate::ports::{RouteKind, Stores};
use crate::tenancy;

/// Turns a verified token's organisation, user and role into an [`Actor`].
/// The organisation must be routed to a dealership; otherwise the caller is
/// authenticated but belongs nowhere (403).
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
    pub dealership: Dealership,
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
        dealership,
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
