//! Booking: a test drive, viewing or trade-in valuation for a lead, at a
//! time the calendar offers and that still has a seat. Booking is
//! idempotent by the caller's key (a redelivered AI turn, a double-clicked
//! booking page), and never beyond a slot's capacity: the seats
//! (`booking::seats`) are conditional writes on both adapters. Moving and
//! cancelling give seats back and raise the appointment's sequence, so the
//! customer's calendar updates the event it has.

pub mod confirm;
pub mod customer;
pub mod free;
pub mod reminders;

use chrono::{DateTime, Utc};

use crate::booking::seats::{self, Hold};
use crate::booking::slots::{AppointmentKind, Slot, offer};
use crate::booking::when::{Days, TimeWish, Wish};
use crate::ids::{AppointmentId, VehicleId};
use crate::model::{Appointment, AppointmentStatus, BookedBy, Dealership, Lead};
use crate::outbound::ClaimRecord;
use crate::ports::{StoreError, StoreResult, Stores};
use crate::tenancy::TenantId;

/// What is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct BookingRequest {
    pub kind: AppointmentKind,
    pub start: DateTime<Utc>,
    pub vehicle_id: Option<VehicleId>,
    pub booked_by: BookedBy,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BookingOutcome {
    Booked(Appointment),
    /// Taken, or not a time the calendar offers: the nearest free times.
    Unavailable {
        nearest: Vec<Slot>,
    },
}

/// Up to three free slots nearest to `start` (the same day first).
pub fn nearest_to(free: &[Slot], start: DateTime<Utc>) -> Vec<Slot> {
    let local = start.with_timezone(&chrono_tz::Europe::Oslo);
    let wish = Wish {
        date: local.date_naive(),
        days: Days::One,
        time: TimeWish::At(local.time()),
    };
    offer(free, &wish, 3)
}

/// Books `request` for `lead` unless the time is taken; `key` makes a
/// repeat of the same booking return the first one.
pub async fn book(
    stores: &Stores,
    tenant: &TenantId,
    dealership: &Dealership,
    lead: &Lead,
    request: &BookingRequest,
    key: &str,
    now: DateTime<Utc>,
) -> StoreResult<BookingOutcome> {
    let claim_key = format!("booking:{key}");
    let mine = ClaimRecord::new(&claim_key, AppointmentId::new_at(now).to_string(), now);
    let mut mine = mine;
    let id: AppointmentId = match stores.claims.claim(tenant, &mine).await? {
        None => mine.value.parse().expect("just written"),
        Some(earlier) => {
            let id: AppointmentId = earlier
                .value
                .parse()
                .map_err(|_| StoreError::Backend(format!("claim {claim_key} holds no id")))?;
            match stores.appointments.get_appointment(tenant, id).await? {
                // Cancelled since: the same time may be booked anew.
                Some(done) if done.status == AppointmentStatus::Cancelled => {
                    stores
                        .claims
                        .release_claim(tenant, &claim_key, earlier.claimed_at)
                        .await?;
                    if stores.claims.claim(tenant, &mine).await?.is_some() {
                        return Err(StoreError::Conflict);
                    }
                    mine.value.parse().expect("just written")
                }
                Some(done) => return Ok(BookingOutcome::Booked(done)),
                // The earlier booking stopped before storing: finish it.
                None => {
                    mine = earlier;
                    id
                }
            }
        }
    };
    let free = free::free_slots(
        stores,
        tenant,
        dealership,
        request.kind,
        request.vehicle_id,
        None,
        now,
    )
    .await?;
    let unavailable = || BookingOutcome::Unavailable {
        nearest: nearest_to(&free, request.start),
    };
    let (Some(kind), Some(slot)) = (
        dealership.booking.kind(request.kind),
        free.iter().find(|s| s.start == request.start).copied(),
    ) else {
        forget(stores, tenant, &claim_key, &mine).await?;
        return Ok(unavailable());
    };
    let held = seats::hold(
        stores,
        tenant,
        kind,
        &slot,
        request.vehicle_id,
        &id.to_string(),
        now,
    )
    .await?;
    let Hold::Held(seats) = held else {
        // Someone else took the last seat since the calendar was read.
        forget(stores, tenant, &claim_key, &mine).await?;
        let free = free::free_slots(
            stores,
            tenant,
            dealership,
            request.kind,
            request.vehicle_id,
            None,
            now,
        )
        .await?;
        return Ok(BookingOutcome::Unavailable {
            nearest: nearest_to(&free, request.start),
        });
    };
    let appointment = Appointment {
        id,
        dealership_id: tenant.dealership_id(),
        lead_id: lead.id,
        kind: request.kind,
        start: slot.start,
        end: slot.end,
        vehicle_id: request.vehicle_id,
        assigned_to: lead.assigned_to,
        status: AppointmentStatus::Booked,
        booked_by: request.booked_by,
        seats,
        sequence: 0,
        created_at: now,
        updated_at: now,
        version: 1,
    };
    match stores
        .appointments
        .insert_appointment(tenant, &appointment)
        .await
    {
        Ok(()) => {}
        Err(StoreError::Conflict) => {}
        Err(e) => return Err(e),
    }
    let stored = stores
        .appointments
        .get_appointment(tenant, id)
        .await?
        .unwrap_or(appointment);
    crate::outbound::claims::mark_done(stores, tenant, &mine, now).await?;
    Ok(BookingOutcome::Booked(stored))
}

