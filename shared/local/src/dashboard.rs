//! The dashboard beside the API on the local server: its built files (the
//! static export in `dashboard/out`), the runtime configuration it reads on
//! start, and the dev-only login that stands in for Clerk's sign-in page.
//!
//! None of this exists in AWS: there the dashboard is served from S3 behind
//! CloudFront with its own `config.json`, and Clerk signs people in.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

use norvalt_core::UserId;
use norvalt_core::service::provisioning;
use norvalt_http::error::ApiError;
use norvalt_http::extract::JsonBody;

use crate::keys::{LocalKeys, SessionClaims};

/// How long a dev-login session lasts.
const DEV_SESSION_SECS: i64 = 12 * 3600;

/// Where the built dashboard is: `NORVALT_DASHBOARD_DIR`, default
/// `dashboard/out` under the working directory (`scripts/dev` runs from the
/// repository root).
pub fn dashboard_dir() -> PathBuf {
    std::env::var_os("NORVALT_DASHBOARD_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("dashboard/out"))
}

/// `config.json` (what the dashboard reads before anything else) and, when
/// `dev_login` is on, the dev login's two routes.
pub fn routes(stores: norvalt_core::Stores, keys: Arc<LocalKeys>, dev_login: bool) -> Router {
    let config = json!({
        // Empty: the API is on the dashboard's own origin.
        "api_url": "",
        "auth": if dev_login { "local" } else { "none" },
    });
    let router = Router::new().route("/config.json", get(move || async move { Json(config) }));
    if !dev_login {
        return router;
    }
    router.merge(
        Router::new()
            .route("/dev/login/users", get(list_users))
            .route("/dev/login/token", post(mint_token))
            .route_layer(axum::middleware::from_fn(loopback_host_only))
            .with_state(DevLogin { stores, keys }),
    )
}

/// The dev login answers only requests addressed to a loopback name. A page
/// on another site can point its own domain at 127.0.0.1 (DNS rebinding) and
/// then read our answers as same-origin; its requests still carry its own
/// domain in `Host`, and are refused here.
async fn loopback_host_only(request: Request, next: axum::middleware::Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if is_loopback_host(host) {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "host_not_allowed",
            "The dev login answers only on localhost or a loopback address",
        )
        .into_response()
    }
}

/// `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod host_tests {
    use super::is_loopback_host;

    #[test]
    fn only_loopback_names_pass() {
        for ok in [
            "localhost:8080",
            "127.0.0.1:8080",
            "127.0.0.1",
            "[::1]:8080",
            "app.localhost",
            "LOCALHOST",
        ] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
            "10.0.0.1:8080",
            "[::2]:80",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }
}

#[derive(Clone)]
struct DevLogin {
    stores: norvalt_core::Stores,
    keys: Arc<LocalKeys>,
}

/// Every dealership with its active team, for the login page to list.
async fn list_users(State(login): State<DevLogin>) -> Result<Json<serde_json::Value>, ApiError> {
    let directory = provisioning::directory(&login.stores).await?;
    let dealerships: Vec<_> = directory
        .into_iter()
        .filter(|(_, d, _)| d.clerk_org_id.is_some())
        .map(|(_, d, team)| {
            let users: Vec<_> = team
                .into_iter()
                .filter(|u| u.active)
                .map(|u| json!({"id": u.id, "name": u.name, "email": u.email, "role": u.role.as_str()}))
                .collect();
            json!({"slug": d.slug, "name": d.name, "users": users})
        })
        .collect();
    Ok(Json(json!({ "dealerships": dealerships })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    dealership: String,
    user_id: UserId,
}

/// A Clerk-shaped session token for one user of one dealership, signed by
/// the local key: the API verifies it exactly as it verifies Clerk's.
async fn mint_token(
    State(login): State<DevLogin>,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let not_found =
        || ApiError::not_found("user_not_found", "No such active user at that dealership");
    let (tenant, dealership) = provisioning::find_by_slug(&login.stores, &request.dealership)
        .await?
        .ok_or_else(not_found)?;
    let user = login
        .stores
        .users
        .get_user(&tenant, request.user_id)
        .await
        .map_err(norvalt_core::DomainError::from)?
        .filter(|u| u.active)
        .ok_or_else(not_found)?;
    let org_id = dealership.clerk_org_id.clone().ok_or_else(not_found)?;
    let claims = SessionClaims {
        clerk_user_id: user.clerk_user_id.clone(),
        org_id,
        org_slug: dealership.slug.clone(),
        role: user.role.as_str().to_string(),
    };
    let token = login.keys.mint(&claims, DEV_SESSION_SECS);
    let expires_at = norvalt_core::time::now() + chrono::Duration::seconds(DEV_SESSION_SECS);
    Ok(Json(json!({ "token": token, "expires_at": expires_at })))
}

/// Answers what no route matched: the dashboard's files, or a JSON 404 for
/// API-shaped paths so that clients of the API never get an HTML page.
pub fn files_fallback(
    dir: PathBuf,
) -> impl tower::Service<
    Request,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = Result<Response, Infallible>> + Send,
> + Clone
+ Send
+ Sync
+ 'static {
    let files = ServeDir::new(&dir)
        .append_index_html_on_directories(true)
        .not_found_service(ServeFile::new(dir.join("404.html")));
    let built = dir.join("index.html").is_file();
    tower::service_fn(move |request: Request| {
        let files = files.clone();
        let dir = dir.clone();
        async move {
            let path = request.uri().path().to_string();
            if is_api_path(&path) {
                return Ok(norvalt_http::app::route_not_found().await.into_response());
            }
            if !built && !dir.join("index.html").is_file() {
                return Ok(not_built(&dir));
            }
            let Ok(mut response) = files.oneshot(request).await;
            // Next's hashed bundles never change; pages must be re-read.
            let cache = match path.starts_with("/_next/static/") {
                true => "public, max-age=31536000, immutable",
                false => "no-cache",
            };
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            Ok(response.map(Body::new))
        }
    })
}

fn is_api_path(path: &str) -> bool {
    ["/api/", "/webhooks/", "/dev/", "/unsubscribe/"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
        || path == "/api"
}

fn not_built(dir: &std::path::Path) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"nb\"><meta charset=\"utf-8\"><title>Norvalt</title>\
         <p>Dashbordet er ikke bygget ennå ({}). Start med <code>scripts/dev serve</code>, \
         som bygger det, eller kjør <code>npm --prefix dashboard ci &amp;&amp; npm --prefix dashboard run build</code>.</p>\
         <p>API-et kjører: <a href=\"/api/docs\">/api/docs</a>.</p></html>",
        dir.display()
    );
    (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response()
}
