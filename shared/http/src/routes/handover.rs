//! What a rep does with the AI's side of a lead's conversation: send or
//! discard its draft, and give a handed-over lead back to the AI.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::error::LEAD_NOT_FOUND;
use norvalt_core::model::{Lead, Message};
use norvalt_core::service::drafts::{self, SendDraft};
use norvalt_core::service::handover;
use norvalt_core::{LeadId, time};

use super::parse_id;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::JsonBody;
use crate::state::AppState;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send_draft))
        .routes(routes!(discard_draft))
        .routes(routes!(hand_back))
}

pub fn router() -> Router<AppState> {
    routes().into()
}

/// Sends the AI's draft to the customer, as written or with the rep's
/// edits (`text`), and clears it. The message keeps the draft's id, so a
/// repeated request sends nothing more (the draft is gone: 404).
#[utoipa::path(post, path = "/api/leads/{id}/draft/send", tag = "conversations",
    params(("id" = String, Path, format = Uuid)), request_body = SendDraft,
    responses((status = 202, body = Message), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn send_draft(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SendDraft>,
) -> Result<impl IntoResponse, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    let queue = super::send_queue(&state)?;
    let message = drafts::send(&state.stores, queue, &actor, id, input, time::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(message)))
}

/// Throws the AI's draft away.
#[utoipa::path(delete, path = "/api/leads/{id}/draft", tag = "conversations",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn discard_draft(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    drafts::discard(&state.stores, &actor, id, time::now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Gi tilbake til AI": clears "needs a human", and the AI answers the
/// customer again even though a person wrote since it last did.
#[utoipa::path(post, path = "/api/leads/{id}/hand-back", tag = "leads",
    params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Lead), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn hand_back(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<Lead>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(
        handover::hand_back(&state.stores, &actor, id, time::now()).await?,
    ))
}
