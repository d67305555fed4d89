//! One event to one webhook endpoint, signed per Standard Webhooks. A
//! failure is tried again on the back-off schedule (about three days); a
//! `410 Gone` turns the endpoint off. Each attempt is written to the
//! endpoint's delivery log.
//!
//! Once per endpoint and event: the first attempt claims
//! `wh:<endpoint>:<event key>`, so a scan that finds the event again sends
//! nothing. Should a holder crash mid-call, the event goes again with the
//! same `webhook-id`, which the receiver uses to drop the repeat.

use chrono::{DateTime, Utc};

use super::EventSender;
use crate::integrations::webhooks::{
    self, DeliveryStatus, SigningSecrets, WebhookDelivery, WebhookEndpoint,
};
use crate::jobs::{Envelope, JobError, WebhookJob};
use crate::outbound::claims::{self, ClaimRecord, ClaimState, Taken};
use crate::tenancy::TenantId;

/// SQS holds a message back at most this long; a longer back-off waits in
/// several hops.
const MAX_QUEUE_DELAY: i64 = 900;

impl EventSender {
    pub(super) async fn deliver_webhook(
        &self,
        tenant: &TenantId,
        job: &WebhookJob,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        if let Some(due) = job.not_before.filter(|due| *due > now) {
            return self.wait(tenant, job.clone(), due, trace_id, now).await;
        }
        let Some(dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(());
        };
        // Removed or turned off since: nothing more goes to it.
        let Some(endpoint) = dealership
            .webhooks
            .iter()
            .find(|e| e.id == job.endpoint_id && e.enabled)
        else {
            return Ok(());
        };
        let claim = if job.attempt == 1 && !job.resend {
            match self.claim(tenant, job, now).await? {
                Some(claim) => Some(claim),
                None => return Ok(()),
            }
        } else {
            None
        };
        let outcome = self.post(tenant, endpoint, job, now).await;
        let mut delivery = match self
            .stores
            .webhook_log
            .get_delivery(tenant, &endpoint.id, &job.delivery_id)
            .await?
        {
            Some(d) => d,
            None => new_delivery(job, now),
        };
        delivery.attempts = job.attempt;
        delivery.last_attempt_at = Some(now);
        delivery.next_attempt_at = None;
        match outcome {
            Ok(code) if (200..300).contains(&code) => {
                delivery.status = DeliveryStatus::Succeeded;
                delivery.last_status_code = Some(code);
                delivery.last_error = None;
            }
            Ok(410) => {
                delivery.status = DeliveryStatus::Gone;
                delivery.last_status_code = Some(410);
                delivery.last_error = Some("410 Gone: the endpoint is turned off".into());
                self.turn_off(tenant, &endpoint.id, now).await?;
            }
            failed => {
                let (code, error) = match failed {
                    Ok(code) => (Some(code), format!("HTTP {code}")),
                    Err(e) => (None, e),
                };
                delivery.last_status_code = code;
                delivery.last_error = Some(error);
                match webhooks::retry_delay(&self.webhooks.retry_schedule, job.attempt) {
                    Some(delay) => {
                        let due = now + delay;
                        delivery.status = DeliveryStatus::Retrying;
                        delivery.next_attempt_at = Some(due);
                        let next = WebhookJob {
                            attempt: job.attempt + 1,
                            not_before: Some(due),
                            ..job.clone()
                        };
                        self.wait(tenant, next, due, trace_id, now).await?;
                    }
                    None => delivery.status = DeliveryStatus::Failed,
                }
            }
        }
        self.stores
            .webhook_log
            .put_delivery(tenant, &delivery)
            .await?;
        if let Some(claim) = claim {
            let mut done = claim.clone();
            done.state = ClaimState::Done;
            done.updated_at = now;
            done.detail = Some(format!("{:?}", delivery.status));
            self.stores
                .claims
                .update_claim(tenant, &done, claim.claimed_at)
                .await?;
        }
        tracing::info!(endpoint = %endpoint.id, event = %job.event_key, attempt = job.attempt, status = ?delivery.status, "webhook delivery");
        Ok(())
    }

