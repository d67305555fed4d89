//! `GET /api/analytics/timeseries`: one metric by day or ISO week.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rollup::DailyRollup;
use super::summary::summarise;

/// The metrics `GET /api/analytics/timeseries` can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesMetric {
    Leads,
    Won,
    ConversionRate,
    FirstResponseMedianSecs,
    Within90sShare,
    AiFallbackRate,
    AiTokens,
    SmsSegments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    /// ISO weeks, starting Monday.
    Week,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Point {
    /// The day, or the Monday of the week.
    #[schema(value_type = String)]
    pub period: NaiveDate,
    pub value: Option<f64>,
}

/// One point per day or week of `from..=to`, empty periods included.
pub fn timeseries(
    rollups: &[DailyRollup],
    metric: SeriesMetric,
    granularity: Granularity,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Point> {
    let start_of = |d: NaiveDate| match granularity {
        Granularity::Day => d,
        Granularity::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
    };
    let mut periods: BTreeMap<NaiveDate, Vec<DailyRollup>> = BTreeMap::new();
    let mut d = start_of(from);
    while d <= to {
        periods.entry(d).or_default();
        d += match granularity {
            Granularity::Day => Duration::days(1),
            Granularity::Week => Duration::days(7),
        };
    }
    for r in rollups {
        if let Some(day) = r.day {
            periods.entry(start_of(day)).or_default().push(r.clone());
        }
    }
    periods
        .into_iter()
        .map(|(period, days)| {
            let s = summarise(&days, period, period, &[]);
            let value = match metric {
                SeriesMetric::Leads => Some(f64::from(s.leads)),
                SeriesMetric::Won => Some(f64::from(s.conversion.won)),
                SeriesMetric::ConversionRate => s.conversion.rate,
                SeriesMetric::FirstResponseMedianSecs => {
                    s.first_response.median_secs.map(f64::from)
                }
                SeriesMetric::Within90sShare => s.first_response.within_90s_share,
                SeriesMetric::AiFallbackRate => s.ai.fallback_rate,
                SeriesMetric::AiTokens => Some(s.ai.tokens as f64),
                SeriesMetric::SmsSegments => Some(f64::from(s.sms.segments)),
            };
            Point { period, value }
        })
        .collect()
}
