use chrono::{DateTime, Utc};

use super::lead_records::{load_live, modify};
use crate::error::{DomainError, DomainResult};
use crate::ids::{LeadId, UserId};
use crate::jobs::{self, LeadEvent};
use crate::model::{Lead, LeadPatch, LeadSource, NewLead};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::service::automation::triggers::{self, Event};
use crate::tenancy::TenantId;
use crate::validation::FieldErrors;

pub async fn create(
    stores: &Stores,
    actor: &Actor,
    input: NewLead,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    actor.require(Permission::WriteLeads)?;
    let lead = input.into_lead(actor.tenant.dealership_id(), LeadSource::Manual, now)?;
    if let Some(user) = lead.assigned_to {
        ensure_team_member(stores, &actor.tenant, user).await?;
    }
    stores.leads.insert_lead(&actor.tenant, &lead).await?;
    // Due steps run with the next follow-up job (a typed-in lead gets no
    // automatic first reply).
    triggers::fire(stores, &actor.tenant, &lead, Event::NewLead, now, now).await?;
    Ok(lead)
}

pub async fn get(stores: &Stores, actor: &Actor, id: LeadId) -> DomainResult<Lead> {
    actor.require(Permission::ReadLeads)?;
    load_live(stores, &actor.tenant, id).await
}

pub async fn update(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    patch: LeadPatch,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    actor.require(Permission::WriteLeads)?;
    if let Some(Some(user)) = patch.assigned_to {
        ensure_team_member(stores, &actor.tenant, user).await?;
    }
    if let Some(tags) = &patch.tags {
        ensure_known_tags(stores, &actor.tenant, tags).await?;
    }
    let before = load_live(stores, &actor.tenant, id).await?.status;
    write_patch(stores, actor, id, &patch, before, now).await
}

/// Writes a patch whose assignee and tags are already checked. `before` is
/// the status the caller read, so that a change of status fires the
/// dealership's rules (bulk actions read each lead once and pass it here).
pub(crate) async fn write_patch(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    patch: &LeadPatch,
    before: crate::model::LeadStatus,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    let lead = modify(stores, &actor.tenant, id, now, |lead| {
        // A person moving the lead on stops its response-time clock.
        if patch.status.is_some_and(|s| s != lead.status) {
            lead.record_human_contact(now);
        }
        patch.apply(lead, now).map_err(DomainError::from)
    })
    .await?;
    if lead.status != before {
        triggers::fire(stores, &actor.tenant, &lead, Event::StatusEntered, now, now).await?;
    }
    Ok(lead)
}

/// Like [`update`]; a rep who is given the lead by someone else is told
/// (on `notices`, the send queue).
pub async fn update_and_notify(
    stores: &Stores,
    notices: Option<&dyn crate::queue::Queue>,
    actor: &Actor,
    id: LeadId,
    patch: LeadPatch,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    let before = stores.leads.get_lead(&actor.tenant, id).await?;
    let lead = update(stores, actor, id, patch, now).await?;
    let me = actor.user.as_ref().map(|u| u.id);
    if let (Some(queue), Some(assignee)) = (notices, lead.assigned_to)
        && before.is_some_and(|b| b.assigned_to != Some(assignee))
        && me != Some(assignee)
    {
        let trace = format!("assign:{id}:{}", lead.version);
        jobs::notify(
            queue,
            actor.tenant.dealership_id(),
            id,
            LeadEvent::Assigned { user_id: assignee },
            &trace,
            now,
        )
        .await?;
    }
    Ok(lead)
}

/// Soft delete: the lead disappears from every listing and read, but stays
/// stored (with `deleted_at`) until GDPR erasure removes it for good.
pub async fn delete(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    actor.require(Permission::DeleteLeads)?;
    modify(stores, &actor.tenant, id, now, |lead| {
        lead.deleted_at = Some(now);
        Ok(())
    })
    .await
    .map(|_| ())
}

/// Every tag must be in the dealership's list.
pub(crate) async fn ensure_known_tags(
    stores: &Stores,
    tenant: &TenantId,
    tags: &[crate::ids::TagId],
) -> DomainResult<()> {
    let known = stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .map(|d| d.inbox.tags)
        .unwrap_or_default();
    if tags.iter().all(|t| known.iter().any(|k| k.id == *t)) {
        Ok(())
    } else {
        Err(FieldErrors::single("tags", "holds a tag this dealership does not have").into())
    }
}

pub(crate) async fn ensure_team_member(
    stores: &Stores,
    tenant: &TenantId,
    user: UserId,
) -> DomainResult<()> {
    match stores.users.get_user(tenant, user).await? {
        Some(_) => Ok(()),
        None => {
            Err(FieldErrors::single("assigned_to", "is not a member of this dealership").into())
        }
    }
}

/// Whether the customer has opted out of each channel (unsubscribe link,
/// STOP by SMS, a hard bounce): what a rep must know before writing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OptOuts {
    pub email: bool,
    pub sms: bool,
}

/// The cars in stock that match the lead's interest, by the rule the reply
/// engine uses: what the AI may offer is what the rep sees.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct MatchingVehicles {
    pub items: Vec<crate::model::Vehicle>,
}

pub async fn matching_vehicles(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
) -> DomainResult<MatchingVehicles> {
    actor.require(Permission::ReadLeads)?;
    let lead = load_live(stores, &actor.tenant, id).await?;
    let items = super::reply_writer::matching_stock(stores, &actor.tenant, &lead).await?;
    Ok(MatchingVehicles { items })
}

pub async fn opt_outs(stores: &Stores, actor: &Actor, id: LeadId) -> DomainResult<OptOuts> {
    actor.require(Permission::ReadLeads)?;
    let lead = load_live(stores, &actor.tenant, id).await?;
    let suppressed = async |channel, address: &Option<String>| match address {
        Some(a) => {
            crate::outbound::suppression::is_suppressed(stores, &actor.tenant, channel, a).await
        }
        None => Ok(false),
    };
    Ok(OptOuts {
        email: suppressed(crate::model::Channel::Email, &lead.customer_email).await?,
        sms: suppressed(crate::model::Channel::Sms, &lead.customer_phone).await?,
    })
}

/// `GET /api/leads/{id}/response-clock`: the lead's running clock against
/// the dealership's response-time targets; `clock` is null when none runs
/// (a person has answered, or the lead is closed).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ResponseClockView {
    pub clock: Option<crate::automation::response_clock::Clock>,
    /// Seconds past the target; null before it.
    pub overdue_secs: Option<i64>,
}

pub async fn response_clock(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    now: DateTime<Utc>,
) -> DomainResult<ResponseClockView> {
    actor.require(Permission::ReadLeads)?;
    let lead = load_live(stores, &actor.tenant, id).await?;
    let Some(dealership) = stores.dealerships.get_dealership(&actor.tenant).await? else {
        return Err(crate::error::LEAD_NOT_FOUND);
    };
    let clock = crate::automation::response_clock::clock(
        &lead,
        lead.human_contact_at,
        &dealership.response_targets,
        &dealership.opening_hours,
        &dealership.opening_exceptions,
    );
    Ok(ResponseClockView {
        overdue_secs: clock
            .as_ref()
            .and_then(|c| c.overdue_by(now))
            .map(|d| d.num_seconds()),
        clock,
    })
}
