//! `GET/PATCH /api/dealership` (admin): the dealership's settings. Part of
//! `api-account`; it writes page tokens and IMAP passwords to the secret
//! store, so it has a state of its own.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::{Json, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::capture::sources::{LeadAdsClient, SecretWriter};
use norvalt_core::service::settings::{self, Settings, SettingsPatch};
use norvalt_core::time;

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::JsonBody;
use crate::state::AppState;

#[derive(Clone)]
pub struct SettingsState {
    pub app: AppState,
    pub secrets: Arc<dyn SecretWriter>,
    /// Meta's Graph API: a page being connected is checked against its token.
    pub graph: Arc<dyn LeadAdsClient>,
    /// Where the webhooks are reached (`NORVALT_PUBLIC_URL`): the form URL
    /// and embed snippet point there.
    pub public_url: String,
}

impl FromRef<SettingsState> for AppState {
    fn from_ref(state: &SettingsState) -> AppState {
        state.app.clone()
    }
}

/// The resource's routes with their OpenAPI operations: each route is
/// registered from its handler's `#[utoipa::path]`, so none can be served
/// without being documented.
pub fn routes() -> OpenApiRouter<SettingsState> {
    OpenApiRouter::new().routes(routes!(get_settings, update_settings))
}

pub fn router(state: SettingsState) -> Router {
    Router::from(routes()).with_state(state)
}

/// The dealership's settings, form URL and embed snippet (admin). Secrets
/// (page tokens, the IMAP password) are never returned.
#[utoipa::path(get, path = "/api/dealership", tag = "account",
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn get_settings(
    State(state): State<SettingsState>,
    Auth(actor): Auth,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(
        settings::get(&state.app.stores, &actor, &state.public_url).await?,
    ))
}

/// Change settings (admin): the whole patch is validated first (422 names
/// every bad field); a Facebook page or SMS number held by another
/// dealership is a 409 with nothing changed. Applies to the next lead.
#[utoipa::path(patch, path = "/api/dealership", tag = "account", request_body = SettingsPatch,
    responses((status = 200, body = Settings), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_settings(
    State(state): State<SettingsState>,
    Auth(actor): Auth,
    JsonBody(patch): JsonBody<SettingsPatch>,
) -> Result<Json<Settings>, ApiError> {
    Ok(Json(
        settings::update(
            &state.app.stores,
            state.secrets.as_ref(),
            state.graph.as_ref(),
            &actor,
            patch,
            &state.public_url,
            time::now(),
        )
        .await?,
    ))
}
