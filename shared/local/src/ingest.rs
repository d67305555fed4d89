//! Raw mail into the capture pipeline from the command line: the same
//! envelope and queue as SES and IMAP, then the capture queue is drained so
//! the caller sees the outcome.

use norvalt_core::capture::sources::RawMailStore;
use norvalt_core::capture::{CaptureEnvelope, MailVia, mail_key};
use norvalt_core::queue::{Queue, QueueName};

use crate::platform::Platform;

pub async fn ingest_email(
    platform: &Platform,
    raw: &[u8],
    slug: Option<String>,
) -> Result<String, String> {
    let key = mail_key("cli", raw);
    platform
        .mail
        .put_mail(&key, raw)
        .await
        .map_err(|e| e.to_string())?;
    let body = CaptureEnvelope::for_mail(
        raw,
        key,
        MailVia::Cli,
        slug,
        Vec::new(),
        norvalt_core::time::now(),
    )
    .to_json();
    platform
        .queues
        .send(QueueName::Capture, &body)
        .await
        .map_err(|e| e.to_string())?;
    let intake = platform.intake();
    // Drain here in case no server is running; if one is, its worker may take
    // the envelope first, so wait for the outcome either way.
    for _ in 0..150 {
        crate::worker::drain(&platform.queues, QueueName::Capture, &intake).await?;
        match intake.outcome_of(&body).await {
            Ok(Some((dealership, record))) => {
                return Ok(serde_json::json!({
                    "dealership_id": dealership,
                    "outcome": record.outcome,
                    "lead_id": record.lead_id,
                    "reason": record.reason,
                    "idempotency_key": record.key,
                })
                .to_string());
            }
            Ok(None) => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            Err(e) => {
                // Let whichever worker holds it finish moving it to the DLQ.
                for _ in 0..100 {
                    if platform
                        .queues
                        .queue_depth(QueueName::Capture)
                        .await
                        .map_err(|e| e.to_string())?
                        == 0
                    {
                        break;
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                return Err(format!(
                    "{e:?}; the mail is kept on the capture DLQ (`scripts/dev dlq list capture`)"
                ));
            }
        }
    }
    Ok(serde_json::json!({
        "outcome": "pending",
        "detail": "not processed within 15 s; see `scripts/dev dlq list capture`",
    })
    .to_string())
}
