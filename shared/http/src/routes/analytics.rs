//! `api-analytics`: the dealership's numbers, read from the daily roll-ups
//! the `analytics-rollup` job keeps (never from raw leads).

use axum::extract::State;
use axum::{Json, Router};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::analytics::{Granularity, SeriesMetric, Summary};
use norvalt_core::service::analytics::{self, Series};
use norvalt_core::time;

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

/// The resource's routes with their OpenAPI operations: each route is
/// registered from its handler's `#[utoipa::path]`, so none can be served
/// without being documented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(summary))
        .routes(routes!(timeseries))
}

pub fn router() -> Router<AppState> {
    routes().into()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// First Oslo day (`YYYY-MM-DD`), inclusive; default 29 days before `to`.
    #[param(value_type = Option<String>)]
    from: Option<NaiveDate>,
    /// Last Oslo day, inclusive; default today.
    #[param(value_type = Option<String>)]
    to: Option<NaiveDate>,
}

/// Leads by source, first-response times, the share answered within 90 s,
/// conversion by source, the status funnel, each rep, AI and SMS use.
#[utoipa::path(get, path = "/api/analytics/summary", tag = "analytics", params(RangeParams),
    responses((status = 200, body = Summary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn summary(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<RangeParams>,
) -> Result<Json<Summary>, ApiError> {
    Ok(Json(
        analytics::summary(&state.stores, &actor, p.from, p.to, time::now()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SeriesParams {
    metric: SeriesMetric,
    /// `day` (default) or `week` (weeks start on Monday).
    granularity: Option<Granularity>,
    #[param(value_type = Option<String>)]
    from: Option<NaiveDate>,
    #[param(value_type = Option<String>)]
    to: Option<NaiveDate>,
}

/// One metric per day or week, empty periods included.
#[utoipa::path(get, path = "/api/analytics/timeseries", tag = "analytics", params(SeriesParams),
    responses((status = 200, body = Series), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn timeseries(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<SeriesParams>,
) -> Result<Json<Series>, ApiError> {
    Ok(Json(
        analytics::timeseries(
            &state.stores,
            &actor,
            p.metric,
            p.granularity.unwrap_or(Granularity::Day),
            p.from,
            p.to,
            time::now(),
        )
        .await?,
    ))
}
