//! Durable queues in the SQLite file, with SQS's semantics: a received
//! message is invisible for the visibility timeout, its receive count grows
//! with each delivery, and once the count reaches the queue's maximum the
//! next receive moves it to the dead-letter queue instead of delivering it.
//! `send` returns after the commit, so an acknowledged capture survives a
//! crash of the process.

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use rusqlite::{OptionalExtension, params};

use super::{SqliteStore, backend};
use norvalt_core::jobs::Delivery;
use norvalt_core::queue::{DeadLetter, DeadLetters, Queue, QueueError, QueueName};
use norvalt_core::{StoreError, StoreResult};

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn queue_error(e: StoreError) -> QueueError {
    QueueError(e.to_string())
}

impl SqliteStore {
    async fn put_message(
        &self,
        queue: QueueName,
        body: &str,
        dead: Option<&str>,
        delay_secs: u32,
    ) -> StoreResult<()> {
        let now = norvalt_core::time::now();
        let visible_at = millis(now) + i64::from(delay_secs) * 1000;
        let id = uuid::Uuid::now_v7().to_string();
        let (body, reason) = (body.to_string(), dead.map(str::to_string));
        self.write(move |c| {
            c.execute(
                "INSERT INTO queue_messages (id, queue, body, receive_count, visible_at, enqueued_at, dead, reason, failed_at)
                 VALUES (?1, ?2, ?3, 0, ?4, ?8, ?5, ?6, ?7)",
                params![
                    id,
                    queue.as_str(),
                    body,
                    visible_at,
                    i64::from(reason.is_some()),
                    reason,
                    reason.as_ref().map(|_| millis(now)),
                    millis(now),
                ],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await?;
        self.inner.notify(queue);
        Ok(())
    }

    /// Up to `max` visible messages, each now invisible for the queue's
    /// visibility timeout. Messages that used up their receives go to the
    /// DLQ here, as SQS's redrive policy does.
    pub async fn receive(&self, queue: QueueName, max: usize) -> StoreResult<Vec<Delivery>> {
        let now = millis(norvalt_core::time::now());
        let invisible_until = now + (queue.visibility_secs() * 1000) as i64;
        self.write(move |c| {
            let tx = c.transaction().map_err(backend)?;
            tx.execute(
                "UPDATE queue_messages SET dead = 1, failed_at = ?3,
                        reason = coalesce(reason, 'received ' || receive_count || ' times without success')
                 WHERE queue = ?1 AND dead = 0 AND visible_at <= ?2 AND receive_count >= ?4",
                params![queue.as_str(), now, now, queue.max_receives()],
            )
            .map_err(backend)?;
            let deliveries = {
                let mut stmt = tx
                    .prepare_cached(
                        "UPDATE queue_messages SET receive_count = receive_count + 1, visible_at = ?3
                         WHERE id IN (SELECT id FROM queue_messages
                                      WHERE queue = ?1 AND dead = 0 AND visible_at <= ?2
                                      ORDER BY visible_at, id LIMIT ?4)
                         RETURNING id, body, receive_count",
                    )
                    .map_err(backend)?;
                let rows = stmt
                    .query_map(params![queue.as_str(), now, invisible_until, max as i64], |r| {
                        Ok(Delivery {
                            id: r.get(0)?,
                            body: r.get(1)?,
                            receive_count: r.get(2)?,
                        })
                    })
                    .map_err(backend)?;
                rows.collect::<Result<Vec<_>, _>>().map_err(backend)?
            };
            tx.commit().map_err(backend)?;
            Ok(deliveries)
        })
        .await
    }

    /// Deletes handled messages.
    pub async fn delete_messages(&self, ids: Vec<String>) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        self.write(move |c| {
            let tx = c.transaction().map_err(backend)?;
            for id in &ids {
                tx.execute("DELETE FROM queue_messages WHERE id = ?1", params![id])
                    .map_err(backend)?;
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    /// Makes a failed message visible again after `delay_secs` (sooner than
    /// the full visibility timeout, so local retries are quick), noting why:
    /// the last reason is what the DLQ shows if it never succeeds.
    pub async fn retry_later(
        &self,
        id: String,
        delay_secs: u64,
        reason: String,
    ) -> StoreResult<()> {
        let at = millis(norvalt_core::time::now()) + (delay_secs * 1000) as i64;
        self.write(move |c| {
            c.execute(
                "UPDATE queue_messages SET visible_at = ?2, reason = ?3 WHERE id = ?1 AND dead = 0",
                params![id, at, reason],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    /// Makes every in-flight message visible again. Called when the local
    /// server starts: a message taken by a process that died would otherwise
    /// wait out its visibility timeout (SQS would do the same; locally there
    /// is no reason to wait, and intake is idempotent).
    pub async fn release_in_flight(&self) -> StoreResult<usize> {
        let now = millis(norvalt_core::time::now());
        let released = self
            .write(move |c| {
                c.execute(
                    "UPDATE queue_messages SET visible_at = ?1 WHERE dead = 0 AND visible_at > ?1",
                    params![now],
                )
                .map_err(backend)
            })
            .await?;
        for q in QueueName::ALL {
            self.inner.notify(q);
        }
        Ok(released)
    }

    /// Messages waiting (visible or in flight) on a queue, DLQ excluded.
    pub async fn queue_depth(&self, queue: QueueName) -> StoreResult<u64> {
        self.read(move |c| {
            c.query_row(
                "SELECT count(*) FROM queue_messages WHERE queue = ?1 AND dead = 0",
                params![queue.as_str()],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(backend)
        })
        .await
    }

    /// Resolves when this process sends to `queue` (or after `timeout`, for
    /// messages sent by another process such as `norvalt ingest-email`).
    pub async fn wait_for_messages(&self, queue: QueueName, timeout: std::time::Duration) {
        let notify = &self.inner.queued[queue as usize];
        let _ = tokio::time::timeout(timeout, notify.notified()).await;
    }
}

#[async_trait]
impl Queue for SqliteStore {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        self.put_message(queue, body, None, 0)
            .await
            .map_err(queue_error)
    }

    async fn send_after(
        &self,
        queue: QueueName,
        body: &str,
        delay_secs: u32,
    ) -> Result<(), QueueError> {
        self.put_message(queue, body, None, delay_secs.min(900))
            .await
            .map_err(queue_error)
    }

    async fn dead_letter(
        &self,
        queue: QueueName,
        body: &str,
        reason: &str,
    ) -> Result<(), QueueError> {
        self.put_message(queue, body, Some(reason), 0)
            .await
            .map_err(queue_error)
    }
}

fn dead_letter_row(r: &rusqlite::Row) -> rusqlite::Result<DeadLetter> {
    let queue: String = r.get(1)?;
    let failed_at: Option<i64> = r.get(5)?;
    Ok(DeadLetter {
        id: r.get(0)?,
        queue: QueueName::parse(&queue).unwrap_or(QueueName::Capture),
        body: r.get(2)?,
        reason: r.get(3)?,
        receive_count: r.get(4)?,
        failed_at: failed_at.and_then(|ms| Utc.timestamp_millis_opt(ms).single()),
    })
}

#[async_trait]
impl DeadLetters for SqliteStore {
    async fn list(&self, queue: QueueName, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT id, queue, body, reason, receive_count, failed_at FROM queue_messages
                     WHERE queue = ?1 AND dead = 1 ORDER BY failed_at, id LIMIT ?2",
                )
                .map_err(backend)?;
            let rows = stmt
                .query_map(params![queue.as_str(), limit as i64], dead_letter_row)
                .map_err(backend)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(backend)
        })
        .await
        .map_err(queue_error)
    }

    async fn show(&self, queue: QueueName, id: &str) -> Result<Option<DeadLetter>, QueueError> {
        let id = id.to_string();
        self.read(move |c| {
            c.query_row(
                "SELECT id, queue, body, reason, receive_count, failed_at FROM queue_messages
                 WHERE queue = ?1 AND dead = 1 AND id = ?2",
                params![queue.as_str(), id],
                dead_letter_row,
            )
            .optional()
            .map_err(backend)
        })
        .await
        .map_err(queue_error)
    }

    async fn redrive(&self, queue: QueueName, id: Option<&str>) -> Result<usize, QueueError> {
        let id = id.map(str::to_string);
        let now = millis(norvalt_core::time::now());
        let moved = self
            .write(move |c| {
                c.execute(
                    "UPDATE queue_messages SET dead = 0, receive_count = 0, visible_at = ?2, reason = NULL, failed_at = NULL
                     WHERE queue = ?1 AND dead = 1 AND (?3 IS NULL OR id = ?3)",
                    params![queue.as_str(), now, id],
                )
                .map_err(backend)
            })
            .await
            .map_err(queue_error)?;
        self.inner.notify(queue);
        Ok(moved)
    }
}
