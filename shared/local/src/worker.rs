//! The local queue workers: each takes batches off its SQLite queue and runs
//! them through the very job handler the Lambda function runs, with the same
//! batch-failure contract.

use std::sync::Arc;
use std::time::Duration;

use norvalt_core::Stores;
use norvalt_core::jobs::{Delivery, JobHandler, run_batch};
use norvalt_core::queue::QueueName;

use crate::sqlite::SqliteStore;

const BATCH: usize = 10;
/// Messages sent by another process (the CLI) are found within this.
const POLL: Duration = Duration::from_millis(500);

/// Runs forever: receive, handle, delete what succeeded, and make what failed
/// visible again after a growing pause (the DLQ takes it after the queue's
/// maximum receives).
pub async fn run(store: SqliteStore, queue: QueueName, handler: Arc<dyn JobHandler>) {
    run_with(store, queue, handler, BATCH).await
}

/// `loops` consumers of one queue, each taking `batch` messages at a time:
/// the local stand-in for Lambda's concurrent invocations (a slow model
/// call must not hold up the leads behind it).
pub fn spawn_pool(
    store: SqliteStore,
    queue: QueueName,
    handler: Arc<dyn JobHandler>,
    loops: usize,
    batch: usize,
) {
    for _ in 0..loops.max(1) {
        tokio::spawn(run_with(store.clone(), queue, handler.clone(), batch));
    }
}

async fn run_with(
    store: SqliteStore,
    queue: QueueName,
    handler: Arc<dyn JobHandler>,
    batch: usize,
) {
    loop {
        match process_batch(&store, queue, handler.as_ref(), batch).await {
            Ok(0) => store.wait_for_messages(queue, POLL).await,
            Ok(_) => {}
            Err(e) => {
                tracing::error!(queue = queue.as_str(), error = %e, "queue worker failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Handles every message that is visible now; returns how many were taken.
pub async fn drain(
    store: &SqliteStore,
    queue: QueueName,
    handler: &dyn JobHandler,
) -> Result<usize, String> {
    let mut total = 0;
    loop {
        let n = process_batch(store, queue, handler, BATCH).await?;
        if n == 0 {
            return Ok(total);
        }
        total += n;
    }
}

async fn process_batch(
    store: &SqliteStore,
    queue: QueueName,
    handler: &dyn JobHandler,
    max: usize,
) -> Result<usize, String> {
    let batch: Vec<Delivery> = store.receive(queue, max).await.map_err(|e| e.to_string())?;
    if batch.is_empty() {
        return Ok(0);
    }
    let failures = run_batch(store, queue, handler, &batch).await;
    let done: Vec<String> = batch
        .iter()
        .filter(|d| !failures.iter().any(|f| f.id == d.id))
        .map(|d| d.id.clone())
        .collect();
    store
        .delete_messages(done)
        .await
        .map_err(|e| e.to_string())?;
    for f in failures {
        let receives = batch
            .iter()
            .find(|d| d.id == f.id)
            .map_or(1, |d| d.receive_count);
        tracing::warn!(queue = queue.as_str(), message = %f.id, receives, reason = %f.reason, "job failed; will retry");
        let pause = (1u64 << receives.min(6)).min(queue.visibility_secs());
        store
            .retry_later(f.id, pause, f.reason)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(batch.len())
}

/// The `imap-poller` schedule of the cloud (EventBridge, every minute) as a
/// task: polls every registered mailbox, then waits.
/// The `followups` schedule: due steps, appointment reminders and
/// response-time steps at the real clock, every `every`.
pub async fn run_follow_ups(
    runner: norvalt_core::service::automation::FollowUpRunner,
    reminders: norvalt_core::service::booking::reminders::Reminders,
    escalations: norvalt_core::service::automation::escalation::Escalations,
    every: Duration,
) {
    loop {
        let now = norvalt_core::time::now();
        match runner.run_due(now).await {
            Ok(report) if report.ran + report.stopped + report.failed > 0 => {
                tracing::info!(?report, "follow-up steps run");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "follow-up run failed"),
        }
        match reminders.run_due(now).await {
            Ok(0) => {}
            Ok(sent) => tracing::info!(sent, "appointment reminders sent"),
            Err(e) => tracing::error!(error = %e, "appointment reminders failed"),
        }
        match escalations.run_due(now).await {
            Ok(r) if r.reminded + r.escalated > 0 => {
                tracing::info!(?r, "response-time steps run");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "response-time steps failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// The `analytics-rollup` schedule.
pub async fn run_rollups(job: norvalt_core::service::analytics::RollupJob, every: Duration) {
    loop {
        match job.run(norvalt_core::time::now()).await {
            Ok(report) => tracing::debug!(?report, "analytics roll-ups brought up to date"),
            Err(e) => tracing::error!(error = %e, "analytics roll-up failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// The `event-scan` schedule.
pub async fn run_event_scans(
    scan: norvalt_core::service::integrations::EventScan,
    every: Duration,
) {
    loop {
        let trace_id = uuid::Uuid::now_v7().to_string();
        match scan.run(norvalt_core::time::now(), &trace_id).await {
            Ok(report) if report.enqueued > 0 => {
                tracing::info!(?report, "events owed put on the events queue")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "event scan failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// The `inventory-feeds` schedule.
pub async fn run_feeds(job: norvalt_core::service::inventory::FeedJob, every: Duration) {
    loop {
        match job.run(norvalt_core::time::now()).await {
            Ok(report) if report.imported + report.failed > 0 => {
                tracing::info!(?report, "stock feeds imported")
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "stock feed run failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// Deletes raw mails past their retention, every `every`.
pub async fn prune_raw_mail(
    mail: std::sync::Arc<crate::sources::MailDir>,
    max_age: Duration,
    every: Duration,
) {
    loop {
        let dir = mail.clone();
        match tokio::task::spawn_blocking(move || dir.prune(max_age)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(mails = n, "raw mails past retention deleted"),
            Ok(Err(e)) => tracing::warn!(error = %e, "raw mail retention failed"),
            Err(e) => tracing::warn!(error = %e, "raw mail retention task failed"),
        }
        tokio::time::sleep(every).await;
    }
}

/// The imap-poller schedule: one poll request per registered mailbox onto
/// the imap queue, every `every`.
pub async fn dispatch_mailbox_polls(stores: Stores, queue: SqliteStore, every: Duration) {
    loop {
        let now = norvalt_core::time::now();
        if let Err(e) =
            norvalt_core::service::mailbox_poll::dispatch_all(&stores, &queue, "local", now).await
        {
            tracing::warn!(error = %e, "IMAP poll requests could not be queued");
        }
        tokio::time::sleep(every).await;
    }
}
