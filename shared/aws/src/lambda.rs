//! The Lambda event glue for the non-HTTP functions: SQS batches into job
//! handlers (with partial batch failures: `ReportBatchItemFailures`),
//! EventBridge ticks into scheduled jobs, SES receipt events into capture
//! envelopes, and SES notices (through SNS) into suppressions. Each
//! function's `main` builds its handler and hands it to one of these.

use std::future::Future;
use std::sync::Arc;

use aws_lambda_events::event::ses::SimpleEmailEvent;
use aws_lambda_events::event::sns::SnsEvent;
use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use chrono::{DateTime, Utc};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use norvalt_core::Stores;
use norvalt_core::capture::sources::RawMailStore;
use norvalt_core::capture::{Capture, CaptureEnvelope, MailAuth, MailVia};
use norvalt_core::jobs::{Delivery, JobHandler, run_batch};
use norvalt_core::queue::{Queue, QueueName};

use crate::s3mail::S3Mail;

/// Serves a queue consumer: each SQS batch of the `name` queue through
/// `handler`, dead letters through `queue`.
pub async fn consume_queue(
    queue: Arc<dyn Queue>,
    name: QueueName,
    handler: Arc<dyn JobHandler>,
) -> Result<(), Error> {
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let (queue, handler) = (queue.clone(), handler.clone());
        async move {
            Ok::<SqsBatchResponse, Error>(
                sqs_batch(queue.as_ref(), name, handler.as_ref(), event.payload).await,
            )
        }
    }))
    .await
}

/// Serves a scheduled job: each EventBridge tick runs `tick` with the clock
/// and the tick's trace id; what it reports is the invocation's answer.
pub async fn run_schedule<F, Fut, R, E>(tick: F) -> Result<(), Error>
where
    F: Fn(DateTime<Utc>, String) -> Fut,
    Fut: Future<Output = Result<R, E>>,
    R: serde::Serialize,
    E: Into<Error>,
{
    let tick = &tick;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            let trace = event.context.xray_trace_id.unwrap_or_default();
            let report = tick(norvalt_core::time::now(), trace)
                .await
                .map_err(Into::into)?;
            Ok::<serde_json::Value, Error>(serde_json::to_value(report)?)
        },
    ))
    .await
}

/// SES bounce and complaint notices, as SNS delivers them: each puts the
/// address on the sending dealership's suppression list. A message that is
/// not JSON (SNS's subscription test) is skipped; a store failure fails the
/// invocation, so SNS delivers the notice again.
pub async fn ses_notices(stores: &Stores, event: SnsEvent) -> Result<(), Error> {
    for record in event.records {
        let notice: serde_json::Value = match serde_json::from_str(&record.sns.message) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(error = %e, "SNS message is not JSON");
                continue;
            }
        };
        let n =
            norvalt_core::service::ses_events::handle(stores, &notice, norvalt_core::time::now())
                .await?;
        tracing::info!(suppressed = n, "SES notice handled");
    }
    Ok(())
}

/// Runs an SQS batch through `handler`; the failed message ids go back to
/// SQS, which delivers them again until the redrive policy moves them to the DLQ.
pub async fn sqs_batch(
    queue: &dyn Queue,
    name: QueueName,
    handler: &dyn JobHandler,
    event: SqsEvent,
) -> SqsBatchResponse {
    let deliveries: Vec<Delivery> = event
        .records
        .into_iter()
        .map(|m| Delivery {
            receive_count: m
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|c| c.parse().ok())
                .unwrap_or(1),
            id: m.message_id.unwrap_or_default(),
            body: m.body.unwrap_or_default(),
        })
        .collect();
    let failures = run_batch(queue, name, handler, &deliveries).await;
    for f in &failures {
        tracing::warn!(queue = name.as_str(), message = %f.id, reason = %f.reason, "job failed; SQS will deliver it again");
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures
        .into_iter()
        .map(|f| {
            let mut item = BatchItemFailure::default();
            item.item_identifier = f.id;
            item
        })
        .collect();
    response
}

/// `email-inbound`: SES stored the mail in S3 (`<prefix><messageId>`); a
/// failed spam or virus verdict quarantines it, anything else is enqueued.
pub struct SesInbound {
    pub mail: S3Mail,
    pub queue: Box<dyn Queue>,
    /// The receipt rule's S3 object key prefix (`NORVALT_MAIL_PREFIX`).
    pub prefix: String,
}

#[derive(Debug, PartialEq)]
pub enum SesOutcome {
    Enqueued { mail_key: String },
    Quarantined { mail_key: String, verdict: String },
}

impl SesInbound {
    pub async fn handle(&self, event: SimpleEmailEvent) -> Result<Vec<SesOutcome>, String> {
        let mut outcomes = Vec::new();
        for record in event.records {
            let mail = record.ses.mail;
            let receipt = record.ses.receipt;
            let message_id = mail.message_id.ok_or("an SES record without a messageId")?;
            let key = format!("{}{message_id}", self.prefix);
            let failed = [
                ("spam", &receipt.spam_verdict.status),
                ("virus", &receipt.virus_verdict.status),
            ]
            .into_iter()
            .find(|(_, status)| status.as_deref() == Some("FAIL"))
            .map(|(kind, _)| kind);
            if let Some(kind) = failed {
                let moved = self
                    .mail
                    .quarantine(&key)
                    .await
                    .map_err(|e| e.to_string())?;
                tracing::warn!(ses_message = %message_id, verdict = kind, "mail quarantined; not a lead");
                outcomes.push(SesOutcome::Quarantined {
                    mail_key: moved,
                    verdict: kind.to_string(),
                });
                continue;
            }
            let raw = self
                .mail
                .get_mail(&key)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("mail {key} is not in the bucket"))?;
            // Routed by the SMTP envelope: the header recipients
            // (`mail.destination`) are whatever the sender wrote.
            let mut envelope = CaptureEnvelope::for_mail(
                &raw,
                key.clone(),
                MailVia::Ses,
                None,
                receipt.recipients.clone(),
                norvalt_core::time::now(),
            );
            if let Capture::Email(e) = &mut envelope.job {
                e.auth = Some(MailAuth {
                    spf: receipt.spf_verdict.status.clone(),
                    dkim: receipt.dkim_verdict.status.clone(),
                    dmarc: receipt.dmarc_verdict.status.clone(),
                });
            }
            self.queue
                .send(QueueName::Capture, &envelope.to_json())
                .await
                .map_err(|e| e.to_string())?;
            tracing::info!(ses_message = %message_id, trace = %envelope.trace_id, "mail enqueued");
            outcomes.push(SesOutcome::Enqueued { mail_key: key });
        }
        Ok(outcomes)
    }
}

/// The caller's address as AWS saw it: the function URL's (or HTTP API's)
/// `requestContext.http.sourceIp`, which a client cannot set, unlike
/// `X-Forwarded-For`. For `norvalt_http::webhooks::with_client_ip`.
pub fn source_ip(extensions: &lambda_http::http::Extensions) -> Option<std::net::IpAddr> {
    match extensions.get::<lambda_http::request::RequestContext>()? {
        lambda_http::request::RequestContext::ApiGatewayV2(context) => {
            context.http.source_ip.as_deref()?.parse().ok()
        }
        #[allow(unreachable_patterns)]
        _ => None,
    }
}
