//! `POST /webhooks/google/{form_key}`: a Google Ads lead form delivery.
//! The form key names the dealership; the delivery's `google_key` must be
//! the key the dealership made (`regenerate_google_key` in its settings)
//! and pasted into its forms. The columns are mapped here and the lead
//! enqueued under its `lead_id`, so a delivery Google repeats is one lead.
//! Google wants a quick 200; anything else makes it try again.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::post;
use norvalt_core::capture::{Capture, CaptureEnvelope, GoogleCapture, IdempotencyKey, google};
use norvalt_core::queue::QueueName;
use serde_json::{Value, json};

use super::form::dealership_for;
use super::{CaptureState, trace_id};
use crate::error::ApiError;

/// A delivery is a few kilobytes of columns.
pub const MAX_GOOGLE_BYTES: usize = 64 * 1024;

pub fn router() -> axum::Router<CaptureState> {
    axum::Router::new().route(
        "/webhooks/google/{form_key}",
        post(deliver).layer(DefaultBodyLimit::max(MAX_GOOGLE_BYTES)),
    )
}

async fn deliver(
    State(state): State<CaptureState>,
    Path(form_key): Path<String>,
    parts: Parts,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let dealership = dealership_for(&state, &form_key).await?;
    let value: Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("The body is not valid JSON: {e}"),
        )
    })?;
    let delivery = google::parse(&value).map_err(|fields| ApiError::invalid_fields(&fields))?;
    let Some(stored) = &dealership.capture.google_key_hash else {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "google_not_set_up",
            "This dealership has not made a key for Google lead forms",
        ));
    };
    if !google::key_matches(stored, &delivery.google_key) {
        tracing::warn!(dealership = %dealership.id, "Google lead form delivery with a wrong key refused");
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_google_key",
            "The google_key is not this dealership's",
        ));
    }
    let lead = google::map_lead(&delivery, &dealership.capture.google_questions);
    let envelope = CaptureEnvelope::new(
        Some(dealership.id),
        IdempotencyKey::google(&delivery.lead_id),
        trace_id(&parts),
        norvalt_core::time::now(),
        Capture::Google(GoogleCapture {
            form_key,
            lead_id: delivery.lead_id.clone(),
            lead,
        }),
    );
    if let Err(e) = state
        .queue
        .send(QueueName::Capture, &envelope.to_json())
        .await
    {
        tracing::error!(dealership = %dealership.id, error = %e, "could not enqueue a Google lead");
        // Not a 200: Google delivers it again.
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "queue_unavailable",
            "The lead could not be received just now",
        ));
    }
    tracing::info!(dealership = %dealership.id, test = delivery.is_test, trace = %envelope.trace_id, "Google lead form capture enqueued");
    Ok((StatusCode::OK, Json(json!({}))))
}
