//! The capture entry points reached from outside without a user: website
//! forms (`webhook-form`), Google Ads lead forms (`webhook-google`) and
//! Meta Lead Ads (`webhook-facebook`). Each
//! validates and authenticates, enqueues one capture envelope, and answers
//! only once the envelope is stored (docs/architecture.md).

pub mod booking;
pub mod clerk;
pub mod facebook;
pub mod form;
pub mod google;
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
    /// Posts per client address and form.
    pub limiter: Arc<RateLimiter>,
    /// Posts per form from every address together.
    pub form_limiter: Arc<RateLimiter>,
    /// `None` answers the Facebook routes with 503 (not configured).
    pub facebook: Option<Arc<FacebookWebhook>>,
    /// `None` answers the Twilio routes with 503 (SMS not configured).
    pub twilio: Option<Arc<twilio::TwilioWebhook>>,
}

/// Both webhooks, without the shared fallbacks: merge, then [`crate::finish`].
pub fn routes(state: CaptureState) -> axum::Router {
    form::router()
        .merge(google::router())
        .merge(facebook::router())
        .merge(twilio::router())
        .with_state(state)
}

/// The address the platform itself saw the request come from, put on the
/// request by the runtime: Lambda's `requestContext.http.sourceIp` (see
/// `norvalt_aws::lambda::with_source_ip`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

/// Puts the runtime's view of the caller's address on every request as a
/// [`ClientIp`]; `source` reads it from the request's extensions (the Lambda
/// functions pass one that reads the request context).
pub fn with_client_ip(
    router: axum::Router,
    source: fn(&axum::http::Extensions) -> Option<std::net::IpAddr>,
) -> axum::Router {
    router.layer(axum::middleware::map_request(
        move |mut request: axum::extract::Request| async move {
            if let Some(ip) = source(request.extensions()) {
                request.extensions_mut().insert(ClientIp(ip));
            }
            request
        },
    ))
}

/// The caller's address as the platform saw it: the Lambda request
/// context's source IP, or the socket's peer locally. Never a header: a
/// client writes `X-Forwarded-For` itself.
pub(crate) fn client_address(parts: &Parts) -> String {
    if let Some(ClientIp(ip)) = parts.extensions.get::<ClientIp>() {
        return ip.to_string();
    }
    if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
        return addr.ip().to_string();
    }
    "unknown".into()
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
