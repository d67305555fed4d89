//! The contract for queued work. Every queue message is an [`Envelope`]: the
//! same header (version, dealership, idempotency key, trace id, enqueued-at)
//! around one job of the queue's own tagged enum, whose `type` and
//! `payload` sit beside the header on the wire:
//!
//! ```text
//! {"type":"send.message","version":1,"dealership_id":"…","idempotency_key":"send:…",
//!  "trace_id":"…","enqueued_at":"…","payload":{"lead_id":"…","message_id":"…"}}
//! ```
//!
//! | queue   | job enum                         | consumer        |
//! |---------|----------------------------------|-----------------|
//! | capture | [`crate::capture::Capture`]      | `lead-intake`   |
//! | ai      | [`AiJob`]                        | `ai-responder`  |
//! | send    | [`SendJob`]                      | `sender`        |
//! | imap    | [`ImapJob`]                      | `imap-mailbox`  |
//! | events  | [`EventJob`]                     | `event-sender`  |
//!
//! The job types live here, not in the service that first sent them, so
//! producers and consumers depend on this module and not on each other. A
//! consumer answers with `Result<(), JobError>`: retry, or dead-letter.
//!
//! **Versioning.** The `type` names and payload fields are the wire format:
//! a message written by the previous release may still be on a queue when
//! the next one reads it. Add fields with `#[serde(default)]`; rename
//! nothing; a new shape gets a new `type` (or a higher `version` that the
//! consumer checks). `tests` below keeps one message of every shape ever
//! sent, and each must still parse.

mod ai;
mod events;
mod handler;
mod imap;
mod send;

pub use ai::{AiJob, FollowUpWrite, LeadJob, TurnJob};
pub use events::{EventJob, WebhookJob};
pub use handler::{Delivery, Failure, JobHandler, run_batch};
pub use imap::ImapJob;
pub use send::{LeadEvent, MessageJob, NoticeJob, SendJob, notify, send_message};

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::ids::DealershipId;
use crate::ports::StoreError;
use crate::queue::{Queue, QueueError, QueueName};

/// The envelope version this release writes and reads.
pub const VERSION: u32 = 1;

/// One queue message: the header, and the job flattened beside it. `D` is
/// the dealership id; only capture envelopes may lack one (an email's
/// dealership is known once its recipients are read).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<J, D = DealershipId> {
    pub version: u32,
    pub dealership_id: D,
    /// The source's own identity of this work: a second message with the
    /// same key changes nothing.
    pub idempotency_key: String,
    pub trace_id: String,
    pub enqueued_at: DateTime<Utc>,
    #[serde(flatten)]
    pub job: J,
}

/// A job enum that belongs on one queue.
pub trait Job: Serialize + DeserializeOwned {
    const QUEUE: QueueName;
}

impl<J, D> Envelope<J, D>
where
    J: Serialize + DeserializeOwned,
    D: Serialize + DeserializeOwned,
{
    pub fn new(
        dealership_id: D,
        idempotency_key: String,
        trace_id: String,
        now: DateTime<Utc>,
        job: J,
    ) -> Self {
        Self {
            version: VERSION,
            dealership_id,
            idempotency_key,
            trace_id,
            enqueued_at: now,
            job,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an envelope always serialises")
    }

    /// A message body as this envelope. A body that does not parse, or that
    /// a newer release wrote, can never succeed: [`JobError::Dead`].
    pub fn parse(body: &str) -> Result<Self, JobError> {
        let envelope: Self = serde_json::from_str(body)
            .map_err(|e| JobError::Dead(format!("malformed envelope: {e}")))?;
        if envelope.version > VERSION {
            return Err(JobError::Dead(format!(
                "envelope version {} is newer than this release reads ({VERSION})",
                envelope.version
            )));
        }
        Ok(envelope)
    }
}

impl<J: Job, D: Serialize + DeserializeOwned> Envelope<J, D> {
    /// Puts the envelope on its job's queue; returns once it is stored.
    pub async fn enqueue(&self, queue: &dyn Queue) -> Result<(), QueueError> {
        queue.send(J::QUEUE, &self.to_json()).await
    }

    /// Like [`enqueue`](Self::enqueue), invisible for `delay_secs` (≤ 900).
    pub async fn enqueue_after(
        &self,
        queue: &dyn Queue,
        delay_secs: u32,
    ) -> Result<(), QueueError> {
        queue
            .send_after(J::QUEUE, &self.to_json(), delay_secs)
            .await
    }
}

/// Why a job did not finish.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// Worth another delivery (until the queue's DLQ takes it).
    #[error("retry: {0}")]
    Retry(String),
    /// No retry can mend it: straight to the DLQ with this reason.
    #[error("dead: {0}")]
    Dead(String),
}

/// A store that failed (or a write that lost a race) may well succeed on
/// the next delivery.
impl From<StoreError> for JobError {
    fn from(e: StoreError) -> Self {
        JobError::Retry(e.to_string())
    }
}

impl From<QueueError> for JobError {
    fn from(e: QueueError) -> Self {
        JobError::Retry(e.to_string())
    }
}

#[cfg(test)]
mod tests;
