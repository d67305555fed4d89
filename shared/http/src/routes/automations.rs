//! `api-automations`: follow-up rules (`/api/automations…`) and their dry
//! run. The dry run may ask the model to write a step, so it shares the AI
//! routes' state and their per-dealership rate limit.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::error::{LEAD_NOT_FOUND, RULE_NOT_FOUND};
use norvalt_core::model::{AutomationRule, NewRule, RulePatch};
use norvalt_core::service::automation::{self, DryRun};
use norvalt_core::{LeadId, RuleId, time};

use super::ai::ReplyEngineState;
use super::parse_id;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::JsonBody;

/// The resource's routes with their OpenAPI operations: each route is
/// registered from its handler's `#[utoipa::path]`, so none can be served
/// without being documented.
pub fn routes() -> OpenApiRouter<ReplyEngineState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, create_rule))
        .routes(routes!(get_rule, update_rule, delete_rule))
        .routes(routes!(test_rule))
}

pub fn router(state: ReplyEngineState) -> Router {
    Router::from(routes()).with_state(state)
}

/// The dealership's follow-up rules.
#[utoipa::path(get, path = "/api/automations", tag = "automations",
    responses((status = 200, body = Vec<AutomationRule>), (status = 401, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_rules(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
) -> Result<Json<Vec<AutomationRule>>, ApiError> {
    Ok(Json(automation::list(&state.app.stores, &actor).await?))
}

/// Create a rule (admin and manager). Every bad field is named in the 422.
#[utoipa::path(post, path = "/api/automations", tag = "automations", request_body = NewRule,
    responses((status = 201, body = AutomationRule), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create_rule(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<NewRule>,
) -> Result<impl IntoResponse, ApiError> {
    let rule = automation::create(&state.app.stores, &actor, input, time::now()).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

#[utoipa::path(get, path = "/api/automations/{id}", tag = "automations", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = AutomationRule), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_rule(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<AutomationRule>, ApiError> {
    let id: RuleId = parse_id(&id, RULE_NOT_FOUND)?;
    Ok(Json(automation::get(&state.app.stores, &actor, id).await?))
}

/// Change a rule, e.g. `{"is_active": false}` (admin and manager).
#[utoipa::path(patch, path = "/api/automations/{id}", tag = "automations", params(("id" = String, Path, format = Uuid)), request_body = RulePatch,
    responses((status = 200, body = AutomationRule), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_rule(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<RulePatch>,
) -> Result<Json<AutomationRule>, ApiError> {
    let id: RuleId = parse_id(&id, RULE_NOT_FOUND)?;
    Ok(Json(
        automation::update(&state.app.stores, &actor, id, patch, time::now()).await?,
    ))
}

/// Delete a rule; sequences in progress stop at their next step.
#[utoipa::path(delete, path = "/api/automations/{id}", tag = "automations", params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn delete_rule(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: RuleId = parse_id(&id, RULE_NOT_FOUND)?;
    automation::delete(&state.app.stores, &actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestRule {
    #[schema(format = Uuid)]
    pub lead_id: String,
}

/// Dry run on one lead: each step's time (UTC and Oslo) and its rendered
/// message. Nothing is sent or stored.
#[utoipa::path(post, path = "/api/automations/{id}/test", tag = "automations", params(("id" = String, Path, format = Uuid)), request_body = TestRule,
    responses((status = 200, body = DryRun), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn test_rule(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<TestRule>,
) -> Result<Response, ApiError> {
    let id: RuleId = parse_id(&id, RULE_NOT_FOUND)?;
    let lead: LeadId = parse_id(&input.lead_id, LEAD_NOT_FOUND)?;
    if let Err(wait) = state.drafts.check(&actor.tenant.to_string()) {
        return Ok(super::ai::rate_limited("dry runs", wait));
    }
    let run = automation::dry_run(
        &state.app.stores,
        state.model.as_deref(),
        state.model_budget,
        &actor,
        id,
        lead,
        time::now(),
    )
    .await?;
    Ok(Json(run).into_response())
}
