//! `GET /api/gdpr/export` and `POST /api/gdpr/erase` (admin): one person's
//! data in this dealership, as one document, and its erasure. Part of
//! `api-account`.

use std::sync::Arc;

use axum::extract::{FromRef, State};
use axum::{Json, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::capture::sources::RawMailStore;
use norvalt_core::service::gdpr::{self, Erasure, Export, PersonalCopies, Subject};
use norvalt_core::time;

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, JsonBody};
use crate::state::AppState;

#[derive(Clone)]
pub struct GdprState {
    pub app: AppState,
    /// Raw importer mails (S3 in AWS, the data dir locally).
    pub mail: Arc<dyn RawMailStore>,
    /// Other copies: the local outbox and queue database.
    pub copies: Arc<dyn PersonalCopies>,
}

impl FromRef<GdprState> for AppState {
    fn from_ref(state: &GdprState) -> AppState {
        state.app.clone()
    }
}

/// The resource's routes with their OpenAPI operations: each route is
/// registered from its handler's `#[utoipa::path]`, so none can be served
/// without being documented.
pub fn routes() -> OpenApiRouter<GdprState> {
    OpenApiRouter::new()
        .routes(routes!(export))
        .routes(routes!(erase))
}

pub fn router(state: GdprState) -> Router {
    Router::from(routes()).with_state(state)
}

/// Everything held about a person (by `email`, `phone` or `lead_id`):
/// leads, messages and notes, sends, follow-ups, opt-outs. Audited.
#[utoipa::path(get, path = "/api/gdpr/export", tag = "gdpr",
    params(("email" = Option<String>, Query), ("phone" = Option<String>, Query), ("lead_id" = Option<String>, Query, format = Uuid)),
    responses((status = 200, body = Export), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn export(
    State(state): State<GdprState>,
    Auth(actor): Auth,
    ApiQuery(subject): ApiQuery<Subject>,
) -> Result<Json<Export>, ApiError> {
    Ok(Json(
        gdpr::export(&state.app.stores, &actor, subject, time::now()).await?,
    ))
}

/// Erases a person's data (by `email`, `phone` or `lead_id`): leads are
/// anonymised, messages blanked, raw mails and copies deleted; a hashed
/// suppression keeps them from being contacted again. Audited.
#[utoipa::path(post, path = "/api/gdpr/erase", tag = "gdpr", request_body = Subject,
    responses((status = 200, body = Erasure), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn erase(
    State(state): State<GdprState>,
    Auth(actor): Auth,
    JsonBody(subject): JsonBody<Subject>,
) -> Result<Json<Erasure>, ApiError> {
    Ok(Json(
        gdpr::erase(
            &state.app.stores,
            state.mail.as_ref(),
            state.copies.as_ref(),
            &actor,
            subject,
            time::now(),
        )
        .await?,
    ))
}
