//! The dealership's webhook endpoints (`/api/webhooks`, admin): add,
//! change, rotate the secret, remove; the delivery log and "send again".
//! A secret is shown once, when it is made; the store keeps it in the
//! secret store, never in the dealership record.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::webhook_events::json;
use crate::audit::AuditEntry;
use crate::capture::sources::SecretWriter;
use crate::error::{DEALERSHIP_NOT_FOUND, DomainError, DomainResult};
use crate::integrations::webhooks::{
    self, DeliveryStatus, MAX_ENDPOINTS, SigningSecrets, WebhookDelivery, WebhookEndpoint,
    WebhookEvent, WebhookEventType,
};
use crate::jobs::{Envelope, WebhookJob};
use crate::model::Dealership;
use crate::model::plan::{Feature, upgrade_required};
use crate::permissions::{Actor, Permission};
use crate::ports::{StoreError, Stores};
use crate::queue::Queue;
use crate::validation::FieldErrors;

pub const ENDPOINT_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "webhook_endpoint_not_found",
    message: "Webhook endpoint not found",
};
pub const DELIVERY_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "webhook_delivery_not_found",
    message: "Webhook delivery not found",
};

/// What the endpoint API needs beyond the stores.
#[derive(Clone)]
pub struct EndpointServices {
    pub stores: Stores,
    pub secrets: Arc<dyn SecretWriter>,
    /// Where "send again" puts the delivery (the events queue).
    pub queue: Arc<dyn Queue>,
    /// Private and loopback receivers over `http` (a local run only).
    pub allow_private: bool,
}

/// `POST /api/webhooks`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEndpoint {
    /// `https://…` on the public internet.
    pub url: String,
    /// The events it hears of; at least one.
    pub events: Vec<WebhookEventType>,
}

/// `PATCH /api/webhooks/{id}`: absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndpointPatch {
    pub url: Option<String>,
    pub events: Option<Vec<WebhookEventType>>,
    /// Turns it on (again, after a `410 Gone`) or off.
    pub enabled: Option<bool>,
    /// Makes a new secret, shown once; the old one keeps signing for 24
    /// hours beside it.
    #[serde(default)]
    pub rotate_secret: bool,
}

/// An endpoint, with its signing secret when this call made one.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndpointView {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`, shown only in the answer that made it.
    pub secret: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndpointList {
    pub items: Vec<WebhookEndpoint>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<WebhookDelivery>,
}

async fn dealership(stores: &Stores, actor: &Actor) -> DomainResult<Dealership> {
    actor.require(Permission::ManageDealership)?;
    stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)
}

fn validate(
    e: &mut FieldErrors,
    url: Option<&str>,
    events: Option<&[WebhookEventType]>,
    allow_private: bool,
) {
    if let Some(url) = url
        && let Some(problem) = webhooks::url_problem(url.trim(), allow_private)
    {
        e.add("url", problem);
    }
    if events.is_some_and(<[_]>::is_empty) {
        e.add("events", "names at least one event");
    }
}

fn events_sorted(events: &[WebhookEventType]) -> Vec<WebhookEventType> {
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    events
}

async fn save(
    stores: &Stores,
    actor: &Actor,
    mut dealership: Dealership,
    action: &str,
    endpoint_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    dealership.updated_at = now;
    stores
        .dealerships
        .update_dealership(&actor.tenant, &dealership)
        .await?;
    crate::service::account::audit(
        stores,
        actor,
        AuditEntry::new(
            actor,
            action,
            Some(format!("webhook:{endpoint_id}")),
            serde_json::json!({}),
            now,
        ),
    )
    .await
}

pub async fn list(stores: &Stores, actor: &Actor) -> DomainResult<EndpointList> {
    Ok(EndpointList {
        items: dealership(stores, actor).await?.webhooks,
    })
}

