//! The events queue's jobs (`event-sender`): what goes out to the
//! dealership's other systems.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Envelope, Job, LeadJob};
use crate::ids::{DealershipId, LeadId};
use crate::integrations::webhooks::WebhookEvent;
use crate::queue::QueueName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum EventJob {
    /// Send the stages the lead has reached and Meta has not been told of
    /// to the Conversions API. The consumer reads the lead afresh, so a job
    /// that arrives late sends what is true then.
    #[serde(rename = "events.meta_stages")]
    MetaStages(LeadJob),
    /// One event to one of the dealership's webhook endpoints; a retry is
    /// the same job with the next attempt's number and time.
    #[serde(rename = "events.webhook")]
    Webhook(WebhookJob),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookJob {
    pub endpoint_id: String,
    /// The delivery's record in the log.
    pub delivery_id: String,
    /// What the event is about (`lead.updated:<lead>:<version>` …): a scan
    /// that finds it again finds its claim.
    pub event_key: String,
    pub lead_id: LeadId,
    pub subject_id: String,
    /// The event as it was when found: what the receiver gets.
    pub event: WebhookEvent,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// Not sent before this (a retry's back-off longer than a queue delay).
    #[serde(default)]
    pub not_before: Option<DateTime<Utc>>,
    /// Sent again by a person: no claim is asked for.
    #[serde(default)]
    pub resend: bool,
}

impl Job for EventJob {
    const QUEUE: QueueName = QueueName::Events;
}

impl Envelope<EventJob> {
    /// Keyed by the lead's version: each change of the lead is looked at
    /// once, and what was sent already is never sent again (the stage
    /// claims).
    pub fn meta_stages(
        dealership_id: DealershipId,
        lead_id: LeadId,
        version: u64,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            dealership_id,
            format!("meta-stages:{lead_id}:{version}"),
            trace_id.into(),
            now,
            EventJob::MetaStages(LeadJob { lead_id }),
        )
    }
}

impl Envelope<EventJob> {
    /// Keyed by the delivery and its attempt.
    pub fn webhook(
        dealership_id: DealershipId,
        job: WebhookJob,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            dealership_id,
            format!("webhook:{}:{}", job.delivery_id, job.attempt),
            trace_id.into(),
            now,
            EventJob::Webhook(job),
        )
    }
}
