//! Lambda `imap-mailbox` (imap queue, one message at a time): polls one
//! dealership's mailbox for new mail, which goes onto the capture queue
//! exactly as SES-delivered mail does. A mailbox that fails is logged and
//! counted (`ImapPollFailures`) and polled again on the next minute's tick.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::queue::QueueName;
use norvalt_core::service::mailbox_poll::{MailboxPoller, PollLimits};

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let queues = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    let poller = MailboxPoller {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: queues.clone(),
        mail: Arc::new(norvalt_aws::s3mail::S3Mail::from_env(&config, &env)?),
        secrets: Arc::new(norvalt_aws::secrets::SecretsManager::from_env(
            &config, &env,
        )?),
        connector: Arc::new(norvalt_imap::ImapConnector::new()?),
        limits: PollLimits::default(),
    };
    norvalt_aws::lambda::consume_queue(queues, QueueName::Imap, Arc::new(poller)).await
}
