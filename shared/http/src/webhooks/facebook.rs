//! `GET|POST /webhooks/facebook`: Meta's verification handshake and signed
//! Lead Ads deliveries. One capture envelope per `leadgen` change; the lead
//! itself is fetched by `lead-intake`.

use norvalt_core::config::Env;
use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use norvalt_core::capture::facebook::{leadgen_changes, signature_is_valid};
use norvalt_core::capture::{Capture, CaptureEnvelope, IdempotencyKey};
use norvalt_core::ports::RouteKind;
use norvalt_core::queue::QueueName;
use norvalt_core::tenancy;
use serde_json::json;

use super::{CaptureState, trace_id};
use crate::error::ApiError;

/// The app's secrets: from Secrets Manager in AWS, the environment locally.
pub struct FacebookWebhook {
    pub app_secret: Vec<u8>,
    pub verify_token: String,
}

impl FacebookWebhook {
    /// `NORVALT_FACEBOOK_APP_SECRET` and `NORVALT_FACEBOOK_VERIFY_TOKEN`.
    pub fn from_env(env: &Env) -> Option<Self> {
        let secret = env.optional("NORVALT_FACEBOOK_APP_SECRET")?;
        let token = env.optional("NORVALT_FACEBOOK_VERIFY_TOKEN")?;
        Some(Self {
            app_secret: secret.into_bytes(),
            verify_token: token,
        })
    }
}

pub fn router() -> axum::Router<CaptureState> {
    axum::Router::new().route("/webhooks/facebook", get(verify).post(deliver))
}

fn configured(state: &CaptureState) -> Result<&FacebookWebhook, ApiError> {
    state.facebook.as_deref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "facebook_not_configured",
            "Facebook Lead Ads is not configured on this deployment",
        )
    })
}

/// Equal in constant time (for the verify token).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn verify(
    State(state): State<CaptureState>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let fb = configured(&state)?;
    let mode = query.get("hub.mode").map(String::as_str);
    let token = query
        .get("hub.verify_token")
        .map(String::as_str)
        .unwrap_or("");
    match (mode, query.get("hub.challenge")) {
        (Some("subscribe"), Some(challenge))
            if same(token.as_bytes(), fb.verify_token.as_bytes()) =>
        {
            Ok((
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                challenge.clone(),
            )
                .into_response())
        }
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "verification_failed",
            "The verify token does not match",
        )),
    }
}

async fn deliver(
    State(state): State<CaptureState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    let fb = configured(&state)?;
    let signature = parts
        .headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !signature_is_valid(&fb.app_secret, &body, signature) {
        return Err(ApiError::unauthorized(
            "invalid_signature",
            "X-Hub-Signature-256 is missing or does not match the body",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("The body is not valid JSON: {e}"),
        )
    })?;
    let changes = leadgen_changes(&value)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_delivery", e.to_string()))?;
    let trace = trace_id(&parts);
    let (mut enqueued, mut unrouted) = (0, 0);
    for change in changes {
        let tenant = tenancy::resolve(
            state.stores.routes.as_ref(),
            RouteKind::FacebookPage,
            &change.page_id,
        )
        .await
        .map_err(ApiError::from_store)?;
        let Some(tenant) = tenant else {
            // Acknowledged: Meta would retry a non-200 for 36 hours to no avail.
            tracing::warn!(page = %change.page_id, "leadgen for a page no dealership has connected; ignored");
            unrouted += 1;
            continue;
        };
        let envelope = CaptureEnvelope::new(
            Some(tenant.dealership_id()),
            IdempotencyKey::facebook(&change.leadgen_id),
            trace.clone(),
            norvalt_core::time::now(),
            Capture::Facebook(change),
        );
        if let Err(e) = state
            .queue
            .send(QueueName::Capture, &envelope.to_json())
            .await
        {
            // Not acknowledged: Meta delivers again, and intake drops repeats.
            tracing::error!(error = %e, "could not enqueue a leadgen capture");
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "queue_unavailable",
                "The delivery could not be stored; please retry",
            ));
        }
        enqueued += 1;
    }
    tracing::info!(enqueued, unrouted, trace = %trace, "facebook delivery accepted");
    Ok(Json(json!({"enqueued": enqueued, "ignored": unrouted})).into_response())
}
