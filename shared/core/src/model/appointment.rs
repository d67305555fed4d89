//! A booked test drive, viewing or trade-in valuation: who, when, which
//! car, and what became of it. The seats it holds (`booking::seats`) are
//! what keep a slot within its capacity; this record is what the
//! dashboard, the reminders and the analytics read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::booking::slots::AppointmentKind;
use crate::ids::{AppointmentId, DealershipId, LeadId, UserId, VehicleId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    Booked,
    Cancelled,
    /// The customer came.
    Showed,
    /// The customer did not come.
    NoShow,
}

impl AppointmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Showed => "showed",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    /// Whether it still takes its place in the calendar.
    pub fn holds_seats(self) -> bool {
        matches!(self, AppointmentStatus::Booked)
    }
}

/// Who booked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BookedBy {
    /// The customer, on the booking page.
    Customer,
    /// The AI, from a time the customer named in a message.
    Ai,
    /// A person on the team.
    Staff,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Appointment {
    pub id: AppointmentId,
    pub dealership_id: DealershipId,
    pub lead_id: LeadId,
    #[schema(value_type = String, example = "test_drive")]
    pub kind: AppointmentKind,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// A specific car from the inventory, held for the time.
    pub vehicle_id: Option<VehicleId>,
    /// The rep who owns it (the lead's, when it was booked).
    pub assigned_to: Option<UserId>,
    pub status: AppointmentStatus,
    pub booked_by: BookedBy,
    /// The seat claims it holds, given back when it is cancelled or moved.
    #[serde(default)]
    pub seats: Vec<String>,
    /// Raised each time it is moved or cancelled (the `.ics` SEQUENCE).
    #[serde(default)]
    pub sequence: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Bumped on every write; a stale write is refused.
    pub version: u64,
}

impl Appointment {
    /// The Oslo calendar day it starts on (`YYYY-MM-DD`), as stores index it.
    pub fn day(&self) -> String {
        self.start
            .with_timezone(&chrono_tz::Europe::Oslo)
            .format("%Y-%m-%d")
            .to_string()
    }
}
