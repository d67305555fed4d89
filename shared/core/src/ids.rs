//! Typed UUIDv7 ids. A v7 id carries its creation time in its first 48 bits,
//! so sorting ids sorts records by age: both storage adapters page newest-first
//! on the id alone.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_v7_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(Uuid);

        impl $name {
            /// A new id whose embedded timestamp is `at` (millisecond precision).
            pub fn new_at(at: DateTime<Utc>) -> Self {
                let ts = uuid::Timestamp::from_unix(
                    uuid::NoContext,
                    at.timestamp() as u64,
                    at.timestamp_subsec_nanos(),
                );
                Self(Uuid::new_v7(ts))
            }

            /// The smallest id minted at `at`'s millisecond: a bound for a key
            /// range of records by creation time.
            pub fn first_at(at: DateTime<Utc>) -> Self {
                let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
                Self(uuid::Builder::from_unix_timestamp_millis(millis, &[0; 10]).into_uuid())
            }

            /// When the id was minted (millisecond precision).
            pub fn minted_at(&self) -> Option<DateTime<Utc>> {
                let (secs, nanos) = self.0.get_timestamp()?.to_unix();
                DateTime::from_timestamp(secs as i64, nanos)
            }

            pub fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

uuid_v7_id!(
    /// A dealership; also the tenant key of everything it owns.
    DealershipId
);
uuid_v7_id!(
    /// A member of a dealership's team.
    UserId
);
uuid_v7_id!(
    /// A lead (one customer enquiry).
    LeadId
);
uuid_v7_id!(
    /// One message in a lead's conversation.
    MessageId
);
uuid_v7_id!(
    /// A vehicle in a dealership's inventory.
    VehicleId
);
uuid_v7_id!(
    /// An automation rule.
    RuleId
);
uuid_v7_id!(
    /// A booked test drive, viewing or trade-in valuation.
    AppointmentId
);
uuid_v7_id!(
    /// An entry in a dealership's audit log.
    AuditId
);
uuid_v7_id!(
    /// A tag in a dealership's list ("Prøvekjøring", "Innbytte").
    TagId
);
uuid_v7_id!(
    /// A canned reply managers write for the team.
    CannedReplyId
);
uuid_v7_id!(
    /// A saved inbox view (a user's own, or the dealership's shared one).
    ViewId
);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn ids_sort_by_creation_time() {
        let early = LeadId::new_at(Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap());
        let late = LeadId::new_at(Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 1).unwrap());
        assert!(early < late);
        assert!(early.to_string() < late.to_string());
        assert_eq!(early.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn first_at_bounds_every_id_of_its_millisecond() {
        let t = Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 59).unwrap()
            + chrono::Duration::microseconds(999_500);
        let next_ms = t + chrono::Duration::microseconds(500);
        for _ in 0..100 {
            let id = LeadId::new_at(t);
            assert!(LeadId::first_at(t) <= id);
            assert!(id < LeadId::first_at(next_ms));
            assert!(LeadId::first_at(t).to_string() <= id.to_string());
            assert!(id.to_string() < LeadId::first_at(next_ms).to_string());
        }
        assert_eq!(
            LeadId::new_at(t).minted_at(),
            Some(t - chrono::Duration::microseconds(500))
        );
    }
}