    /// The event's claim for this endpoint, or `None` when it is sent (or
    /// being sent) already.
    async fn claim(
        &self,
        tenant: &TenantId,
        job: &WebhookJob,
        now: DateTime<Utc>,
    ) -> Result<Option<ClaimRecord>, JobError> {
        let key = format!("wh:{}:{}", job.endpoint_id, job.event_key);
        let record = ClaimRecord::new(key.clone(), &job.delivery_id, now);
        match claims::take(&self.stores, tenant, record, now).await? {
            Taken::Mine(record) => Ok(Some(record)),
            Taken::Done => Ok(None),
            Taken::Busy => Err(JobError::Retry(format!(
                "{key}: another delivery is sending it"
            ))),
        }
    }

    /// Signs and posts the event; the receiver's status or what went wrong.
    async fn post(
        &self,
        tenant: &TenantId,
        endpoint: &WebhookEndpoint,
        job: &WebhookJob,
        now: DateTime<Utc>,
    ) -> Result<u16, String> {
        let name = webhooks::endpoint_secret(tenant.dealership_id(), &endpoint.id);
        let secrets: SigningSecrets = match self.secrets.secret(&name).await {
            Ok(Some(stored)) => serde_json::from_str(&stored)
                .map_err(|e| format!("the endpoint's signing secret is unreadable ({e})"))?,
            Ok(None) => return Err("the endpoint has no signing secret".into()),
            Err(e) => return Err(format!("the secret store failed: {e}")),
        };
        let body = serde_json::to_vec(&job.event).expect("an event serialises");
        let message_id = webhooks::message_id(&job.event_key);
        let timestamp = now.timestamp();
        let signature = webhooks::signature_header(&secrets, now, &message_id, timestamp, &body);
        let headers = [
            ("content-type", "application/json".to_string()),
            ("webhook-id", message_id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
            ("user-agent", "Norvalt-Webhooks/1".to_string()),
        ];
        self.webhooks
            .poster
            .post(&endpoint.url, &headers, body, self.webhooks.allow_private)
            .await
    }

    /// Puts the job back on the queue until `due` (in hops of at most 15
    /// minutes).
    async fn wait(
        &self,
        tenant: &TenantId,
        job: WebhookJob,
        due: DateTime<Utc>,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let delay = (due - now).num_seconds().clamp(0, MAX_QUEUE_DELAY) as u32;
        Envelope::webhook(tenant.dealership_id(), job, trace_id, now)
            .enqueue_after(self.webhooks.queue.as_ref(), delay)
            .await?;
        Ok(())
    }

    /// The receiver said `410 Gone`: nothing more goes to the endpoint
    /// until an admin turns it on again.
    async fn turn_off(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let Some(mut dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(());
        };
        if let Some(endpoint) = dealership.webhooks.iter_mut().find(|e| e.id == endpoint_id) {
            endpoint.enabled = false;
            endpoint.disabled_reason = Some(format!(
                "Mottakeren svarte 410 Gone {}",
                now.with_timezone(&chrono_tz::Europe::Oslo)
                    .format("%d.%m.%Y kl. %H:%M")
            ));
            dealership.updated_at = now;
            self.stores
                .dealerships
                .update_dealership(tenant, &dealership)
                .await?;
        }
        Ok(())
    }
}

fn new_delivery(job: &WebhookJob, now: DateTime<Utc>) -> WebhookDelivery {
    WebhookDelivery {
        id: job.delivery_id.clone(),
        endpoint_id: job.endpoint_id.clone(),
        message_id: webhooks::message_id(&job.event_key),
        event_type: job.event.event_type,
        event_key: job.event_key.clone(),
        lead_id: job.lead_id,
        subject_id: job.subject_id.clone(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_status_code: None,
        last_error: None,
        created_at: now,
        last_attempt_at: None,
        next_attempt_at: None,
    }
}
