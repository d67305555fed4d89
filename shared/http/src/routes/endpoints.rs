//! `/api/webhooks` (admin): the dealership's outbound webhook endpoints,
//! their delivery log and "send again". Part of `api-account`; it writes
//! signing secrets and puts resends on the events queue, so it has a state
//! of its own.

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::integrations::webhooks::WebhookDelivery;
use norvalt_core::service::integrations::endpoints::{
    self, DeliveryList, EndpointList, EndpointPatch, EndpointServices, EndpointView, NewEndpoint,
};
use norvalt_core::time;

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, JsonBody};
use crate::state::AppState;

#[derive(Clone)]
pub struct EndpointsState {
    pub app: AppState,
    pub services: EndpointServices,
}

impl FromRef<EndpointsState> for AppState {
    fn from_ref(state: &EndpointsState) -> AppState {
        state.app.clone()
    }
}

/// The resource's routes with their OpenAPI operations.
pub fn routes() -> OpenApiRouter<EndpointsState> {
    OpenApiRouter::new()
        .routes(routes!(list_endpoints, create_endpoint))
        .routes(routes!(update_endpoint, delete_endpoint))
        .routes(routes!(list_deliveries))
        .routes(routes!(resend_delivery))
}

pub fn router(state: EndpointsState) -> Router {
    Router::from(routes()).with_state(state)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeliveryParams {
    /// 1–100, default 50.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The dealership's webhook endpoints (admin); secrets are never listed.
#[utoipa::path(get, path = "/api/webhooks", tag = "account",
    responses((status = 200, body = EndpointList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_endpoints(
    State(state): State<EndpointsState>,
    Auth(actor): Auth,
) -> Result<Json<EndpointList>, ApiError> {
    Ok(Json(endpoints::list(&state.app.stores, &actor).await?))
}

/// Add an endpoint (admin): its signing secret (`whsec_…`) is in this
/// answer only.
#[utoipa::path(post, path = "/api/webhooks", tag = "account", request_body = NewEndpoint,
    responses((status = 201, body = EndpointView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create_endpoint(
    State(state): State<EndpointsState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<NewEndpoint>,
) -> Result<impl IntoResponse, ApiError> {
    let view = endpoints::create(&state.services, &actor, input, time::now()).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Change an endpoint: its URL, its events, on or off, or a new secret
/// (shown once; the old one signs beside it for 24 hours).
#[utoipa::path(patch, path = "/api/webhooks/{id}", tag = "account", params(("id" = String, Path)), request_body = EndpointPatch,
    responses((status = 200, body = EndpointView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_endpoint(
    State(state): State<EndpointsState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<EndpointPatch>,
) -> Result<Json<EndpointView>, ApiError> {
    Ok(Json(
        endpoints::update(&state.services, &actor, &id, patch, time::now()).await?,
    ))
}

/// Remove an endpoint and its secret.
#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "account", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn delete_endpoint(
    State(state): State<EndpointsState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    endpoints::delete(&state.services, &actor, &id, time::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's latest deliveries, newest first (kept 30 days).
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "account", params(("id" = String, Path), DeliveryParams),
    responses((status = 200, body = DeliveryList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_deliveries(
    State(state): State<EndpointsState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(params): ApiQuery<DeliveryParams>,
) -> Result<Json<DeliveryList>, ApiError> {
    let limit = params.limit.unwrap_or(50) as usize;
    Ok(Json(
        endpoints::deliveries(&state.app.stores, &actor, &id, limit).await?,
    ))
}

/// Send a logged event again, as its subject is now, with the same
/// `webhook-id`: a new delivery, tried at once.
#[utoipa::path(post, path = "/api/webhooks/{id}/deliveries/{delivery_id}/resend", tag = "account",
    params(("id" = String, Path), ("delivery_id" = String, Path)),
    responses((status = 202, body = WebhookDelivery), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn resend_delivery(
    State(state): State<EndpointsState>,
    Auth(actor): Auth,
    Path((id, delivery_id)): Path<(String, String)>,
) -> Result<impl IntoResponse, ApiError> {
    let delivery =
        endpoints::resend(&state.services, &actor, &id, &delivery_id, time::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
