//! Analytics roll-ups: one record per dealership per Oslo day, computed
//! from the leads created that day (a cohort) and their conversations. A
//! day is always recomputed whole, so the job is idempotent and can rebuild
//! any day; the API only ever reads roll-ups, never raw leads.

//!
//! [`rollup`] computes a day, [`summary`] merges days into what the API
//! returns, [`series`] draws one metric over days or weeks.

mod rollup;
mod series;
mod summary;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Oslo;

use crate::automation::quiet::oslo_instant;

pub use rollup::{
    BookingCounts, CohortLead, DailyRollup, Funnel, ModelPrices, Prices, RepDay, RollupCursor,
    TargetCounts,
};
pub use series::{Granularity, Point, SeriesMetric, timeseries};
pub use summary::{
    AiUse, BookingSummary, Conversion, FirstResponse, RepSummary, SmsUse, SourceBookings,
    SourceConversion, SourceTargets, Summary, TargetSummary, summarise,
};

/// The answer time Norvalt promises dealers (docs/architecture.md): the
/// share answered within it counts.
pub const FAST_ANSWER_SECS: u32 = 90;

/// The Oslo day an instant falls on.
pub fn oslo_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Oslo).date_naive()
}

/// The UTC span of an Oslo day (23, 24 or 25 hours long).
pub fn day_span(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = chrono::NaiveTime::MIN;
    (
        oslo_instant(day, midnight),
        oslo_instant(day + Duration::days(1), midnight),
    )
}

pub(super) fn secs_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    (to - from).num_seconds().clamp(0, i64::from(u32::MAX)) as u32
}

pub(super) fn round_cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The median and 90th percentile (nearest rank) of `values`.
pub fn percentiles(values: &mut [u32]) -> (Option<u32>, Option<u32>) {
    if values.is_empty() {
        return (None, None);
    }
    values.sort_unstable();
    let rank = |p: f64| {
        let r = (p * values.len() as f64).ceil() as usize;
        values[r.clamp(1, values.len()) - 1]
    };
    (Some(rank(0.5)), Some(rank(0.9)))
}

pub(super) fn ratio(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| round4(f64::from(part) / f64::from(whole)))
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v = vec![40, 10, 30, 20, 100, 50, 60, 70, 80, 90];
        assert_eq!(percentiles(&mut v), (Some(50), Some(90)));
        assert_eq!(percentiles(&mut [7]), (Some(7), Some(7)));
        assert_eq!(percentiles(&mut []), (None, None));
    }

    #[test]
    fn oslo_days_are_23_24_or_25_hours() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let hours = |day| {
            let (a, b) = day_span(day);
            (b - a).num_hours()
        };
        assert_eq!(hours(d(3, 29)), 23);
        assert_eq!(hours(d(10, 25)), 25);
        assert_eq!(hours(d(11, 25)), 24);
        let (start, _) = day_span(d(11, 25));
        assert_eq!(start.to_rfc3339(), "2026-11-24T23:00:00+00:00");
    }

    #[test]
    fn weeks_start_on_monday_and_empty_periods_count() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let r = DailyRollup {
            day: Some(d(11, 25)),
            leads: 3,
            ..Default::default()
        };
        let points = timeseries(
            &[r],
            SeriesMetric::Leads,
            Granularity::Week,
            d(11, 16),
            d(11, 29),
        );
        assert_eq!(
            points,
            [
                Point {
                    period: d(11, 16),
                    value: Some(0.0)
                },
                Point {
                    period: d(11, 23),
                    value: Some(3.0)
                },
            ]
        );
    }
}
