//! Queues by hand: dead letters (list, show, redrive) on either backend,
//! and, locally, how much work is waiting and a wait until there is none.

use std::time::Duration;

use clap::Subcommand;
use norvalt_core::queue::{DeadLetters, QueueName};
use norvalt_local::{Backend, Platform};

use super::parse_queue;

#[derive(Subcommand)]
pub enum DlqCommand {
    /// The messages on a queue's DLQ, oldest first, as JSON lines.
    List {
        #[arg(value_parser = parse_queue)]
        queue: QueueName,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One dead letter with its body.
    Show {
        #[arg(value_parser = parse_queue)]
        queue: QueueName,
        id: String,
    },
    /// Back onto the queue: one message, or all with --all.
    Redrive {
        #[arg(value_parser = parse_queue)]
        queue: QueueName,
        id: Option<String>,
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
}

#[derive(Subcommand)]
pub enum QueuesCommand {
    /// Messages waiting or in flight on each local queue, as JSON.
    Depth,
    /// Wait until every local queue is empty (each message handled and
    /// deleted, delayed retries included) or `--timeout` seconds pass; then
    /// print the depths. Fails on the timeout. Scripts and tests use it to
    /// know the running server has finished its work.
    Settle {
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
}

pub async fn dead_letters(
    platform: &Platform,
    backend: Backend,
    command: DlqCommand,
) -> Result<(), String> {
    match backend {
        Backend::Sqlite => dlq(&platform.queues, command).await,
        // The stack's SQS queues: NORVALT_<QUEUE>_QUEUE_URL and _DLQ_URL.
        Backend::Aws => {
            let config = norvalt_aws::config::load().await;
            let queues = norvalt_aws::sqs::SqsQueues::from_env(&config, &platform.env)
                .map_err(|e| e.to_string())?;
            dlq(&queues, command).await
        }
    }
}

async fn dlq(dlq: &dyn DeadLetters, command: DlqCommand) -> Result<(), String> {
    match command {
        DlqCommand::List { queue, limit } => {
            let letters = dlq.list(queue, limit).await.map_err(|e| e.to_string())?;
            for l in &letters {
                let summary = serde_json::json!({
                    "id": l.id, "receive_count": l.receive_count,
                    "failed_at": l.failed_at, "reason": l.reason,
                });
                println!("{summary}");
            }
            eprintln!("{} message(s) on the {} DLQ", letters.len(), queue.as_str());
            Ok(())
        }
        DlqCommand::Show { queue, id } => {
            let letter = dlq
                .show(queue, &id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no message {id} on the {} DLQ", queue.as_str()))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&letter).expect("serialisable")
            );
            Ok(())
        }
        DlqCommand::Redrive { queue, id, all } => {
            if id.is_none() && !all {
                return Err("name a message id, or pass --all".into());
            }
            let moved = dlq
                .redrive(queue, id.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            println!("redrove {moved} message(s) to the {} queue", queue.as_str());
            Ok(())
        }
    }
}

/// Depth and settle read the local queue table: the SQS queues' depths are
/// CloudWatch's `ApproximateNumberOfMessages*`.
pub async fn queues(
    platform: &Platform,
    backend: Backend,
    command: QueuesCommand,
) -> Result<(), String> {
    if backend != Backend::Sqlite {
        return Err("queue depths are read locally; on AWS see the SQS metrics".into());
    }
    let depths = || async {
        let mut depths = serde_json::Map::new();
        for queue in QueueName::ALL {
            let depth = platform
                .queues
                .queue_depth(queue)
                .await
                .map_err(|e| e.to_string())?;
            depths.insert(queue.as_str().into(), depth.into());
        }
        Ok::<_, String>(depths)
    };
    match command {
        QueuesCommand::Depth => println!("{}", serde_json::Value::Object(depths().await?)),
        QueuesCommand::Settle { timeout } => {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
            loop {
                let now = depths().await?;
                if now.values().all(|d| d.as_u64() == Some(0)) {
                    println!("{}", serde_json::Value::Object(now));
                    return Ok(());
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(format!(
                        "the queues did not empty in {timeout} s: {}",
                        serde_json::Value::Object(now)
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    Ok(())
}
