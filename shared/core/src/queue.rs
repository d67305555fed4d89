//! The queue transport: the queues, sending, and ops' view of the
//! dead-letter queues. SQS in AWS, a durable SQLite queue locally; both have
//! the same semantics (visibility timeout, receive count, a dead-letter
//! queue after [`QueueName::max_receives`] deliveries). What travels on
//! them, and how a consumer answers, is [`crate::jobs`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueName {
    /// Capture envelopes from the webhooks, mail and IMAP → `lead-intake`.
    Capture,
    /// Leads that need a reply → `ai-responder`.
    Ai,
    /// Messages to send → `sender`.
    Send,
    /// One mailbox to poll, put there by the IMAP schedule → `imap-mailbox`.
    Imap,
    /// Events for the dealership's other systems (lead stages to Meta),
    /// put there by `event-scan` → `event-sender`.
    Events,
}

impl QueueName {
    pub const ALL: [QueueName; 5] = [
        QueueName::Capture,
        QueueName::Ai,
        QueueName::Send,
        QueueName::Imap,
        QueueName::Events,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QueueName::Capture => "capture",
            QueueName::Ai => "ai",
            QueueName::Send => "send",
            QueueName::Imap => "imap",
            QueueName::Events => "events",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|q| q.as_str() == name)
    }

    /// Deliveries before a message goes to the DLQ: webhook captures 3,
    /// AI generation 5, sending 3 (docs/architecture.md).
    pub fn max_receives(self) -> u32 {
        match self {
            QueueName::Capture => 3,
            QueueName::Ai => 5,
            QueueName::Send => 3,
            // A poll that failed is the next minute's poll anyway.
            QueueName::Imap => 2,
            // Five tries, 2 minutes apart (the visibility timeout): a short
            // outage at Meta passes; a longer one waits in the DLQ for a
            // redrive. (Webhooks keep their own three-day back-off.)
            QueueName::Events => 5,
        }
    }

    /// The consumer's time budget per message, in seconds.
    pub fn timeout_secs(self) -> u64 {
        match self {
            QueueName::Capture => 10,
            QueueName::Ai => 30,
            QueueName::Send => 15,
            // The mailbox deadline (20 s) and room to record the outcome.
            QueueName::Imap => 30,
            // One HTTP call of at most 10 s, and the claims and log around it.
            QueueName::Events => 20,
        }
    }

    /// SQS guidance: visibility at least six times the function timeout.
    pub fn visibility_secs(self) -> u64 {
        self.timeout_secs() * 6
    }
}

#[derive(Debug, thiserror::Error)]
#[error("queue failed: {0}")]
pub struct QueueError(pub String);

#[async_trait]
pub trait Queue: Send + Sync {
    /// Returns once the message is durably stored.
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError>;
    /// Like [`send`](Queue::send), invisible to consumers for `delay_secs`
    /// (at most 900, SQS's limit): for work that must not crowd out what is
    /// urgent.
    async fn send_after(
        &self,
        queue: QueueName,
        body: &str,
        delay_secs: u32,
    ) -> Result<(), QueueError> {
        let _ = delay_secs;
        self.send(queue, body).await
    }
    /// Puts a message straight on the queue's DLQ with the reason: for
    /// failures that no retry can mend (an expired token, a malformed body).
    async fn dead_letter(
        &self,
        queue: QueueName,
        body: &str,
        reason: &str,
    ) -> Result<(), QueueError>;
}

/// A message on a dead-letter queue, as ops see it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeadLetter {
    pub id: String,
    pub queue: QueueName,
    pub body: String,
    pub reason: Option<String>,
    pub receive_count: u32,
    pub failed_at: Option<DateTime<Utc>>,
}

/// Ops' view of the DLQs: `scripts/dev dlq list|show|redrive`.
#[async_trait]
pub trait DeadLetters: Send + Sync {
    async fn list(&self, queue: QueueName, limit: usize) -> Result<Vec<DeadLetter>, QueueError>;
    async fn show(&self, queue: QueueName, id: &str) -> Result<Option<DeadLetter>, QueueError>;
    /// Moves the message (or all when `id` is `None`) back to the queue with
    /// a fresh receive count; returns how many moved.
    async fn redrive(&self, queue: QueueName, id: Option<&str>) -> Result<usize, QueueError>;
}
