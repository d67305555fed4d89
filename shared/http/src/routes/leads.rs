use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::error::LEAD_NOT_FOUND;
use norvalt_core::model::{Lead, LeadPatch, LeadSource, LeadStatus, NewLead};
use norvalt_core::service::bulk::{self, BulkRequest, BulkSummary};
use norvalt_core::service::lead_list::{self, LeadPage, ListLeads};
use norvalt_core::service::leads;
use norvalt_core::{LeadId, TagId, UserId, time};

use super::lead_export::{__path_export_leads, export_leads};
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
        .routes(routes!(list_leads, create_lead))
        .routes(routes!(export_leads))
        .routes(routes!(bulk_update))
        .routes(routes!(get_lead, update_lead, delete_lead))
        .routes(routes!(get_opt_outs))
        .routes(routes!(get_matching_vehicles))
        .routes(routes!(get_response_clock))
        // The AI's side of the conversation: drafts and handing back.
        .merge(super::handover::routes())
}

pub fn router() -> Router<AppState> {
    routes().into()
}

/// The available cars that match the lead's vehicle interest (at most three,
/// best first), chosen by the same rule as the cars the AI's reply may
/// mention.
#[utoipa::path(get, path = "/api/leads/{id}/matching-vehicles", tag = "leads", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = leads::MatchingVehicles), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_matching_vehicles(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<leads::MatchingVehicles>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(
        leads::matching_vehicles(&state.stores, &actor, id).await?,
    ))
}

/// The lead's response-time clock: which target runs, since when, when
/// the rep is reminded and when it is due; null when a person has answered.
#[utoipa::path(get, path = "/api/leads/{id}/response-clock", tag = "leads", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = leads::ResponseClockView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_response_clock(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<leads::ResponseClockView>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(
        leads::response_clock(&state.stores, &actor, id, time::now()).await?,
    ))
}

/// Whether the customer has opted out of email and of SMS.
#[utoipa::path(get, path = "/api/leads/{id}/opt-outs", tag = "leads", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = leads::OptOuts), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_opt_outs(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<leads::OptOuts>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(leads::opt_outs(&state.stores, &actor, id).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LeadListParams {
    /// 1–100, default 25.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    status: Option<LeadStatus>,
    source: Option<LeadSource>,
    #[param(value_type = Option<String>, format = Uuid)]
    assigned_to: Option<UserId>,
    /// RFC 3339; inclusive.
    created_after: Option<DateTime<Utc>>,
    /// RFC 3339; exclusive.
    created_before: Option<DateTime<Utc>>,
    /// RFC 3339; inclusive: leads changed since (for polling the inbox).
    updated_since: Option<DateTime<Utc>>,
    /// Case-insensitive over name, email, phone, vehicle interest and message.
    search: Option<String>,
    /// `true`: only leads handed over to a person ("Trenger menneske").
    needs_human: Option<bool>,
    /// `true`: only leads with no rep ("Ikke tildelt").
    unassigned: Option<bool>,
    /// `true`: only leads past their response-time target ("Forfalt").
    overdue: Option<bool>,
    /// Only leads with this tag.
    #[param(value_type = Option<String>, format = Uuid)]
    tag: Option<TagId>,
    /// `newest` (default) or `oldest` first.
    #[param(inline)]
    sort: Option<SortOrder>,
}

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Newest,
    Oldest,
}

/// The inbox: leads newest (or oldest) first, each with its response
/// clock. A poll (`updated_since`) also lists in `removed` the leads that
/// left this list since.
#[utoipa::path(get, path = "/api/leads", tag = "leads", params(LeadListParams),
    responses((status = 200, body = LeadPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_leads(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<LeadListParams>,
) -> Result<Json<LeadPage>, ApiError> {
    let params = ListLeads {
        limit: p.limit,
        cursor: p.cursor,
        status: p.status,
        source: p.source,
        assigned_to: p.assigned_to,
        created_after: p.created_after,
        created_before: p.created_before,
        updated_since: p.updated_since,
        search: p.search,
        needs_human: p.needs_human,
        unassigned: p.unassigned,
        overdue: p.overdue,
        tag: p.tag,
        oldest_first: matches!(p.sort, Some(SortOrder::Oldest)),
    };
    Ok(Json(
        lead_list::list(&state.stores, &state.cursors, &actor, params).await?,
    ))
}

/// Assign, set a status, add or remove a tag on the chosen leads
/// (`lead_ids`) or on every lead matching `filter` (at most 1,000).
/// Leads already as asked are left alone, so a retry changes nothing more.
#[utoipa::path(post, path = "/api/leads/bulk", tag = "leads", request_body = BulkRequest,
    responses((status = 200, body = BulkSummary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn bulk_update(
    State(state): State<AppState>,
    Auth(actor): Auth,
    JsonBody(request): JsonBody<BulkRequest>,
) -> Result<Json<BulkSummary>, ApiError> {
    Ok(Json(
        bulk::apply(&state.stores, &actor, request, time::now()).await?,
    ))
}

/// A lead typed in by a sales rep (source `manual`, status `new`).
#[utoipa::path(post, path = "/api/leads", tag = "leads", request_body = NewLead,
    responses((status = 201, body = Lead), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create_lead(
    State(state): State<AppState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<NewLead>,
) -> Result<impl IntoResponse, ApiError> {
    let lead = leads::create(&state.stores, &actor, input, time::now()).await?;
    Ok((StatusCode::CREATED, Json(lead)))
}

#[utoipa::path(get, path = "/api/leads/{id}", tag = "leads", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Lead), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_lead(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<Lead>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(leads::get(&state.stores, &actor, id).await?))
}

/// Change status, contact details, score or assignment; `null` clears a field.
#[utoipa::path(patch, path = "/api/leads/{id}", tag = "leads", params(("id" = String, Path, format = Uuid)), request_body = LeadPatch,
    responses((status = 200, body = Lead), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_lead(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<LeadPatch>,
) -> Result<Json<Lead>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(
        leads::update_and_notify(
            &state.stores,
            state.notices.as_deref(),
            &actor,
            id,
            patch,
            time::now(),
        )
        .await?,
    ))
}

/// Soft delete (admin and manager only).
#[utoipa::path(delete, path = "/api/leads/{id}", tag = "leads", params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn delete_lead(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    leads::delete(&state.stores, &actor, id, time::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