pub async fn create(
    s: &EndpointServices,
    actor: &Actor,
    new: NewEndpoint,
    now: DateTime<Utc>,
) -> DomainResult<EndpointView> {
    let mut dealership = dealership(&s.stores, actor).await?;
    if !dealership.allows(Feature::Webhooks) {
        return Err(upgrade_required(Feature::Webhooks));
    }
    let mut e = FieldErrors::new();
    validate(&mut e, Some(&new.url), Some(&new.events), s.allow_private);
    if dealership.webhooks.len() >= MAX_ENDPOINTS {
        e.add(
            "url",
            format!("at most {MAX_ENDPOINTS} endpoints per dealership"),
        );
    }
    e.finish(())?;
    let endpoint = WebhookEndpoint {
        id: webhooks::new_endpoint_id(),
        url: new.url.trim().to_string(),
        events: events_sorted(&new.events),
        enabled: true,
        disabled_reason: None,
        created_at: now,
    };
    let secret = webhooks::new_secret();
    put_secrets(s, actor, &endpoint.id, &SigningSecrets::new(secret.clone())).await?;
    dealership.webhooks.push(endpoint.clone());
    save(
        &s.stores,
        actor,
        dealership,
        "webhook.created",
        &endpoint.id,
        now,
    )
    .await?;
    Ok(EndpointView {
        endpoint,
        secret: Some(secret),
    })
}

pub async fn update(
    s: &EndpointServices,
    actor: &Actor,
    id: &str,
    patch: EndpointPatch,
    now: DateTime<Utc>,
) -> DomainResult<EndpointView> {
    let mut dealership = dealership(&s.stores, actor).await?;
    if patch.enabled == Some(true) && !dealership.allows(Feature::Webhooks) {
        return Err(upgrade_required(Feature::Webhooks));
    }
    let mut e = FieldErrors::new();
    validate(
        &mut e,
        patch.url.as_deref(),
        patch.events.as_deref(),
        s.allow_private,
    );
    e.finish(())?;
    let endpoint = dealership
        .webhooks
        .iter_mut()
        .find(|w| w.id == id)
        .ok_or(ENDPOINT_NOT_FOUND)?;
    if let Some(url) = &patch.url {
        endpoint.url = url.trim().to_string();
    }
    if let Some(events) = &patch.events {
        endpoint.events = events_sorted(events);
    }
    match patch.enabled {
        Some(true) => {
            endpoint.enabled = true;
            endpoint.disabled_reason = None;
        }
        Some(false) if endpoint.enabled => {
            endpoint.enabled = false;
            endpoint.disabled_reason = Some("Slått av i innstillingene".into());
        }
        _ => {}
    }
    let endpoint = endpoint.clone();
    let secret = if patch.rotate_secret {
        let name = webhooks::endpoint_secret(actor.tenant.dealership_id(), id);
        let mut secrets: SigningSecrets =
            match s.secrets.secret(&name).await.map_err(StoreError::from)? {
                Some(stored) => serde_json::from_str(&stored).unwrap_or_default(),
                None => SigningSecrets::default(),
            };
        let fresh = webhooks::new_secret();
        secrets.rotate(fresh.clone(), now);
        put_secrets(s, actor, id, &secrets).await?;
        Some(fresh)
    } else {
        None
    };
    save(&s.stores, actor, dealership, "webhook.updated", id, now).await?;
    Ok(EndpointView { endpoint, secret })
}

pub async fn delete(
    s: &EndpointServices,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    let mut dealership = dealership(&s.stores, actor).await?;
    let before = dealership.webhooks.len();
    dealership.webhooks.retain(|w| w.id != id);
    if dealership.webhooks.len() == before {
        return Err(ENDPOINT_NOT_FOUND);
    }
    save(&s.stores, actor, dealership, "webhook.deleted", id, now).await?;
    let name = webhooks::endpoint_secret(actor.tenant.dealership_id(), id);
    if let Err(e) = s.secrets.delete_secret(&name).await {
        tracing::warn!(error = %e, secret = %name, "could not delete a webhook secret");
    }
    Ok(())
}

