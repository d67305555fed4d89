//! Lambda `imap-poller` (EventBridge, every minute): every dealership mailbox
//! in the poll registry is read for new mail, which goes onto the capture
//! queue exactly as SES-delivered mail does. A mailbox that fails is logged
//! and counted (`ImapPollFailures`) and tried again next minute; the others
//! are not held up by it.

use std::sync::Arc;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use norvalt_core::service::mailbox_poll::{MailboxPoller, PollLimits};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let poller = &*Box::leak(Box::new(MailboxPoller {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
        mail: Arc::new(norvalt_aws::s3mail::S3Mail::from_env(&config, &env)?),
        secrets: Arc::new(norvalt_aws::secrets::SecretsManager::from_env(
            &config, &env,
        )?),
        connector: Arc::new(norvalt_imap::ImapConnector::new()?),
        limits: PollLimits::default(),
    }));
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let reports = poller.poll_all().await;
        Ok::<Value, Error>(serde_json::json!({ "mailboxes": reports }))
    }))
    .await
}
