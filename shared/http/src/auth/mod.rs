//! Authentication: a Clerk session token (RS256 JWT) in `Authorization:
//! Bearer` (or the `__session` cookie) becomes an [`Actor`] acting in one
//! dealership. Verification is ours even behind API Gateway's JWT
//! authorizer, so local and cloud share one code path.

mod claims;
mod jwks;
mod verifier;

pub use claims::Session;
pub use jwks::JwksCache;
pub use verifier::{AuthError, JwtVerifier, KeySource};

use axum::extract::FromRequestParts;
use axum::http::{header, request::Parts};
use norvalt_core::Actor;
use norvalt_core::service::account;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::FromRef;

/// The authenticated caller; extracting it is what makes a route private.
pub struct Auth(pub Actor);

impl<S> FromRequestParts<S> for Auth
where
    AppState: axum::extract::FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let state = &AppState::from_ref(state);
        let token = bearer_token(parts).ok_or_else(|| {
            ApiError::unauthorized("missing_token", "Sign in: send a Bearer token")
        })?;
        let session = state.verifier.verify(token).await.map_err(|e| {
            tracing::info!(reason = %e, "rejected token");
            ApiError::unauthorized(e.code(), e.to_string())
        })?;
        let actor = account::actor_for(
            &state.stores,
            session.org_id.as_deref(),
            &session.user_id,
            session.org_role.as_deref(),
        )
        .await?;
        Ok(Auth(actor))
    }
}

fn bearer_token(parts: &Parts) -> Option<&str> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return (scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty())
            .then(|| token.trim());
    }
    // The dashboard on Clerk's own domain sends the session as a cookie.
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("__session="))
        .filter(|t| !t.is_empty())
}
