//! The values of a canned reply's fields for one lead
//! (`GET /api/leads/{id}/reply-fields`): the reply box fills `{fornavn}`,
//! `{bil}`, `{forhandler}`, `{selger}`, `{åpningstider}` and
//! `{bookinglenke}` from them, and refuses to send while one it uses is
//! empty.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{DEALERSHIP_NOT_FOUND, DomainResult};
use crate::ids::LeadId;
use crate::model::inbox::REPLY_FIELDS;
use crate::outbound::links::BookingLinks;
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::service::lead_records::load_live;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReplyFields {
    /// Each field by name (`fornavn`, `åpningstider` …); null when this
    /// lead has no value for it (no first name, no booking page).
    pub values: BTreeMap<String, Option<String>>,
}

pub async fn for_lead(
    stores: &Stores,
    links: &BookingLinks,
    actor: &Actor,
    id: LeadId,
) -> DomainResult<ReplyFields> {
    actor.require(Permission::ReadLeads)?;
    let lead = load_live(stores, &actor.tenant, id).await?;
    let dealership = stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    // The rep writing signs; without a profile, the lead's rep.
    let seller = match &actor.user {
        Some(me) => Some(me.name.clone().unwrap_or_else(|| me.email.clone())),
        None => match lead.assigned_to {
            Some(rep) => stores
                .users
                .get_user(&actor.tenant, rep)
                .await?
                .map(|u| u.name.unwrap_or(u.email)),
            None => None,
        },
    };
    let booking = (dealership.booking.enabled && !dealership.booking.types.is_empty())
        .then(|| links.for_lead(dealership.id, lead.id))
        .flatten();
    let value = |field: &str| -> Option<String> {
        match field {
            "fornavn" => lead.first_name().map(str::to_string),
            "bil" => lead.vehicle_interest.clone(),
            "forhandler" => Some(dealership.name.clone()),
            "selger" => seller.clone(),
            "åpningstider" => (!dealership.opening_hours.0.is_empty())
                .then(|| crate::ai::opening::describe(&dealership.opening_hours)),
            "bookinglenke" => booking.clone(),
            _ => None,
        }
        .filter(|v| !v.trim().is_empty())
    };
    Ok(ReplyFields {
        values: REPLY_FIELDS
            .iter()
            .map(|f| (f.to_string(), value(f)))
            .collect(),
    })
}
