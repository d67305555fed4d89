use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::error::LEAD_NOT_FOUND;
use norvalt_core::model::message::{NewNote, NewReply};
use norvalt_core::model::{Message, NewMessage};
use norvalt_core::pagination::Page;
use norvalt_core::service::conversations;
use norvalt_core::{LeadId, time};

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
        .routes(routes!(list_conversation))
        .routes(routes!(add_message))
        .routes(routes!(add_note))
        .routes(routes!(send_reply))
}

pub fn router() -> Router<AppState> {
    routes().into()
}

/// A rep's reply to the customer by email or SMS. It is stored in the
/// conversation and sent once through the send queue; repeating a request
/// with the same `idempotency_key` returns the first reply and sends nothing new.
#[utoipa::path(post, path = "/api/leads/{id}/replies", tag = "conversations",
    params(("id" = String, Path, format = Uuid)), request_body = NewReply,
    responses((status = 202, body = Message), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn send_reply(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<NewReply>,
) -> Result<impl IntoResponse, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    let queue = super::send_queue(&state)?;
    let message =
        conversations::reply(&state.stores, queue, &actor, id, input, time::now()).await?;
    Ok((StatusCode::ACCEPTED, Json(message)))
}

/// An internal note on a lead (author and time recorded). It shows in the
/// lead's conversation as `channel: note`, is never sent to the customer
/// and never shown to the model.
#[utoipa::path(post, path = "/api/leads/{id}/notes", tag = "conversations",
    params(("id" = String, Path, format = Uuid)), request_body = NewNote,
    responses((status = 201, body = Message), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn add_note(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<NewNote>,
) -> Result<impl IntoResponse, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    let note = conversations::add_note(&state.stores, &actor, id, input, time::now()).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConversationParams {
    /// 1–100, default 25.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    cursor: Option<String>,
}

/// A lead's messages, oldest first.
#[utoipa::path(get, path = "/api/leads/{id}/conversations", tag = "conversations",
    params(("id" = String, Path, format = Uuid), ConversationParams),
    responses((status = 200, body = Page<Message>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_conversation(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<ConversationParams>,
) -> Result<Json<Page<Message>>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(
        conversations::list(&state.stores, &state.cursors, &actor, id, p.limit, p.cursor).await?,
    ))
}

/// Logs a message on a lead of the caller's dealership. It is recorded, not sent.
#[utoipa::path(post, path = "/api/conversations", tag = "conversations", request_body = NewMessage,
    responses((status = 201, body = Message), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn add_message(
    State(state): State<AppState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<NewMessage>,
) -> Result<impl IntoResponse, ApiError> {
    let message = conversations::add(&state.stores, &actor, input, time::now()).await?;
    Ok((StatusCode::CREATED, Json(message)))
}
