//! `/api/appointments` and `GET /api/leads/{id}/appointments`: the team's
//! calendar of test drives, viewings and valuations (function
//! `api-appointments`).

use std::sync::Arc;

use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::error::LEAD_NOT_FOUND;
use norvalt_core::model::Appointment;
use norvalt_core::outbound::links::BookingLinks;
use norvalt_core::queue::Queue;
use norvalt_core::service::appointments::{
    self, APPOINTMENT_NOT_FOUND, AppointmentPatch, NewAppointment,
};
use norvalt_core::service::booking::customer::BookingDesk;
use norvalt_core::service::reply_fields::{self, ReplyFields};
use norvalt_core::{AppointmentId, LeadId, UserId, time};

use super::parse_id;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::{ApiQuery, JsonBody};
use crate::state::AppState;

#[derive(Clone)]
pub struct AppointmentsState {
    pub app: AppState,
    /// The send queue: confirmations to the customer, notices to the rep.
    pub queue: Arc<dyn Queue>,
    pub links: BookingLinks,
    pub mail_domain: String,
}

impl FromRef<AppointmentsState> for AppState {
    fn from_ref(state: &AppointmentsState) -> AppState {
        state.app.clone()
    }
}

impl AppointmentsState {
    fn desk(&self) -> BookingDesk<'_> {
        BookingDesk {
            stores: &self.app.stores,
            queue: self.queue.as_ref(),
            links: &self.links,
            mail_domain: &self.mail_domain,
        }
    }
}

pub fn routes() -> OpenApiRouter<AppointmentsState> {
    OpenApiRouter::new()
        .routes(routes!(list_appointments, create_appointment))
        .routes(routes!(update_appointment))
        .routes(routes!(lead_appointments))
        .routes(routes!(reply_fields))
}

pub fn router(state: AppointmentsState) -> Router {
    Router::from(routes()).with_state(state)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Appointments {
    pub items: Vec<Appointment>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarParams {
    /// RFC 3339; inclusive.
    from: DateTime<Utc>,
    /// RFC 3339; exclusive; at most 42 days after `from`.
    to: DateTime<Utc>,
    #[param(value_type = Option<String>, format = Uuid)]
    assigned_to: Option<UserId>,
}

/// The calendar: every appointment starting in `[from, to)`, earliest
/// first, whatever its status; one rep's with `assigned_to`.
#[utoipa::path(get, path = "/api/appointments", tag = "appointments", params(CalendarParams),
    responses((status = 200, body = Appointments), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn list_appointments(
    State(state): State<AppointmentsState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<CalendarParams>,
) -> Result<Json<Appointments>, ApiError> {
    let items = appointments::list(&state.desk(), &actor, p.from, p.to, p.assigned_to).await?;
    Ok(Json(Appointments { items }))
}

/// Books for a lead at a free time; the customer gets a confirmation and
/// the rep a notice. 409 `slot_unavailable` names the nearest free times.
#[utoipa::path(post, path = "/api/appointments", tag = "appointments", request_body = NewAppointment,
    responses((status = 201, body = Appointment), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create_appointment(
    State(state): State<AppointmentsState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<NewAppointment>,
) -> Result<impl IntoResponse, ApiError> {
    let a = appointments::create(&state.desk(), &actor, input, time::now()).await?;
    Ok((StatusCode::CREATED, Json(a)))
}

/// Moves (`start`) or cancels, or marks `showed` / `no_show`. A move or a
/// cancellation is confirmed to the customer with an updated `.ics`.
#[utoipa::path(patch, path = "/api/appointments/{id}", tag = "appointments", params(("id" = String, Path, format = Uuid)), request_body = AppointmentPatch,
    responses((status = 200, body = Appointment), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn update_appointment(
    State(state): State<AppointmentsState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<AppointmentPatch>,
) -> Result<Json<Appointment>, ApiError> {
    let id: AppointmentId = parse_id(&id, APPOINTMENT_NOT_FOUND)?;
    Ok(Json(
        appointments::update(&state.desk(), &actor, id, patch, time::now()).await?,
    ))
}

/// The lead's appointments, earliest first.
#[utoipa::path(get, path = "/api/leads/{id}/appointments", tag = "appointments", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = Appointments), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn lead_appointments(
    State(state): State<AppointmentsState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<Appointments>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    let items = appointments::of_lead(&state.desk(), &actor, id).await?;
    Ok(Json(Appointments { items }))
}

/// The values a canned reply's fields take for this lead and the rep
/// asking (`{fornavn}`, `{bil}`, `{forhandler}`, `{selger}`,
/// `{åpningstider}`, `{bookinglenke}`); null where there is none. Served
/// here because this function holds the booking link's key.
#[utoipa::path(get, path = "/api/leads/{id}/reply-fields", tag = "leads", params(("id" = String, Path, format = Uuid)),
    responses((status = 200, body = ReplyFields), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn reply_fields(
    State(state): State<AppointmentsState>,
    Auth(actor): Auth,
    Path(id): Path<String>,
) -> Result<Json<ReplyFields>, ApiError> {
    let id: LeadId = parse_id(&id, LEAD_NOT_FOUND)?;
    Ok(Json(
        reply_fields::for_lead(&state.app.stores, &state.links, &actor, id).await?,
    ))
}
