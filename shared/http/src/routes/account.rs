use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::audit::AuditEntry;
use norvalt_core::model::{InboxSetup, User, UserPatch};
use norvalt_core::pagination::Page;
use norvalt_core::service::account::{self, Me, MyPatch, Team, USER_NOT_FOUND};
use norvalt_core::service::inbox_setup::{self, InboxSetupPatch};
use norvalt_core::{UserId, time};

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
        .routes(routes!(me, update_me))
        .routes(routes!(get_inbox_setup, update_inbox_setup))
        .routes(routes!(users))
        .routes(routes!(update_user))
        .routes(routes!(audit_log))
}

pub fn router() -> Router<AppState> {
    Router::from(routes()).route("/api/openapi.json", get(crate::openapi::document))
}

/// Who am I: the Clerk user, the role, the Norvalt profile and the dealership.
#[utoipa::path(get, path = "/api/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn me(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Me>, ApiError> {
    Ok(Json(account::me(&state.stores, &actor).await?))
}

/// What a user sets for themself: which events email them, whether they
/// are away (no round-robin leads, no escalations), their own inbox views.
#[utoipa::path(patch, path = "/api/me", tag = "account", request_body = MyPatch,
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_me(
    State(state): State<AppState>,
    Auth(actor): Auth,
    JsonBody(patch): JsonBody<MyPatch>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(
        account::update_me(&state.stores, &actor, patch, time::now()).await?,
    ))
}

/// The dealership's tags, canned replies and shared inbox views.
#[utoipa::path(get, path = "/api/inbox-setup", tag = "account",
    responses((status = 200, body = InboxSetup), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_inbox_setup(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<InboxSetup>, ApiError> {
    Ok(Json(inbox_setup::get(&state.stores, &actor).await?))
}

/// Replace the tags, canned replies or shared views (managers and
/// admins); each list sent is validated whole. Audited.
#[utoipa::path(patch, path = "/api/inbox-setup", tag = "account", request_body = InboxSetupPatch,
    responses((status = 200, body = InboxSetup), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_inbox_setup(
    State(state): State<AppState>,
    Auth(actor): Auth,
    JsonBody(patch): JsonBody<InboxSetupPatch>,
) -> Result<Json<InboxSetup>, ApiError> {
    Ok(Json(
        inbox_setup::update(&state.stores, &actor, patch, time::now()).await?,
    ))
}

/// The dealership's users with their roles, by name.
#[utoipa::path(get, path = "/api/users", tag = "account",
    responses((status = 200, body = Team), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn users(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<Team>, ApiError> {
    Ok(Json(account::team(&state.stores, &actor).await?))
}

/// Change a team member's role, name, notification preferences or active
/// flag (admin). The dealership always keeps an active admin (409
/// `last_admin`). Recorded in the audit log.
#[utoipa::path(patch, path = "/api/users/{id}", tag = "account", params(("id" = String, Path, format = Uuid)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_user(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<UserPatch>,
) -> Result<Json<User>, ApiError> {
    let id: UserId = parse_id(&id, USER_NOT_FOUND)?;
    Ok(Json(
        account::update_user(&state.stores, &actor, id, patch, time::now()).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// 1–100, default 25.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// The audit log of admin actions, newest first (admin).
#[utoipa::path(get, path = "/api/audit", tag = "account", params(AuditParams),
    responses((status = 200, body = Page<AuditEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn audit_log(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<Page<AuditEntry>>, ApiError> {
    Ok(Json(
        account::audit_log(&state.stores, &state.cursors, &actor, p.limit, p.cursor).await?,
    ))
}
