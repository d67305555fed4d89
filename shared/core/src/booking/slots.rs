//! The times a customer can book: appointment types (test drive, viewing,
//! trade-in valuation) laid over the dealership's opening hours and dated
//! exceptions, in Europe/Oslo, on a half-hour grid, no sooner than the
//! type's lead time. Which of them are still free is the booking store's
//! to say (a conditional write per slot); this is the calendar they come
//! from, and the choice of which to offer.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Europe::Oslo;
use serde::{Deserialize, Serialize};

use super::when::{TimeWish, Wish, oslo_instant};
use crate::ai::opening::intervals;
use crate::model::dealership::{OpeningException, OpeningHours};

/// Appointments start on the hour and the half hour.
const GRID_MINUTES: i64 = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentKind {
    TestDrive,
    Viewing,
    TradeInValuation,
}

impl AppointmentKind {
    /// As stored and on the wire (the serde name).
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentKind::TestDrive => "test_drive",
            AppointmentKind::Viewing => "viewing",
            AppointmentKind::TradeInValuation => "trade_in_valuation",
        }
    }

    /// What the customer and the team read.
    pub fn label(self) -> &'static str {
        match self {
            AppointmentKind::TestDrive => "Prøvekjøring",
            AppointmentKind::Viewing => "Visning",
            AppointmentKind::TradeInValuation => "Innbyttevurdering",
        }
    }
}

/// One kind of appointment as a dealership offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AppointmentType {
    pub kind: AppointmentKind,
    pub duration_minutes: u32,
    /// Appointments of this kind at the same time (cars and people free).
    pub capacity: u32,
    /// How long before an appointment it can still be booked.
    pub lead_minutes: u32,
}

impl AppointmentType {
    /// What a dealership starts with: a 45-minute test drive, two at once,
    /// bookable two hours ahead; a 30-minute viewing, three at once, one
    /// hour ahead; a 30-minute trade-in valuation, one at a time, four
    /// hours ahead (someone has to look the car up first).
    pub fn defaults() -> Vec<Self> {
        vec![
            Self {
                kind: AppointmentKind::TestDrive,
                duration_minutes: 45,
                capacity: 2,
                lead_minutes: 120,
            },
            Self {
                kind: AppointmentKind::Viewing,
                duration_minutes: 30,
                capacity: 3,
                lead_minutes: 60,
            },
            Self {
                kind: AppointmentKind::TradeInValuation,
                duration_minutes: 30,
                capacity: 1,
                lead_minutes: 240,
            },
        ]
    }
}

/// How a dealership takes bookings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BookingSettings {
    /// Customers (and the AI) may book; staff always can.
    pub enabled: bool,
    /// The kinds offered, each with its duration, capacity and lead time.
    pub types: Vec<AppointmentType>,
    /// How many days ahead the booking page and the AI offer times.
    pub horizon_days: u32,
}

impl Default for BookingSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            types: AppointmentType::defaults(),
            horizon_days: 14,
        }
    }
}

impl BookingSettings {
    pub fn kind(&self, kind: AppointmentKind) -> Option<&AppointmentType> {
        self.types.iter().find(|t| t.kind == kind)
    }
}

/// A time an appointment can take place, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// Every slot of `kind` that starts no sooner than its lead time after
/// `now` and ends within opening hours, over the `days` Oslo days from
/// today, in order.
pub fn slots(
    hours: &OpeningHours,
    exceptions: &[OpeningException],
    kind: &AppointmentType,
    now: DateTime<Utc>,
    days: u32,
) -> Vec<Slot> {
    let duration = Duration::minutes(i64::from(kind.duration_minutes));
    let earliest = now + Duration::minutes(i64::from(kind.lead_minutes));
    let today = now.with_timezone(&Oslo).date_naive();
    let mut out = Vec::new();
    for offset in 0..i64::from(days) {
        let date = today + Duration::days(offset);
        for (opens, closes) in intervals(hours, exceptions, date) {
            let mut start = first_on_grid(opens);
            while let Some(s) = start {
                let (end_local, wrapped) = s.overflowing_add_signed(duration);
                // Past closing, or past midnight.
                if wrapped != 0 || end_local > closes {
                    break;
                }
                let begins = oslo_instant(date, s);
                if begins >= earliest {
                    out.push(Slot {
                        start: begins,
                        end: begins + duration,
                    });
                }
                let (next, wrapped) = s.overflowing_add_signed(Duration::minutes(GRID_MINUTES));
                start = (wrapped == 0).then_some(next);
            }
        }
    }
    out
}

/// The first grid time at or after `t`.
fn first_on_grid(t: NaiveTime) -> Option<NaiveTime> {
    let seconds = i64::from(chrono::Timelike::num_seconds_from_midnight(&t));
    let grid = GRID_MINUTES * 60;
    let on_grid = (seconds + grid - 1) / grid * grid;
    NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(on_grid).ok()?, 0)
}

/// Up to `n` of `free` slots to offer for `wish`, best first: for a time
/// on the clock, the free slots nearest to it (the time itself if free);
/// for a part of a day or a whole day, slots an hour apart across it; and
/// when nothing fits, the free slots nearest to what was asked.
pub fn offer(free: &[Slot], wish: &Wish, n: usize) -> Vec<Slot> {
    let target = match wish.time {
        TimeWish::At(_) | TimeWish::Between(..) => wish.earliest(),
        TimeWish::Any => wish.earliest() + Duration::hours(12),
    };
    let nearest = |mut slots: Vec<Slot>| {
        slots.sort_by_key(|s| ((s.start - target).num_minutes().abs(), s.start));
        slots.truncate(n);
        slots
    };
    let fitting: Vec<Slot> = free
        .iter()
        .copied()
        .filter(|s| wish.fits(s.start))
        .collect();
    match wish.time {
        _ if fitting.is_empty() => nearest(free.to_vec()),
        TimeWish::At(_) => nearest(fitting),
        TimeWish::Between(..) | TimeWish::Any => {
            let mut picked: Vec<Slot> = Vec::new();
            for s in fitting {
                if picked
                    .last()
                    .is_none_or(|p| s.start - p.start >= Duration::hours(1))
                {
                    picked.push(s);
                }
                if picked.len() == n {
                    break;
                }
            }
            picked
        }
    }
}

#[cfg(test)]
mod tests;
