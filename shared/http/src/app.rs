//! Assembling routers into services: the JSON 404/405 fallbacks, the body
//! limit and request logging that every function and the local server share.

use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;

use crate::error::ApiError;
use crate::extract::MAX_BODY_BYTES;
use crate::routes;
use crate::state::AppState;

/// Every API resource in one router, without the shared fallbacks and
/// layers: for merging with other routers before [`assemble`].
pub fn api_routes(state: AppState) -> Router {
    Router::new()
        .merge(routes::leads::router())
        .merge(routes::conversations::router())
        .merge(routes::vehicles::router())
        .merge(routes::account::router())
        .merge(routes::analytics::router())
        .with_state(state)
}

/// Every API resource as one service.
pub fn api(state: AppState) -> Router {
    assemble(api_routes(state), ())
}

/// Wraps one resource's routes (one Lambda) or several into a service.
pub fn assemble<S: Clone + Send + Sync + 'static>(router: Router<S>, state: S) -> Router {
    with_layers(router.fallback(route_not_found), state)
}

/// As [`assemble`], with `fallback` answering what no route matches (the local
/// server's dashboard files). It should answer [`route_not_found`] for API paths.
pub fn assemble_with_fallback<S, F>(router: Router<S>, state: S, fallback: F) -> Router
where
    S: Clone + Send + Sync + 'static,
    F: tower::Service<Request, Error = std::convert::Infallible> + Clone + Send + Sync + 'static,
    F::Response: axum::response::IntoResponse,
    F::Future: Send + 'static,
{
    with_layers(router.fallback_service(fallback), state)
}

/// The JSON 404 for a path no route serves.
pub async fn route_not_found() -> ApiError {
    ApiError::not_found("route_not_found", "No such route")
}

fn with_layers<S: Clone + Send + Sync + 'static>(router: Router<S>, state: S) -> Router {
    router
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "This route does not accept that method",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// One line per request: method, route template (never the raw path, which
/// may hold ids of people), status and latency.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}
