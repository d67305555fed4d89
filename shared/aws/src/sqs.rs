//! The queues on SQS. Each queue has a DLQ by redrive policy (template.yaml);
//! `dead_letter` sends straight to the DLQ for failures no retry can mend,
//! with the reason as a message attribute that ops see in `dlq show`.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::{MessageAttributeValue, MessageSystemAttributeName};
use chrono::{TimeZone, Utc};
use norvalt_core::config::{self, ConfigError, Env};
use norvalt_core::queue::{DeadLetter, DeadLetters, Queue, QueueError, QueueName};

#[derive(Clone, Debug)]
pub struct QueueUrls {
    pub queue: String,
    pub dlq: String,
}

#[derive(Clone)]
pub struct SqsQueues {
    client: Client,
    urls: HashMap<QueueName, QueueUrls>,
}

fn err(e: impl std::error::Error + 'static) -> QueueError {
    QueueError(DisplayErrorContext(e).to_string())
}

impl SqsQueues {
    pub fn new(client: Client, urls: HashMap<QueueName, QueueUrls>) -> Self {
        Self { client, urls }
    }

    /// `NORVALT_<QUEUE>_QUEUE_URL` and `NORVALT_<QUEUE>_DLQ_URL` for each
    /// queue the function was given (template.yaml sets only what it needs).
    /// A queue given without its dead-letter queue, or the other way round,
    /// is an error rather than a queue silently left out.
    pub fn from_env(config: &aws_config::SdkConfig, env: &Env) -> Result<Self, ConfigError> {
        let mut urls = HashMap::new();
        for q in QueueName::ALL {
            let name = q.as_str().to_uppercase();
            let (queue_var, dlq_var) = (
                format!("NORVALT_{name}_QUEUE_URL"),
                format!("NORVALT_{name}_DLQ_URL"),
            );
            match (env.url(&queue_var)?, env.url(&dlq_var)?) {
                (Some(queue), Some(dlq)) => {
                    urls.insert(q, QueueUrls { queue, dlq });
                }
                (None, None) => {}
                (Some(_), None) => {
                    return Err(config::error(
                        &dlq_var,
                        &format!("is not set, but {queue_var} is"),
                    ));
                }
                (None, Some(_)) => {
                    return Err(config::error(
                        &queue_var,
                        &format!("is not set, but {dlq_var} is"),
                    ));
                }
            }
        }
        Ok(Self::new(Client::new(config), urls))
    }

    fn urls(&self, queue: QueueName) -> Result<&QueueUrls, QueueError> {
        self.urls.get(&queue).ok_or_else(|| {
            QueueError(format!(
                "no URL configured for the {} queue",
                queue.as_str()
            ))
        })
    }

    /// Receives up to 10 DLQ messages, leaving them visible (timeout 0).
    async fn peek(
        &self,
        queue: QueueName,
        visibility: i32,
    ) -> Result<Vec<(DeadLetter, String)>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.urls(queue)?.dlq)
            .max_number_of_messages(10)
            .visibility_timeout(visibility)
            .message_attribute_names("All")
            .message_system_attribute_names(MessageSystemAttributeName::All)
            .send()
            .await
            .map_err(err)?;
        Ok(out
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let attrs = m.attributes.unwrap_or_default();
                let reason = m
                    .message_attributes
                    .as_ref()
                    .and_then(|a| a.get("reason"))
                    .and_then(|v| v.string_value.clone());
                let count = attrs
                    .get(&MessageSystemAttributeName::ApproximateReceiveCount)
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let sent = attrs
                    .get(&MessageSystemAttributeName::SentTimestamp)
                    .and_then(|v| v.parse::<i64>().ok())
                    .and_then(|ms| Utc.timestamp_millis_opt(ms).single());
                let letter = DeadLetter {
                    id: m.message_id.unwrap_or_default(),
                    queue,
                    body: m.body.unwrap_or_default(),
                    reason,
                    receive_count: count,
                    failed_at: sent,
                };
                (letter, m.receipt_handle.unwrap_or_default())
            })
            .collect())
    }
}

#[async_trait]
impl Queue for SqsQueues {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.urls(queue)?.queue)
            .message_body(body)
            .send()
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn send_after(
        &self,
        queue: QueueName,
        body: &str,
        delay_secs: u32,
    ) -> Result<(), QueueError> {
        self.client
            .send_message()
            .queue_url(&self.urls(queue)?.queue)
            .message_body(body)
            .delay_seconds(delay_secs.min(900) as i32)
            .send()
            .await
            .map(|_| ())
            .map_err(err)
    }

    async fn dead_letter(
        &self,
        queue: QueueName,
        body: &str,
        reason: &str,
    ) -> Result<(), QueueError> {
        let reason: String = reason.chars().take(1000).collect();
        let attribute = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(reason)
            .build()
            .map_err(err)?;
        self.client
            .send_message()
            .queue_url(&self.urls(queue)?.dlq)
            .message_body(body)
            .message_attributes("reason", attribute)
            .send()
            .await
            .map(|_| ())
            .map_err(err)
    }
}

#[async_trait]
impl DeadLetters for SqsQueues {
    async fn list(&self, queue: QueueName, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        let mut seen: Vec<DeadLetter> = Vec::new();
        // SQS has no listing; receiving with visibility 0 a few times finds
        // what is there without taking it.
        for _ in 0..10 {
            let page = self.peek(queue, 0).await?;
            let mut new = 0;
            for (letter, _) in page {
                if !seen.iter().any(|s| s.id == letter.id) {
                    seen.push(letter);
                    new += 1;
                }
            }
            if new == 0 || seen.len() >= limit {
                break;
            }
        }
        seen.truncate(limit);
        Ok(seen)
    }

    async fn show(&self, queue: QueueName, id: &str) -> Result<Option<DeadLetter>, QueueError> {
        Ok(self
            .list(queue, 1000)
            .await?
            .into_iter()
            .find(|l| l.id == id))
    }

    async fn redrive(&self, queue: QueueName, id: Option<&str>) -> Result<usize, QueueError> {
        let mut moved = 0;
        loop {
            // Taken for 30 s while they are moved; the rest stays on the DLQ.
            let page = self.peek(queue, 30).await?;
            if page.is_empty() {
                return Ok(moved);
            }
            let mut any = false;
            for (letter, receipt) in page {
                if id.is_some_and(|id| id != letter.id) {
                    continue;
                }
                any = true;
                self.send(queue, &letter.body).await?;
                self.client
                    .delete_message()
                    .queue_url(&self.urls(queue)?.dlq)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .map_err(err)?;
                moved += 1;
            }
            if !any || id.is_some() {
                return Ok(moved);
            }
        }
    }
}