/// Lets a booking key go when nothing was booked under it, so the same
/// request may be tried again later.
async fn forget(
    stores: &Stores,
    tenant: &TenantId,
    key: &str,
    mine: &ClaimRecord,
) -> StoreResult<()> {
    stores
        .claims
        .release_claim(tenant, key, mine.claimed_at)
        .await
}

/// What a person (or the customer's cancel link) does to an appointment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    Cancel,
    MarkShowed,
    MarkNoShow,
    /// To another free time of the same kind.
    MoveTo(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ChangeOutcome {
    Changed(Appointment),
    /// The new time is taken: the nearest free ones.
    Unavailable {
        nearest: Vec<Slot>,
    },
    /// Cancelled or over: it cannot be changed like that.
    NotChangeable,
}

/// Applies `change`; a cancelled or moved appointment gives its seats back
/// and raises its sequence.
pub async fn change(
    stores: &Stores,
    tenant: &TenantId,
    dealership: &Dealership,
    appointment: &Appointment,
    change: Change,
    now: DateTime<Utc>,
) -> StoreResult<ChangeOutcome> {
    let mut next = appointment.clone();
    let id = appointment.id.to_string();
    match change {
        Change::Cancel => {
            if appointment.status != AppointmentStatus::Booked {
                return Ok(ChangeOutcome::NotChangeable);
            }
            next.status = AppointmentStatus::Cancelled;
            next.sequence += 1;
        }
        Change::MarkShowed | Change::MarkNoShow => {
            if appointment.status == AppointmentStatus::Cancelled {
                return Ok(ChangeOutcome::NotChangeable);
            }
            next.status = if change == Change::MarkShowed {
                AppointmentStatus::Showed
            } else {
                AppointmentStatus::NoShow
            };
        }
        Change::MoveTo(start) => {
            if appointment.status != AppointmentStatus::Booked {
                return Ok(ChangeOutcome::NotChangeable);
            }
            let free = free::free_slots(
                stores,
                tenant,
                dealership,
                appointment.kind,
                appointment.vehicle_id,
                Some(appointment.id),
                now,
            )
            .await?;
            let Some(kind) = dealership.booking.kind(appointment.kind) else {
                return Ok(ChangeOutcome::NotChangeable);
            };
            // Its own seats count against it while it moves within its
            // cells; the conditional writes settle any overlap.
            let slot = match free.iter().find(|s| s.start == start) {
                Some(s) => *s,
                None => {
                    return Ok(ChangeOutcome::Unavailable {
                        nearest: nearest_to(&free, start),
                    });
                }
            };
            let Hold::Held(seats) = seats::hold(
                stores,
                tenant,
                kind,
                &slot,
                appointment.vehicle_id,
                &id,
                now,
            )
            .await?
            else {
                return Ok(ChangeOutcome::Unavailable {
                    nearest: nearest_to(&free, start),
                });
            };
            let old: Vec<String> = appointment
                .seats
                .iter()
                .filter(|k| !seats.contains(k))
                .cloned()
                .collect();
            seats::release(stores, tenant, &old, &id).await?;
            next.start = slot.start;
            next.end = slot.end;
            next.seats = seats;
            next.sequence += 1;
        }
    }
    next.version += 1;
    next.updated_at = now;
    stores
        .appointments
        .update_appointment(tenant, &next)
        .await?;
    if change == Change::Cancel {
        seats::release(stores, tenant, &appointment.seats, &id).await?;
    }
    Ok(ChangeOutcome::Changed(next))
}

/// Marks the lead as changed when its appointments did, so the analytics
/// roll-up (which recomputes the days whose leads changed) counts them.
pub async fn touch_lead(
    stores: &Stores,
    tenant: &TenantId,
    lead: crate::ids::LeadId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    match super::lead_records::modify(stores, tenant, lead, now, |_| Ok(())).await {
        Ok(_) | Err(crate::error::DomainError::NotFound { .. }) => Ok(()),
        Err(crate::error::DomainError::Store(e)) => Err(e),
        Err(e) => Err(StoreError::Backend(e.to_string())),
    }
}
