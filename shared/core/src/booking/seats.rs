//! Holding a place in the calendar so that no slot is ever booked beyond
//! its capacity, however many customers (or deliveries of the same job)
//! try at once. The calendar is cut into half-hour cells; an appointment
//! takes one seat in every cell it covers (a 45-minute test drive at 12:00
//! sits in 12:00 and 12:30), and a chosen car its own cell too. Each seat is
//! a conditional write of a claim record (`seat:…`, `car:…`), which both
//! storage adapters make atomically: a write that finds the key taken
//! writes nothing. A hold that cannot get every cell gives back what it
//! took, so a race can leave both contenders without the slot, never both
//! with it.

use chrono::{DateTime, Duration, Utc};

use super::slots::{AppointmentType, Slot};
use crate::ids::VehicleId;
use crate::outbound::{ClaimRecord, ClaimState};
use crate::ports::{StoreResult, Stores};
use crate::tenancy::TenantId;

/// The calendar's cell, as the slots' grid.
const CELL_MINUTES: i64 = 30;

/// What a hold came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hold {
    /// The appointment has its seats: the claim keys, to give back when it
    /// is cancelled or moved.
    Held(Vec<String>),
    /// Every seat of some cell is taken (or the car is): offer other times.
    Full,
}

/// Takes a seat in every cell `slot` covers, and the car's cell when a car
/// was chosen, for `appointment` (its id). Holding again for the same
/// appointment (a redelivered job) finds its own seats and takes no more.
pub async fn hold(
    stores: &Stores,
    tenant: &TenantId,
    kind: &AppointmentType,
    slot: &Slot,
    vehicle: Option<VehicleId>,
    appointment: &str,
    now: DateTime<Utc>,
) -> StoreResult<Hold> {
    let mut taken: Vec<String> = Vec::new();
    for cell in cells(slot) {
        let seat = (0..kind.capacity.max(1))
            .map(|n| format!("seat:{}:{}:{n}", kind.kind.as_str(), cell_key(cell)));
        let mut got = None;
        for key in seat {
            if take(stores, tenant, &key, appointment, now).await? {
                got = Some(key);
                break;
            }
        }
        match got {
            Some(key) => taken.push(key),
            None => return give_back(stores, tenant, taken, appointment).await,
        }
        if let Some(car) = vehicle {
            let key = format!("car:{car}:{}", cell_key(cell));
            if !take(stores, tenant, &key, appointment, now).await? {
                return give_back(stores, tenant, taken, appointment).await;
            }
            taken.push(key);
        }
    }
    Ok(Hold::Held(taken))
}

/// Gives the seats of a cancelled or moved appointment back.
pub async fn release(
    stores: &Stores,
    tenant: &TenantId,
    keys: &[String],
    appointment: &str,
) -> StoreResult<()> {
    for key in keys {
        if let Some(claim) = stores.claims.get_claim(tenant, key).await?
            && claim.value == appointment
        {
            stores
                .claims
                .release_claim(tenant, key, claim.claimed_at)
                .await?;
        }
    }
    Ok(())
}

async fn give_back(
    stores: &Stores,
    tenant: &TenantId,
    taken: Vec<String>,
    appointment: &str,
) -> StoreResult<Hold> {
    release(stores, tenant, &taken, appointment).await?;
    Ok(Hold::Full)
}

/// Writes the seat's claim unless it exists; `true` when the seat is this
/// appointment's (newly, or from an earlier delivery).
async fn take(
    stores: &Stores,
    tenant: &TenantId,
    key: &str,
    appointment: &str,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut record = ClaimRecord::new(key, appointment, now);
    record.state = ClaimState::Done;
    Ok(match stores.claims.claim(tenant, &record).await? {
        None => true,
        Some(existing) => existing.value == appointment,
    })
}

/// The half-hour cells a slot covers: from the cell it starts in to the
/// one it ends in (an end on a cell boundary does not take that cell).
fn cells(slot: &Slot) -> Vec<DateTime<Utc>> {
    let step = Duration::minutes(CELL_MINUTES);
    let first = floor_to_cell(slot.start);
    let mut out = Vec::new();
    let mut cell = first;
    while cell < slot.end {
        out.push(cell);
        cell += step;
    }
    out
}

fn floor_to_cell(t: DateTime<Utc>) -> DateTime<Utc> {
    let secs = t.timestamp();
    let cell = CELL_MINUTES * 60;
    DateTime::from_timestamp(secs - secs.rem_euclid(cell), 0).unwrap_or(t)
}

fn cell_key(cell: DateTime<Utc>) -> String {
    cell.format("%Y%m%dT%H%MZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(rfc: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(rfc).unwrap().to_utc()
    }

    #[test]
    fn a_slot_covers_the_cells_it_overlaps() {
        let slot = |start: &str, minutes| Slot {
            start: at(start),
            end: at(start) + Duration::minutes(minutes),
        };
        let keys = |s: &Slot| cells(s).into_iter().map(cell_key).collect::<Vec<_>>();
        assert_eq!(
            keys(&slot("2026-12-10T11:00:00Z", 45)),
            ["20261210T1100Z", "20261210T1130Z"]
        );
        assert_eq!(keys(&slot("2026-12-10T11:00:00Z", 30)), ["20261210T1100Z"]);
        assert_eq!(
            keys(&slot("2026-12-10T11:15:00Z", 30)),
            ["20261210T1100Z", "20261210T1130Z"]
        );
    }
}
