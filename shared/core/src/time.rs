//! Time in storage and on the wire is UTC RFC 3339; people see Europe/Oslo.

use chrono::{DateTime, SecondsFormat, Timelike, Utc};

/// The dealerships' time zone.
pub const OSLO: &str = "Europe/Oslo";

/// Now, truncated to milliseconds so that a stored and re-read time compares equal
/// and the id minted from it embeds the same instant.
pub fn now() -> DateTime<Utc> {
    truncate_to_millis(Utc::now())
}

pub fn truncate_to_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    let millis = t.nanosecond() / 1_000_000 * 1_000_000;
    t.with_nanosecond(millis).unwrap_or(t)
}

/// Fixed-width RFC 3339 (`2026-11-25T07:36:39.120Z`): sorts lexicographically,
/// which both adapters rely on for `created_after`/`created_before`.
pub fn sortable(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A span of whole days (configuration reads days).
pub fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_form_is_fixed_width() {
        let whole = DateTime::parse_from_rfc3339("2026-03-29T01:00:00Z")
            .unwrap()
            .to_utc();
        let frac = DateTime::parse_from_rfc3339("2026-03-29T01:00:00.5Z")
            .unwrap()
            .to_utc();
        assert_eq!(sortable(&whole), "2026-03-29T01:00:00.000Z");
        assert!(sortable(&whole) < sortable(&frac));
    }
}
