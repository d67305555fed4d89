use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::error::VEHICLE_NOT_FOUND;
use norvalt_core::inventory::FeedFormat;
use norvalt_core::inventory::feed::MAX_FEED_BYTES;
use norvalt_core::model::{NewVehicle, Vehicle, VehiclePatch, VehicleStatus};
use norvalt_core::pagination::Page;
use norvalt_core::service::inventory::{self, ImportReport};
use norvalt_core::service::vehicles;
use norvalt_core::{VehicleId, time};

use super::parse_id;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, JsonBody};
use crate::state::AppState;

/// The resource's routes with their OpenAPI operations: each route is
/// registered from its handler's `#[utoipa::path]`, so none can be served
/// without being documented.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_vehicles, create_vehicle))
        .routes(routes!(list_available))
        .routes(routes!(get_vehicle, update_vehicle, delete_vehicle))
        .routes(routes!(import_vehicles))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// `csv` or `xml`; guessed from the content when absent.
    #[param(inline)]
    format: Option<FeedFormat>,
}

/// Import the dealership's stock from a CSV or XML feed (admin and
/// manager; at most 5 MB): cars matched by stock number, else VIN, are
/// updated, new ones added, and cars an earlier feed brought that this one
/// lacks are marked sold. The report names every row left out and why.
#[utoipa::path(post, path = "/api/vehicles/import", tag = "vehicles", params(ImportParams),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn import_vehicles(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: axum::body::Body,
) -> Result<Json<ImportReport>, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_FEED_BYTES)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "The feed is over 5 MB",
            )
        })?;
    Ok(Json(
        inventory::upload(&state.stores, &actor, &bytes, params.format, time::now()).await?,
    ))
}

pub fn router() -> Router<AppState> {
    routes().into()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VehicleListParams {
    status: Option<VehicleStatus>,
    /// 1–100, default 25.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// 1–100, default 25.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// Inventory, newest first, optionally filtered by status.
#[utoipa::path(get, path = "/api/vehicles", tag = "vehicles", params(VehicleListParams),
    responses((status = 200, body = Page<Vehicle>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_vehicles(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<VehicleListParams>,
) -> Result<Json<Page<Vehicle>>, ApiError> {
    Ok(Json(
        vehicles::list(
            &state.stores,
            &state.cursors,
            &actor,
            p.status,
            p.limit,
            p.cursor,
        )
        .await?,
    ))
}

/// Quick check: vehicles that can be sold right now.
#[utoipa::path(get, path = "/api/vehicles/available", tag = "vehicles", params(PageParams),
    responses((status = 200, body = Page<Vehicle>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_available(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<PageParams>,
) -> Result<Json<Page<Vehicle>>, ApiError> {
    let status = Some(VehicleStatus::Available);
    Ok(Json(
        vehicles::list(
            &state.stores,
            &state.cursors,
            &actor,
            status,
            p.limit,
            p.cursor,
        )
        .await?,
    ))
}

/// Add a vehicle (admin and manager).
#[utoipa::path(post, path = "/api/vehicles", tag = "vehicles", request_body = NewVehicle,
    responses((status = 201, body = Vehicle), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create_vehicle(
    State(state): State<AppState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<NewVehicle>,
) -> Result<impl IntoResponse, ApiError> {
    let vehicle = vehicles::create(&state.stores, &actor, input, time::now()).await?;
    Ok((StatusCode::CREATED, Json(vehicle)))
}

#[utoipa::path(get, path = "/api/vehicles/{id}", tag = "vehicles", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Vehicle), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_vehicle(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<Vehicle>, ApiError> {
    let id: VehicleId = parse_id(&id, VEHICLE_NOT_FOUND)?;
    Ok(Json(vehicles::get(&state.stores, &actor, id).await?))
}

/// Update a vehicle, mostly its status (admin and manager).
#[utoipa::path(patch, path = "/api/vehicles/{id}", tag = "vehicles", params(("id" = String, Path, format = Uuid)), request_body = VehiclePatch,
    responses((status = 200, body = Vehicle), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_vehicle(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<VehiclePatch>,
) -> Result<Json<Vehicle>, ApiError> {
    let id: VehicleId = parse_id(&id, VEHICLE_NOT_FOUND)?;
    Ok(Json(
        vehicles::update(&state.stores, &actor, id, patch, time::now()).await?,
    ))
}

/// Remove a vehicle (admin and manager).
#[utoipa::path(delete, path = "/api/vehicles/{id}", tag = "vehicles", params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn delete_vehicle(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: VehicleId = parse_id(&id, VEHICLE_NOT_FOUND)?;
    vehicles::delete(&state.stores, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
