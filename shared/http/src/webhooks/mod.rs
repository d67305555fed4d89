//! The capture entry points reached from outside without a user: website
//! forms (`webhook-form`) and Meta Lead Ads (`webhook-facebook`). Each
//! validates and authenticates, enqueues one capture envelope, and answers
//! only once the envelope is stored (ARCHITECTURE.md §1).

pub mod clerk;
pub mod facebook;
pub mod form;
pub mod ratelimit;
pub mod twilio;
pub mod unsubscribe;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use norvalt_core::Stores;
use norvalt_core::queue::Queue;

pub use facebook::FacebookWebhook;
pub use ratelimit::RateLimiter;

#[derive(Clone)]
pub struct CaptureState {
    pub stores: Stores,
    pub queue: Arc<dyn Queue>,
    pub limiter: Arc<RateLimiter>,
    /// `None` answers the Facebook routes with 503 (not configured).
    pub facebook: Option<Arc<FacebookWebhook>>,
    /// `None` answers the Twilio routes with 503 (SMS not configured).
    pub twilio: Option<Arc<twilio::TwilioWebhook>>,
}

/// Both webhooks, without the shared fallbacks: merge, then [`crate::finish`].
pub fn routes(state: CaptureState) -> axum::Router {
    form::router()
        .merge(facebook::router())
        .merge(twilio::router())
        .with_state(state)
}

/// The caller's address: the socket's peer locally; in Lambda (function
/// URLs) the first `X-Forwarded-For` entry, which AWS sets.
pub(crate) fn client_address(parts: &Parts) -> String {
    if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        return addr.ip().to_string();
    }
    parts
        .headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The trace id of this capture: AWS's when there is one, else new.
pub(crate) fn trace_id(parts: &Parts) -> String {
    parts
        .headers
        .get("x-amzn-trace-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 128)
        .map(str::to_string)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}
