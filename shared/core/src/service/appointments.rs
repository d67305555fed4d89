//! The team's side of bookings (`/api/appointments`): the calendar by day
//! and rep, booking for a lead, moving, cancelling, and marking whether the
//! customer came. Changes the customer should know of are confirmed to
//! them, as from the booking page.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use super::booking::customer::BookingDesk;
use super::booking::{BookingOutcome, BookingRequest, Change, ChangeOutcome, book, change};
use super::lead_records::load_live;
use crate::booking::slots::{AppointmentKind, Slot};
use crate::error::{DomainError, DomainResult};
use crate::ids::{AppointmentId, LeadId, UserId, VehicleId};
use crate::model::{Appointment, AppointmentStatus, BookedBy};
use crate::permissions::{Actor, Permission};
use crate::validation::FieldErrors;

pub const APPOINTMENT_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "appointment_not_found",
    message: "Appointment not found",
};

/// The longest window one calendar read may span.
pub const MAX_WINDOW_DAYS: i64 = 42;

/// `POST /api/appointments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointment {
    pub lead_id: LeadId,
    #[schema(value_type = String, example = "test_drive")]
    pub kind: AppointmentKind,
    /// A start the dealership's calendar offers (RFC 3339).
    pub start: DateTime<Utc>,
    pub vehicle_id: Option<VehicleId>,
}

/// `PATCH /api/appointments/{id}`: a new time, or a new status.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentPatch {
    pub start: Option<DateTime<Utc>>,
    /// `cancelled`, `showed` or `no_show`.
    pub status: Option<AppointmentStatus>,
}

/// A confirmation that could not be queued: the request failed on our side.
fn job_failed(e: crate::jobs::JobError) -> DomainError {
    DomainError::Store(crate::ports::StoreError::Backend(e.to_string()))
}

fn slot_text(slots: &[Slot]) -> String {
    slots
        .iter()
        .map(|s| s.start.to_rfc3339())
        .collect::<Vec<_>>()
        .join(", ")
}

fn unavailable(nearest: &[Slot]) -> DomainError {
    DomainError::Conflict {
        code: "slot_unavailable",
        message: if nearest.is_empty() {
            "The time is not free, and no free time is near it".into()
        } else {
            format!("The time is not free; nearest free: {}", slot_text(nearest))
        },
    }
}

/// The calendar from `from` to `to` (at most [`MAX_WINDOW_DAYS`]), all
/// statuses, optionally one rep's.
pub async fn list(
    desk: &BookingDesk<'_>,
    actor: &Actor,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    assigned_to: Option<UserId>,
) -> DomainResult<Vec<Appointment>> {
    actor.require(Permission::ReadLeads)?;
    if to <= from || to - from > Duration::days(MAX_WINDOW_DAYS) {
        let mut e = FieldErrors::new();
        e.add(
            "to",
            format!("must be after `from`, at most {MAX_WINDOW_DAYS} days on"),
        );
        return Err(e.into());
    }
    let mut found = desk
        .stores
        .appointments
        .appointments_between(&actor.tenant, from, to)
        .await?;
    if let Some(rep) = assigned_to {
        found.retain(|a| a.assigned_to == Some(rep));
    }
    Ok(found)
}

/// A lead's appointments, earliest first.
pub async fn of_lead(
    desk: &BookingDesk<'_>,
    actor: &Actor,
    lead: LeadId,
) -> DomainResult<Vec<Appointment>> {
    actor.require(Permission::ReadLeads)?;
    let lead = load_live(desk.stores, &actor.tenant, lead).await?;
    Ok(desk
        .stores
        .appointments
        .appointments_of_lead(&actor.tenant, lead.id)
        .await?)
}

