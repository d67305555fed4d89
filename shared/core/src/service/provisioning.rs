//! Creating dealerships and their team: the operator's side, used by the CLI
//! and the demo seed. This is the one place (beside routing lookups) where a
//! [`TenantId`] comes into being.

use chrono::{DateTime, Utc};

use crate::error::{DomainError, DomainResult};
use crate::ids::DealershipId;
use crate::model::dealership::{NewDealership, SubscriptionStatus};
use crate::model::{Dealership, NewUser, User};
use crate::ports::{RouteKind, StoreError, Stores};
use crate::tenancy::{self, TenantId};

/// Platform-wide settings that shape a new dealership.
#[derive(Debug, Clone)]
pub struct PlatformSettings {
    /// Importer mail for `leads@<slug>.<domain>` reaches the dealership
    /// (one MX per dealership subdomain, one SES receipt rule for the domain).
    pub inbound_email_domain: String,
}

impl Default for PlatformSettings {
    fn default() -> Self {
        Self {
            inbound_email_domain: "norvalt.no".into(),
        }
    }
}

/// Creates a dealership and claims its routing records (slug, Clerk
/// organisation, form key, inbound address). On any conflict the claims made
/// so far are released and nothing is left behind.
pub async fn create_dealership(
    stores: &Stores,
    settings: &PlatformSettings,
    input: NewDealership,
    now: DateTime<Utc>,
) -> DomainResult<(TenantId, Dealership)> {
    let valid = input.validate()?;
    let tenant = TenantId::mint(DealershipId::new_at(now));
    let dealership = Dealership {
        id: tenant.dealership_id(),
        form_key: new_form_key(),
        inbound_email: format!("leads@{}.{}", valid.slug, settings.inbound_email_domain),
        name: valid.name,
        slug: valid.slug,
        email: valid.email,
        phone: valid.phone,
        address: valid.address,
        clerk_org_id: valid.clerk_org_id,
        subscription_status: SubscriptionStatus::Trial,
        subscription_tier: valid.subscription_tier,
        opening_hours: valid.opening_hours,
        opening_exceptions: Vec::new(),
        branding: Default::default(),
        time_zone: crate::time::OSLO.to_string(),
        capture: Default::default(),
        reply: Default::default(),
        conversation: Default::default(),
        booking: Default::default(),
        response_targets: Default::default(),
        inbox: Default::default(),
        webhooks: Vec::new(),
        adf_email: None,
        inventory_feed: None,
        created_at: now,
        updated_at: now,
    };
    let mut routes = vec![
        (
            RouteKind::Slug,
            dealership.slug.clone(),
            "slug_taken",
            "Another dealership has this slug",
        ),
        (
            RouteKind::FormKey,
            dealership.form_key.clone(),
            "form_key_taken",
            "Form key collision; try again",
        ),
        (
            RouteKind::InboundEmail,
            dealership.inbound_email.clone(),
            "inbound_email_taken",
            "Another dealership has this inbound address",
        ),
    ];
    if let Some(org) = &dealership.clerk_org_id {
        routes.push((
            RouteKind::ClerkOrg,
            org.clone(),
            "clerk_org_taken",
            "Another dealership has this Clerk organisation",
        ));
    }
    let mut claimed = Vec::new();
    for (kind, key, code, message) in routes {
        match stores.routes.claim_route(kind, &key, &tenant).await {
            Ok(()) => claimed.push((kind, key)),
            Err(e) => {
                for (kind, key) in &claimed {
                    stores.routes.release_route(*kind, key, &tenant).await?;
                }
                return Err(match e {
                    StoreError::Conflict => DomainError::Conflict {
                        code,
                        message: message.into(),
                    },
                    other => other.into(),
                });
            }
        }
    }
    stores
        .dealerships
        .insert_dealership(&tenant, &dealership)
        .await?;
    Ok((tenant, dealership))
}

