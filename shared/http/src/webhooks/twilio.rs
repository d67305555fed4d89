//! Twilio's webhooks (function `webhook-twilio`): `POST /webhooks/twilio/sms`
//! for texts customers send to a dealership's number, and
//! `POST /webhooks/twilio/status` for delivery reports. Both are signed:
//! `X-Twilio-Signature` is base64(HMAC-SHA1(auth token, the public URL
//! followed by every POST parameter's name and value, sorted by name)). A
//! missing or wrong signature is 401 and nothing is enqueued.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use norvalt_core::capture::{Capture, CaptureEnvelope, IdempotencyKey, SmsCapture};
use norvalt_core::config::Env;
use norvalt_core::metrics::Metric;
use norvalt_core::queue::QueueName;
use sha1::Sha1;

use super::{CaptureState, trace_id};
use crate::error::ApiError;

const MAX_BODY: usize = 64 * 1024;

/// The auth token that signs Twilio's requests and the public base URL
/// Twilio calls (the signature covers the full URL).
pub struct TwilioWebhook {
    pub auth_token: String,
    pub public_url: String,
}

impl TwilioWebhook {
    /// `TWILIO_AUTH_TOKEN` and `NORVALT_PUBLIC_URL`; `None` without a token.
    pub fn from_env(env: &Env, public_url: String) -> Option<Self> {
        Some(Self {
            auth_token: env.optional("TWILIO_AUTH_TOKEN")?,
            public_url,
        })
    }
}

pub fn router() -> axum::Router<CaptureState> {
    axum::Router::new()
        .route("/webhooks/twilio/sms", post(inbound_sms))
        .route("/webhooks/twilio/status", post(status))
}

/// The signature Twilio sends for `url` and these parameters.
pub fn sign(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).expect("any key length");
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    STANDARD.encode(mac.finalize().into_bytes())
}

fn verified(
    state: &CaptureState,
    parts: &Parts,
    path: &str,
    body: &Bytes,
) -> Result<Vec<(String, String)>, ApiError> {
    let Some(twilio) = &state.twilio else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "sms_not_configured",
            "SMS is not configured on this platform",
        ));
    };
    if body.len() > MAX_BODY {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "The request body is too large",
        ));
    }
    let params: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let url = format!("{}{path}", twilio.public_url.trim_end_matches('/'));
    let expected = sign(&twilio.auth_token, &url, &params);
    let given = parts
        .headers
        .get("x-twilio-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let same = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(ApiError::unauthorized(
            "invalid_signature",
            "X-Twilio-Signature is missing or does not match",
        ));
    }
    Ok(params)
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Empty TwiML: Twilio sends nothing back by itself.
fn twiml() -> Response {
    let mut r = (
        StatusCode::OK,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>",
    )
        .into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    r
}

async fn inbound_sms(
    State(state): State<CaptureState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = verified(&state, &parts, "/webhooks/twilio/sms", &body)?;
    let required = |name: &str| {
        param(&params, name)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                let mut fields = norvalt_core::validation::FieldErrors::new();
                fields.add(name, "is required");
                ApiError::invalid_fields(&fields)
            })
    };
    let capture = SmsCapture {
        message_sid: required("MessageSid")?,
        from: required("From")?,
        to: required("To")?,
        body: param(&params, "Body").unwrap_or_default().to_string(),
    };
    let envelope = CaptureEnvelope::new(
        None,
        IdempotencyKey::sms(&capture.message_sid),
        trace_id(&parts),
        norvalt_core::time::now(),
        Capture::Sms(capture),
    );
    state
        .queue
        .send(QueueName::Capture, &envelope.to_json())
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not enqueue an inbound SMS");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "queue_unavailable",
                "Try again shortly",
            )
        })?;
    Ok(twiml())
}

async fn status(
    State(state): State<CaptureState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    let params = verified(&state, &parts, "/webhooks/twilio/status", &body)?;
    let status = param(&params, "MessageStatus").unwrap_or_default();
    let sid = param(&params, "MessageSid").unwrap_or_default();
    if matches!(status, "failed" | "undelivered") {
        Metric::count("SmsDeliveryFailures", 1)
            .property("message_sid", sid)
            .property(
                "error_code",
                param(&params, "ErrorCode").unwrap_or_default(),
            )
            .emit();
        tracing::warn!(
            sid,
            status,
            error_code = param(&params, "ErrorCode"),
            "SMS not delivered"
        );
    } else {
        tracing::debug!(sid, status, "SMS status");
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
