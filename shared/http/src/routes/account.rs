use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};

use norvalt_core::service::account::{self, Me};

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/me", get(me))
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
