//! `POST /webhooks/form/{form_key}`: a website form post (JSON or
//! urlencoded), with CORS for the dealership's origins, a honeypot, a rate
//! limit per form key and client, and `Idempotency-Key`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use norvalt_core::capture::form::{self, FormOutcome};
use norvalt_core::capture::{
    Capture, CaptureEnvelope, FormCapture, IdempotencyKey, form_capture_id,
};
use norvalt_core::model::Dealership;
use norvalt_core::ports::RouteKind;
use norvalt_core::queue::QueueName;
use norvalt_core::tenancy;
use serde::Serialize;

use super::{CaptureState, client_address, trace_id};
use crate::error::ApiError;

/// A form post is a few kilobytes; anything near this is not a person.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
const MAX_IDEMPOTENCY_KEY: usize = 200;

pub fn router() -> axum::Router<CaptureState> {
    axum::Router::new()
        .route(
            "/webhooks/form/{form_key}",
            post(submit)
                .options(preflight)
                .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
        )
        .route("/webhooks/form/{form_key}/embed.js", get(embed_script))
}

#[derive(Serialize)]
struct Accepted {
    capture_id: uuid::Uuid,
    status: &'static str,
}

/// The dealership a form key names (website forms and Google lead forms).
pub(super) async fn dealership_for(
    state: &CaptureState,
    form_key: &str,
) -> Result<Dealership, ApiError> {
    let not_found = || ApiError::not_found("form_not_found", "No website form has this key");
    if form_key.len() > 64 {
        return Err(not_found());
    }
    let tenant = tenancy::resolve(state.stores.routes.as_ref(), RouteKind::FormKey, form_key)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)?;
    state
        .stores
        .dealerships
        .get_dealership(&tenant)
        .await
        .map_err(ApiError::from_store)?
        .ok_or_else(not_found)
}

/// Checks `Origin` against the dealership's list; returns the CORS headers
/// to answer with.
fn cors(dealership: &Dealership, headers: &HeaderMap) -> Result<HeaderMap, ApiError> {
    let mut out = HeaderMap::new();
    out.insert(header::VARY, HeaderValue::from_static("Origin"));
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(out);
    };
    let allowed = origin
        .to_str()
        .ok()
        .filter(|o| *o != "null" && dealership.capture.origin_allowed(o));
    match allowed {
        Some(_) => {
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
            Ok(out)
        }
        None => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "origin_not_allowed",
            "This website may not post to this dealership's form",
        )),
    }
}

async fn preflight(
    State(state): State<CaptureState>,
    Path(form_key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let dealership = dealership_for(&state, &form_key).await?;
    let mut out = cors(&dealership, &headers)?;
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    out.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("content-type, idempotency-key, accept"),
    );
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    Ok((StatusCode::NO_CONTENT, out).into_response())
}

async fn submit(
    State(state): State<CaptureState>,
    Path(form_key): Path<String>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, ApiError> {
    let dealership = dealership_for(&state, &form_key).await?;
    let cors_headers = cors(&dealership, &parts.headers)?;
    let with_cors = |e: ApiError| {
        let mut r = e.into_response();
        r.headers_mut().extend(cors_headers.clone());
        r
    };
    let client = client_address(&parts);
    let limited = state
        .limiter
        .check(&format!("{form_key}|{client}"))
        .map_err(|wait| (wait, "from this address"))
        .and_then(|()| {
            state
                .form_limiter
                .check(&form_key)
                .map_err(|wait| (wait, "to this form"))
        });
    if let Err((wait, whose)) = limited {
        let mut r = with_cors(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many posts {whose}; try again in {wait} s"),
        ));
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(wait));
        return Ok(r);
    }
    let client_key = match parts.headers.get("idempotency-key") {
        None => None,
        Some(v) => match v.to_str().map(str::trim) {
            Ok(k) if !k.is_empty() && k.len() <= MAX_IDEMPOTENCY_KEY => Some(k.to_string()),
            _ => {
                return Ok(with_cors(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_idempotency_key",
                    format!("Idempotency-Key must be 1–{MAX_IDEMPOTENCY_KEY} visible characters"),
                )));
            }
        },
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let is_html_form = content_type.starts_with("application/x-www-form-urlencoded");
    let parsed = if content_type.starts_with("application/json") {
        let value: serde_json::Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return Ok(with_cors(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_json",
                    format!("The body is not valid JSON: {e}"),
                )));
            }
        };
        form::from_json(&value)
    } else if is_html_form {
        form::from_pairs(form_urlencoded::parse(&body).into_owned())
    } else {
        return Ok(with_cors(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send application/json or application/x-www-form-urlencoded",
        )));
    };
    let wants_redirect = is_html_form
        && !parts
            .headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json"));
    let capture_id = form_capture_id(&form_key, client_key.as_deref());
    let lead = match parsed {
        Err(fields) => return Ok(with_cors(ApiError::invalid_fields(&fields))),
        Ok(FormOutcome::Honeypot) => {
            tracing::info!(dealership = %dealership.id, "form honeypot filled; nothing stored");
            return Ok(accepted(
                capture_id,
                &dealership,
                wants_redirect,
                cors_headers,
            ));
        }
        Ok(FormOutcome::Lead(lead)) => lead,
    };
    let key = IdempotencyKey::form(
        &form_key,
        &client_key.unwrap_or_else(|| capture_id.to_string()),
    );
    let envelope = CaptureEnvelope::new(
        Some(dealership.id),
        key,
        trace_id(&parts),
        norvalt_core::time::now(),
        Capture::Form(FormCapture {
            form_key: form_key.clone(),
            capture_id,
            lead,
        }),
    );
    if let Err(e) = state
        .queue
        .send(QueueName::Capture, &envelope.to_json())
        .await
    {
        tracing::error!(dealership = %dealership.id, error = %e, "could not enqueue a form capture");
        return Ok(with_cors(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "queue_unavailable",
            "The form could not be received just now; please try again",
        )));
    }
    tracing::info!(dealership = %dealership.id, capture = %capture_id, trace = %envelope.trace_id, "form capture enqueued");
    Ok(accepted(
        capture_id,
        &dealership,
        wants_redirect,
        cors_headers,
    ))
}

fn accepted(
    capture_id: uuid::Uuid,
    dealership: &Dealership,
    redirect: bool,
    cors: HeaderMap,
) -> Response {
    if redirect
        && let Some(url) = &dealership.capture.thank_you_url
        && let Ok(location) = HeaderValue::from_str(url)
    {
        let mut r = (StatusCode::SEE_OTHER, cors).into_response();
        r.headers_mut().insert(header::LOCATION, location);
        return r;
    }
    (
        StatusCode::ACCEPTED,
        cors,
        Json(Accepted {
            capture_id,
            status: "accepted",
        }),
    )
        .into_response()
}

const EMBED_JS: &str = include_str!("embed.js");

/// The script a dealership pastes into its site (see `docs/channels.md`).
async fn embed_script(
    State(state): State<CaptureState>,
    Path(form_key): Path<String>,
) -> Result<Response, ApiError> {
    dealership_for(&state, &form_key).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        EMBED_JS,
    )
        .into_response())
}
