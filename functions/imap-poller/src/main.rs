//! Lambda `imap-poller` (EventBridge, every minute): puts one message per
//! dealership mailbox in the poll registry on the imap queue, where
//! `imap-mailbox` polls each in its own invocation, so one slow or hostile
//! IMAP server holds up no other dealership.

use lambda_runtime::Error;
use norvalt_core::service::mailbox_poll::dispatch_all;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let queues = norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?;
    norvalt_aws::lambda::run_schedule(|now, trace| {
        let (stores, queues) = (&stores, &queues);
        async move {
            let sent = dispatch_all(stores, queues, &trace, now).await?;
            Ok::<_, Error>(serde_json::json!({ "mailboxes": sent }))
        }
    })
    .await
}
