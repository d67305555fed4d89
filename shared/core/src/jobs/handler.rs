//! The consumer's side of a queue: a batch of deliveries through a
//! [`JobHandler`], answered the way SQS wants (the messages to deliver
//! again). The same code runs under Lambda and the local workers.

use async_trait::async_trait;

use super::JobError;
use crate::queue::{Queue, QueueName};

/// One message handed to a consumer.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: String,
    pub body: String,
    /// 1 on the first delivery.
    pub receive_count: u32,
}

/// A consumer of one queue's jobs. `Err(Retry)` leaves the message for
/// another delivery (until the DLQ takes it); `Err(Dead)` sends it to the
/// DLQ now.
#[async_trait]
pub trait JobHandler: Send + Sync {
    async fn handle(&self, delivery: &Delivery) -> Result<(), JobError>;
}

/// A message of a batch that must be delivered again, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub id: String,
    pub reason: String,
}

/// Runs a batch through `handler` one message at a time and returns those
/// that must be delivered again (SQS `batchItemFailures`). A `Dead` message
/// is moved to the DLQ here; if even that fails it is retried instead, so
/// nothing is lost.
pub async fn run_batch(
    queue: &dyn Queue,
    name: QueueName,
    handler: &dyn JobHandler,
    deliveries: &[Delivery],
) -> Vec<Failure> {
    let mut failed = Vec::new();
    for d in deliveries {
        let retry = match handler.handle(d).await {
            Ok(()) => None,
            Err(JobError::Retry(reason)) => Some(reason),
            Err(JobError::Dead(reason)) => match queue.dead_letter(name, &d.body, &reason).await {
                Ok(()) => {
                    crate::metrics::Metric::count("JobsDeadLettered", 1)
                        .dimension("Queue", name.as_str())
                        .emit();
                    None
                }
                Err(e) => Some(format!("{reason}; and the DLQ refused it: {e}")),
            },
        };
        if let Some(reason) = retry {
            failed.push(Failure {
                id: d.id.clone(),
                reason,
            });
        }
    }
    failed
}
