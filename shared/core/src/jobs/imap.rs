//! The imap queue's job (`imap-mailbox`): poll one dealership's mailbox.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Envelope, Job};
use crate::ids::DealershipId;
use crate::queue::QueueName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum ImapJob {
    /// The envelope's dealership names the mailbox; there is no payload.
    #[serde(rename = "imap.poll")]
    Poll,
}

impl Job for ImapJob {
    const QUEUE: QueueName = QueueName::Imap;
}

impl Envelope<ImapJob> {
    /// Keyed `imap:<dealership>:<minute>`: one poll per mailbox per tick.
    pub fn poll(dealership_id: DealershipId, trace_id: &str, now: DateTime<Utc>) -> Self {
        Self::new(
            dealership_id,
            format!("imap:{dealership_id}:{}", now.timestamp() / 60),
            trace_id.into(),
            now,
            ImapJob::Poll,
        )
    }
}
