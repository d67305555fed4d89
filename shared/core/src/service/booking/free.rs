//! Which of the calendar's slots are still free: the slots the opening
//! hours allow ([`slots`]) less those whose half-hour cells are full of
//! booked appointments of the same kind, or whose chosen car is out. The
//! same count the seats enforce at booking, read from the appointments.

use chrono::{DateTime, Duration, Utc};

use crate::booking::slots::{AppointmentKind, AppointmentType, Slot, slots};
use crate::ids::{AppointmentId, VehicleId};
use crate::model::{Appointment, Dealership};
use crate::ports::{StoreResult, Stores};
use crate::tenancy::TenantId;

const CELL_MINUTES: i64 = 30;

/// The half-hour cells `[start, end)` covers.
fn cells(start: DateTime<Utc>, end: DateTime<Utc>) -> Vec<i64> {
    let cell = CELL_MINUTES * 60;
    let first = start.timestamp().div_euclid(cell);
    let last = (end.timestamp() - 1).div_euclid(cell);
    (first..=last).collect()
}

/// The slots of `all` that a new appointment of `kind` (with `vehicle`)
/// still fits in, given what is `booked`.
pub fn still_free(
    all: Vec<Slot>,
    kind: &AppointmentType,
    booked: &[Appointment],
    vehicle: Option<VehicleId>,
) -> Vec<Slot> {
    let holding: Vec<&Appointment> = booked.iter().filter(|a| a.status.holds_seats()).collect();
    all.into_iter()
        .filter(|slot| {
            cells(slot.start, slot.end).into_iter().all(|cell| {
                let covers = |a: &&&Appointment| cells(a.start, a.end).contains(&cell);
                let same_kind = holding
                    .iter()
                    .filter(|a| a.kind == kind.kind)
                    .filter(covers)
                    .count();
                let car_out = vehicle.is_some_and(|car| {
                    holding
                        .iter()
                        .filter(|a| a.vehicle_id == Some(car))
                        .any(|a| covers(&a))
                });
                same_kind < kind.capacity.max(1) as usize && !car_out
            })
        })
        .collect()
}

/// The free slots of `kind` from now over the dealership's horizon; an
/// appointment being moved (`except`) does not count against itself.
pub async fn free_slots(
    stores: &Stores,
    tenant: &TenantId,
    dealership: &Dealership,
    kind: AppointmentKind,
    vehicle: Option<VehicleId>,
    except: Option<AppointmentId>,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Slot>> {
    let Some(kind) = dealership.booking.kind(kind) else {
        return Ok(Vec::new());
    };
    let days = dealership.booking.horizon_days;
    let all = slots(
        &dealership.opening_hours,
        &dealership.opening_exceptions,
        kind,
        now,
        days,
    );
    let Some(last) = all.last() else {
        return Ok(all);
    };
    let mut booked = stores
        .appointments
        .appointments_between(tenant, now - Duration::hours(4), last.end)
        .await?;
    booked.retain(|a| Some(a.id) != except);
    Ok(still_free(all, kind, &booked, vehicle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DealershipId, LeadId};
    use crate::model::{AppointmentStatus, BookedBy};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn slot(start: &str, minutes: i64) -> Slot {
        Slot {
            start: at(start),
            end: at(start) + Duration::minutes(minutes),
        }
    }

    fn booked(start: &str, car: Option<VehicleId>, status: AppointmentStatus) -> Appointment {
        Appointment {
            id: AppointmentId::new_at(at(start)),
            dealership_id: DealershipId::new_at(at(start)),
            lead_id: LeadId::new_at(at(start)),
            kind: AppointmentKind::TestDrive,
            start: at(start),
            end: at(start) + Duration::minutes(45),
            vehicle_id: car,
            assigned_to: None,
            status,
            booked_by: BookedBy::Customer,
            seats: Vec::new(),
            sequence: 0,
            created_at: at(start),
            updated_at: at(start),
            version: 1,
        }
    }

    #[test]
    fn a_full_cell_takes_every_slot_that_covers_it() {
        let kind = AppointmentType {
            kind: AppointmentKind::TestDrive,
            duration_minutes: 45,
            capacity: 2,
            lead_minutes: 0,
        };
        let all = vec![
            slot("2026-12-10T10:00:00Z", 45),
            slot("2026-12-10T10:30:00Z", 45),
            slot("2026-12-10T11:00:00Z", 45),
            slot("2026-12-10T12:00:00Z", 45),
        ];
        let car = VehicleId::new_at(at("2026-12-01T00:00:00Z"));
        let appointments = [
            booked("2026-12-10T11:00:00Z", None, AppointmentStatus::Booked),
            booked("2026-12-10T11:00:00Z", Some(car), AppointmentStatus::Booked),
            // Cancelled ones give their seats back.
            booked("2026-12-10T10:00:00Z", None, AppointmentStatus::Cancelled),
        ];
        let free = still_free(all.clone(), &kind, &appointments, None);
        // 10:30–11:15 and 11:00–11:45 share the full 11:00 cell.
        assert_eq!(free, [all[0], all[3]]);
        // The car is out from 11:00 to 11:45, whatever the seats.
        let more = AppointmentType {
            capacity: 5,
            ..kind
        };
        let with_car = still_free(all.clone(), &more, &appointments, Some(car));
        assert_eq!(with_car, [all[0], all[3]]);
        assert_eq!(still_free(all.clone(), &more, &appointments, None), all);
    }
}
