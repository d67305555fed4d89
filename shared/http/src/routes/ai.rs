//! `api-ai`: `POST /api/ai/analyze-lead` and `POST /api/ai/generate-response`.
//! Drafts and analyses are rate limited per dealership, since each may cost
//! a model call.

use norvalt_core::config::{ConfigError, Env};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRef, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use norvalt_core::ai::ReplyModel;
use norvalt_core::error::LEAD_NOT_FOUND;
use norvalt_core::model::{Channel, Lead};
use norvalt_core::service::ai::{self, Draft};
use norvalt_core::{LeadId, time};

use super::parse_id;
use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::JsonBody;
use crate::state::AppState;
use crate::webhooks::RateLimiter;

#[derive(Clone)]
pub struct ReplyEngineState {
    pub app: AppState,
    /// `None`: heuristics and the template only.
    pub model: Option<Arc<dyn ReplyModel>>,
    pub model_budget: Duration,
    /// Drafts (and automation dry runs) per dealership per minute.
    pub drafts: Arc<RateLimiter>,
}

impl FromRef<ReplyEngineState> for AppState {
    fn from_ref(state: &ReplyEngineState) -> AppState {
        state.app.clone()
    }
}

/// 429 `rate_limited` with `Retry-After`: `what` ran out for the dealership.
pub(crate) fn rate_limited(what: &str, wait: u64) -> Response {
    let mut r = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!("Too many {what} for this dealership; try again in {wait} s"),
    )
    .into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait));
    r
}

impl ReplyEngineState {
    /// `NORVALT_AI_DRAFTS_PER_MINUTE` (default 30) per dealership.
    /// The state of a function that writes with the model inside an API
    /// request: `model_budget` is what the route may spend of API Gateway's
    /// 29 s; drafts per dealership per minute from the environment.
    pub fn from_env(
        app: AppState,
        env: &Env,
        model: Option<Arc<dyn ReplyModel>>,
        model_budget: Duration,
    ) -> Result<Self, ConfigError> {
        Ok(Self {
            app,
            model,
            model_budget,
            drafts: Self::drafts_from_env(env)?,
        })
    }

    pub fn drafts_from_env(env: &Env) -> Result<Arc<RateLimiter>, ConfigError> {
        let limit = env.parsed("NORVALT_AI_DRAFTS_PER_MINUTE")?.unwrap_or(30);
        Ok(Arc::new(RateLimiter::new(limit, Duration::from_secs(60))))
    }
}

/// The resource's routes with their OpenAPI operations: each route is
/// registered from its handler's `#[utoipa::path]`, so none can be served
/// without being documented.
pub fn routes() -> OpenApiRouter<ReplyEngineState> {
    OpenApiRouter::new()
        .routes(routes!(analyze_lead))
        .routes(routes!(generate_response))
}

pub fn router(state: ReplyEngineState) -> Router {
    Router::from(routes()).with_state(state)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadRef {
    #[schema(format = Uuid)]
    pub lead_id: String,
}

/// `POST /api/ai/generate-response`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    #[schema(format = Uuid)]
    pub lead_id: String,
    /// `email` or `sms`: the shape of the draft (an SMS is short and signed
    /// with the dealership's name). Default: the channel the automatic reply
    /// would use.
    pub channel: Option<Channel>,
}

/// Analyses the lead again (intents, urgency, score with a Norwegian
/// explanation) and stores the result on it.
#[utoipa::path(post, path = "/api/ai/analyze-lead", tag = "ai", request_body = LeadRef,
    responses((status = 200, body = Lead), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn analyze_lead(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<LeadRef>,
) -> Result<Response, ApiError> {
    let id: LeadId = parse_id(&input.lead_id, LEAD_NOT_FOUND)?;
    // Each analysis may call the model: bounded per dealership like drafts.
    if let Err(wait) = state.drafts.check(&format!("analyze|{}", actor.tenant)) {
        return Ok(rate_limited("analyses", wait));
    }
    let lead = ai::analyze_lead(
        &state.app.stores,
        &actor,
        id,
        state.model.as_deref(),
        state.model_budget,
        time::now(),
    )
    .await?;
    Ok(Json(lead).into_response())
}

/// A draft reply for a sales rep to edit; nothing is sent or stored.
#[utoipa::path(post, path = "/api/ai/generate-response", tag = "ai", request_body = DraftRequest,
    responses((status = 200, body = Draft), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn generate_response(
    State(state): State<ReplyEngineState>,
    Auth(actor): Auth,
    JsonBody(input): JsonBody<DraftRequest>,
) -> Result<Response, ApiError> {
    let id: LeadId = parse_id(&input.lead_id, LEAD_NOT_FOUND)?;
    if let Err(wait) = state.drafts.check(&actor.tenant.to_string()) {
        return Ok(rate_limited("drafts", wait));
    }
    let draft = ai::draft_reply(
        &state.app.stores,
        &actor,
        id,
        input.channel,
        state.model.as_deref(),
        state.model_budget,
        time::now(),
    )
    .await?;
    Ok(Json(draft).into_response())
}
