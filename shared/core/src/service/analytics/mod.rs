//! The analytics API: it answers from the daily roll-ups alone, which the
//! [`job`] keeps up to date.

mod job;

pub use job::{RollupJob, RollupReport, prices};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

use crate::analytics::{self, DailyRollup, Granularity, Point, SeriesMetric, Summary, oslo_day};
use crate::error::DomainResult;
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::validation::FieldErrors;

/// The longest range one request may cover.
pub const MAX_RANGE_DAYS: i64 = 731;

/// The range a request asks for: the last 30 days by default.
fn range(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, NaiveDate), FieldErrors> {
    let to = to.unwrap_or_else(|| oslo_day(now));
    let from = from.unwrap_or(to - Duration::days(29));
    if from > to {
        return Err(FieldErrors::single("from", "must not be after to"));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(FieldErrors::single(
            "from",
            format!("a range is at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok((from, to))
}

/// The actor's roll-ups of the requested range, and the range.
async fn load(
    stores: &Stores,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DomainResult<(Vec<DailyRollup>, NaiveDate, NaiveDate)> {
    actor.require(Permission::ReadAnalytics)?;
    let (from, to) = range(from, to, now)?;
    let rollups = stores
        .analytics
        .list_rollups(&actor.tenant, from, to)
        .await?;
    Ok((rollups, from, to))
}

/// `GET /api/analytics/summary`.
pub async fn summary(
    stores: &Stores,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DomainResult<Summary> {
    let (rollups, from, to) = load(stores, actor, from, to, now).await?;
    let users = stores.users.list_users(&actor.tenant).await?;
    Ok(analytics::summarise(&rollups, from, to, &users))
}

/// `GET /api/analytics/timeseries`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Series {
    pub metric: SeriesMetric,
    pub granularity: Granularity,
    pub points: Vec<Point>,
}

pub async fn timeseries(
    stores: &Stores,
    actor: &Actor,
    metric: SeriesMetric,
    granularity: Granularity,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> DomainResult<Series> {
    let (rollups, from, to) = load(stores, actor, from, to, now).await?;
    Ok(Series {
        metric,
        granularity,
        points: analytics::timeseries(&rollups, metric, granularity, from, to),
    })
}
