//! The events queue's jobs (`event-sender`): what goes out to the
//! dealership's other systems.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Envelope, Job, LeadJob};
use crate::ids::{DealershipId, LeadId};
use crate::queue::QueueName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum EventJob {
    /// Send the stages the lead has reached and Meta has not been told of
    /// to the Conversions API. The consumer reads the lead afresh, so a job
    /// that arrives late sends what is true then.
    #[serde(rename = "events.meta_stages")]
    MetaStages(LeadJob),
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
