//! `POST /webhooks/clerk`: Clerk's organisation-membership events (signed
//! by Svix), mirrored into the dealership's users. Its own function URL in
//! AWS (`webhook-clerk`); the signing secret is `CLERK_WEBHOOK_SIGNING_SECRET`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use norvalt_core::Stores;
use norvalt_core::config::Env;
use norvalt_core::service::billing::{self, Billed, BillingEvent};
use norvalt_core::service::membership::{self, Event, Mirrored};
use serde_json::{Value, json};

use crate::error::ApiError;

#[derive(Clone)]
pub struct ClerkWebhook {
    pub stores: Stores,
    /// `whsec_…` from the Clerk dashboard.
    pub signing_secret: String,
}

impl ClerkWebhook {
    /// `None` when `CLERK_WEBHOOK_SIGNING_SECRET` is unset (route off).
    pub fn from_env(env: &Env, stores: Stores) -> Option<Self> {
        let secret = env.optional("CLERK_WEBHOOK_SIGNING_SECRET")?;
        Some(Self {
            stores,
            signing_secret: secret,
        })
    }
}

pub fn router(state: ClerkWebhook) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/clerk", post(deliver))
        .with_state(state)
}

async fn deliver(
    State(hook): State<ClerkWebhook>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let now = norvalt_core::time::now();
    if !membership::signature_is_valid(
        &hook.signing_secret,
        header("svix-id"),
        header("svix-timestamp"),
        header("svix-signature"),
        &body,
        now,
    ) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_signature",
            "The Svix signature is missing, wrong or too old",
        ));
    }
    let delivery = membership::Delivery {
        id: header("svix-id"),
        sent_at: header("svix-timestamp")
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .unwrap_or(now),
    };
    let kind = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["type"].as_str().map(String::from))
        .unwrap_or_default();
    // Clerk Billing on the same endpoint: a subscription item sets the plan.
    if kind.starts_with("subscriptionItem.") {
        let event: BillingEvent = serde_json::from_slice(&body).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("Not a subscription item event: {e}"),
            )
        })?;
        let outcome = billing::apply(&hook.stores, &event, delivery, now)
            .await
            .map_err(norvalt_core::DomainError::from)?;
        let outcome = match outcome {
            Billed::Changed { .. } => "plan_changed",
            Billed::Ignored(why) => {
                tracing::info!(reason = why, %kind, "Clerk billing event ignored");
                "ignored"
            }
        };
        return Ok(Json(json!({ "outcome": outcome })));
    }
    let event: Event = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("Not a membership event: {e}"),
        )
    })?;
    let outcome = membership::mirror(&hook.stores, &event, delivery, now)
        .await
        .map_err(norvalt_core::DomainError::from)?;
    let outcome = match outcome {
        Mirrored::Created => "created",
        Mirrored::Updated => "updated",
        Mirrored::Deactivated => "deactivated",
        Mirrored::Ignored(why) => {
            tracing::info!(reason = why, kind = %event.kind, "Clerk event ignored");
            "ignored"
        }
    };
    Ok(Json(json!({ "outcome": outcome })))
}
