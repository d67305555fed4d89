//! `event-sender` (events queue): sends what a lead owes the dealership's
//! other systems, once: its stages to Meta's Conversions API
//! ([`super::meta_stages`]) and signed events to the dealership's webhook
//! endpoints ([`super::webhook_delivery`]).

use std::sync::Arc;

use async_trait::async_trait;

use crate::capture::sources::SecretStore;
use crate::integrations::meta_stages::ConversionsClient;
use crate::integrations::webhooks::WebhookPoster;
use crate::jobs::{Delivery, Envelope, EventJob, JobError, JobHandler, LeadJob};
use crate::ports::Stores;
use crate::queue::Queue;
use crate::tenancy::TenantId;

pub struct EventSender {
    pub stores: Stores,
    /// Each page's dataset and token; each endpoint's signing secrets.
    pub secrets: Arc<dyn SecretStore>,
    pub conversions: Arc<dyn ConversionsClient>,
    pub webhooks: WebhookSettings,
}

/// How webhooks go out.
#[derive(Clone)]
pub struct WebhookSettings {
    pub poster: Arc<dyn WebhookPoster>,
    /// Where a retry waits for its turn (the events queue).
    pub queue: Arc<dyn Queue>,
    /// Endpoints on private and loopback addresses, over `http`: a local
    /// run only (`NORVALT_WEBHOOKS_ALLOW_PRIVATE`), never the cloud.
    pub allow_private: bool,
    /// Seconds before each retry
    /// ([`crate::integrations::webhooks::RETRY_SCHEDULE`]).
    pub retry_schedule: Vec<u32>,
}

#[async_trait]
impl JobHandler for EventSender {
    async fn handle(&self, delivery: &Delivery) -> Result<(), JobError> {
        let envelope = Envelope::<EventJob>::parse(&delivery.body)?;
        // Written only by the scan and the API, which read the dealership's
        // own records.
        let tenant = TenantId::mint(envelope.dealership_id);
        let now = crate::time::now();
        match &envelope.job {
            EventJob::MetaStages(LeadJob { lead_id }) => {
                self.send_stages(&tenant, *lead_id, now).await
            }
            EventJob::Webhook(job) => {
                self.deliver_webhook(&tenant, job, &envelope.trace_id, now)
                    .await
            }
        }
    }
}