/// Finds a dealership by its slug (operators think in slugs).
pub async fn find_by_slug(
    stores: &Stores,
    slug: &str,
) -> DomainResult<Option<(TenantId, Dealership)>> {
    let Some(tenant) = tenancy::resolve(stores.routes.as_ref(), RouteKind::Slug, slug).await?
    else {
        return Ok(None);
    };
    Ok(stores
        .dealerships
        .get_dealership(&tenant)
        .await?
        .map(|d| (tenant, d)))
}

pub async fn add_user(
    stores: &Stores,
    tenant: &TenantId,
    input: NewUser,
    now: DateTime<Utc>,
) -> DomainResult<User> {
    let user = input.into_user(tenant.dealership_id(), now)?;
    match stores.users.insert_user(tenant, &user).await {
        Ok(()) => Ok(user),
        Err(StoreError::Conflict) => Err(DomainError::Conflict {
            code: "user_exists",
            message: "This Clerk user already belongs to the dealership".into(),
        }),
        Err(e) => Err(e.into()),
    }
}

/// 24 lower-case hex characters: unguessable, URL-safe, easy to read aloud.
pub fn new_form_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..24].to_string()
}

/// Every dealership in the registry with its team, for operator tools and
/// the local dev login (never an API route: it crosses tenants).
pub async fn directory(stores: &Stores) -> DomainResult<Vec<(TenantId, Dealership, Vec<User>)>> {
    let mut found = Vec::new();
    for id in stores.dealerships.list_dealership_ids().await? {
        let tenant = TenantId::mint(id);
        let Some(dealership) = stores.dealerships.get_dealership(&tenant).await? else {
            continue;
        };
        let mut team = stores.users.list_users(&tenant).await?;
        team.sort_by(|a, b| (a.role.as_str(), &a.name).cmp(&(b.role.as_str(), &b.name)));
        found.push((tenant, dealership, team));
    }
    found.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    Ok(found)
}

/// The operator provisions an SMS number (bought at Twilio) for a
/// dealership; only then can the dealership's admin set it as its sender.
/// `Conflict` when it is provisioned for another dealership.
pub async fn provision_sms_number(
    stores: &Stores,
    tenant: &TenantId,
    number: &str,
) -> DomainResult<String> {
    let number = crate::validation::phone("sms_number", number)
        .map_err(|e| crate::validation::FieldErrors::single(&e.field, e.message))?;
    match stores
        .routes
        .claim_route(RouteKind::ProvisionedSms, &number, tenant)
        .await
    {
        Ok(()) => Ok(number),
        Err(StoreError::Conflict) => Err(DomainError::Conflict {
            code: "sms_number_taken",
            message: format!("{number} is provisioned for another dealership"),
        }),
        Err(e) => Err(e.into()),
    }
}

/// A new plan for a dealership (the operator's CLI, Clerk billing): what
/// the new plan lacks is turned off ([`Dealership::fit_to_plan`]). Returns
/// the dealership as stored and what was turned off.
pub async fn change_plan(
    stores: &Stores,
    tenant: &TenantId,
    tier: Option<crate::model::dealership::SubscriptionTier>,
    status: Option<SubscriptionStatus>,
    now: DateTime<Utc>,
) -> DomainResult<(Dealership, Vec<crate::model::plan::Feature>)> {
    let mut dealership = stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .ok_or(crate::error::DEALERSHIP_NOT_FOUND)?;
    if let Some(tier) = tier {
        dealership.subscription_tier = tier;
    }
    if let Some(status) = status {
        dealership.subscription_status = status;
    }
    let off = dealership.fit_to_plan();
    dealership.updated_at = now;
    stores
        .dealerships
        .update_dealership(tenant, &dealership)
        .await?;
    if !off.is_empty() {
        tracing::info!(dealership_id = %dealership.id, ?off, "features the new plan lacks were turned off");
    }
    Ok((dealership, off))
}