pub async fn deliveries(
    stores: &Stores,
    actor: &Actor,
    id: &str,
    limit: usize,
) -> DomainResult<DeliveryList> {
    let dealership = dealership(stores, actor).await?;
    if !dealership.webhooks.iter().any(|w| w.id == id) {
        return Err(ENDPOINT_NOT_FOUND);
    }
    Ok(DeliveryList {
        items: stores
            .webhook_log
            .list_deliveries(&actor.tenant, id, limit.clamp(1, 100))
            .await?,
    })
}

/// Sends a logged event again, as it is now, with its `webhook-id`: a new
/// delivery in the log, tried at once.
pub async fn resend(
    s: &EndpointServices,
    actor: &Actor,
    id: &str,
    delivery_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<WebhookDelivery> {
    let dealership = dealership(&s.stores, actor).await?;
    let endpoint = dealership
        .webhooks
        .iter()
        .find(|w| w.id == id)
        .ok_or(ENDPOINT_NOT_FOUND)?;
    if !endpoint.enabled {
        return Err(DomainError::Conflict {
            code: "webhook_endpoint_disabled",
            message: "The endpoint is turned off; turn it on first".into(),
        });
    }
    let old = s
        .stores
        .webhook_log
        .get_delivery(&actor.tenant, id, delivery_id)
        .await?
        .ok_or(DELIVERY_NOT_FOUND)?;
    let data = current_data(&s.stores, actor, &old)
        .await?
        .ok_or(DomainError::Conflict {
            code: "webhook_subject_gone",
            message: "What the event was about no longer exists".into(),
        })?;
    let delivery = WebhookDelivery {
        id: uuid::Uuid::now_v7().to_string(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_status_code: None,
        last_error: None,
        created_at: now,
        last_attempt_at: None,
        next_attempt_at: None,
        ..old.clone()
    };
    s.stores
        .webhook_log
        .put_delivery(&actor.tenant, &delivery)
        .await?;
    let job = WebhookJob {
        endpoint_id: id.to_string(),
        delivery_id: delivery.id.clone(),
        event_key: old.event_key.clone(),
        lead_id: old.lead_id,
        subject_id: old.subject_id.clone(),
        event: WebhookEvent {
            event_type: old.event_type,
            timestamp: now,
            data,
        },
        attempt: 1,
        not_before: None,
        resend: true,
    };
    Envelope::webhook(
        actor.tenant.dealership_id(),
        job,
        &uuid::Uuid::now_v7().to_string(),
        now,
    )
    .enqueue(s.queue.as_ref())
    .await
    .map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(delivery)
}

/// The event's subject as it is now; `None` when it is gone.
async fn current_data(
    stores: &Stores,
    actor: &Actor,
    d: &WebhookDelivery,
) -> DomainResult<Option<serde_json::Value>> {
    let tenant = &actor.tenant;
    Ok(match d.event_type {
        WebhookEventType::LeadCreated | WebhookEventType::LeadUpdated => stores
            .leads
            .get_lead(tenant, d.lead_id)
            .await?
            .map(|l| json(&l)),
        WebhookEventType::MessageCreated => stores
            .conversations
            .all_messages(tenant, d.lead_id)
            .await?
            .into_iter()
            .find(|m| m.id.to_string() == d.subject_id)
            .map(|m| json(&m)),
        WebhookEventType::AppointmentBooked | WebhookEventType::AppointmentChanged => stores
            .appointments
            .appointments_of_lead(tenant, d.lead_id)
            .await?
            .into_iter()
            .find(|a| a.id.to_string() == d.subject_id)
            .map(|a| json(&a)),
    })
}

async fn put_secrets(
    s: &EndpointServices,
    actor: &Actor,
    endpoint_id: &str,
    secrets: &SigningSecrets,
) -> DomainResult<()> {
    let name = webhooks::endpoint_secret(actor.tenant.dealership_id(), endpoint_id);
    let value = serde_json::to_string(secrets).expect("secrets serialise");
    s.secrets
        .put_secret(&name, &value)
        .await
        .map_err(StoreError::from)?;
    Ok(())
}
