use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use norvalt_core::service::account::{self, Me, Team};

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
        .route("/api/users", get(users))
        .route("/api/openapi.json", get(crate::openapi::document))
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