/// Books for a lead (a rep on the phone with the customer).
pub async fn create(
    desk: &BookingDesk<'_>,
    actor: &Actor,
    input: NewAppointment,
    now: DateTime<Utc>,
) -> DomainResult<Appointment> {
    actor.require(Permission::WriteLeads)?;
    let tenant = &actor.tenant;
    let lead = load_live(desk.stores, tenant, input.lead_id).await?;
    let dealership = desk
        .stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .ok_or(crate::error::LEAD_NOT_FOUND)?;
    if let Some(car) = input.vehicle_id
        && desk
            .stores
            .vehicles
            .get_vehicle(tenant, car)
            .await?
            .is_none()
    {
        let mut e = FieldErrors::new();
        e.add("vehicle_id", "no such vehicle in this dealership");
        return Err(e.into());
    }
    if dealership.booking.kind(input.kind).is_none() {
        let mut e = FieldErrors::new();
        e.add(
            "kind",
            "the dealership does not offer this kind of appointment",
        );
        return Err(e.into());
    }
    let request = BookingRequest {
        kind: input.kind,
        start: input.start,
        vehicle_id: input.vehicle_id,
        booked_by: BookedBy::Staff,
    };
    let key = format!(
        "staff:{}:{}:{}",
        lead.id,
        input.kind.as_str(),
        input.start.timestamp()
    );
    match book(desk.stores, tenant, &dealership, &lead, &request, &key, now).await? {
        BookingOutcome::Booked(a) => {
            let trace = format!("appointment:{}", a.id);
            desk.announce(tenant, &dealership, &lead, &a, &trace, now)
                .await
                .map_err(job_failed)?;
            Ok(a)
        }
        BookingOutcome::Unavailable { nearest } => Err(unavailable(&nearest)),
    }
}

/// Moves, cancels, or marks showed / no-show.
pub async fn update(
    desk: &BookingDesk<'_>,
    actor: &Actor,
    id: AppointmentId,
    patch: AppointmentPatch,
    now: DateTime<Utc>,
) -> DomainResult<Appointment> {
    actor.require(Permission::WriteLeads)?;
    let tenant = &actor.tenant;
    let appointment = desk
        .stores
        .appointments
        .get_appointment(tenant, id)
        .await?
        .ok_or(APPOINTMENT_NOT_FOUND)?;
    let what = match (patch.start, patch.status) {
        (Some(start), None) => Change::MoveTo(start),
        (None, Some(AppointmentStatus::Cancelled)) => Change::Cancel,
        (None, Some(AppointmentStatus::Showed)) => Change::MarkShowed,
        (None, Some(AppointmentStatus::NoShow)) => Change::MarkNoShow,
        _ => {
            let mut e = FieldErrors::new();
            e.add(
                "status",
                "give either a new `start` or a status of cancelled, showed or no_show",
            );
            return Err(e.into());
        }
    };
    let dealership = desk
        .stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .ok_or(APPOINTMENT_NOT_FOUND)?;
    match change(desk.stores, tenant, &dealership, &appointment, what, now).await {
        Ok(ChangeOutcome::Changed(next)) => {
            if matches!(what, Change::MarkShowed | Change::MarkNoShow) {
                super::booking::touch_lead(desk.stores, tenant, next.lead_id, now).await?;
            }
            if matches!(what, Change::Cancel | Change::MoveTo(_))
                && let Some(lead) = desk.stores.leads.get_lead(tenant, next.lead_id).await?
                && !lead.is_deleted()
            {
                let trace = format!("appointment:{}:{}", next.id, next.sequence);
                desk.announce(tenant, &dealership, &lead, &next, &trace, now)
                    .await
                    .map_err(job_failed)?;
            }
            Ok(next)
        }
        Ok(ChangeOutcome::Unavailable { nearest }) => Err(unavailable(&nearest)),
        Ok(ChangeOutcome::NotChangeable) => Err(DomainError::Conflict {
            code: "appointment_closed",
            message: "The appointment is cancelled or over and cannot be changed so".into(),
        }),
        Err(crate::ports::StoreError::Conflict) => Err(DomainError::Conflict {
            code: "write_conflict",
            message: "The appointment was changed meanwhile; try again".into(),
        }),
        Err(e) => Err(e.into()),
    }
}
