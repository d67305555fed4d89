//! Lambda `imap-poller` (EventBridge, every minute): puts one message per
//! dealership mailbox in the poll registry on the imap queue, where
//! `imap-mailbox` polls each in its own invocation, so one slow or hostile
//! IMAP server holds up no other dealership.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let stores = &*Box::leak(Box::new(norvalt_aws::dynamodb::stores_from_env(
        &config, &env,
    )?));
    let queues = &*Box::leak(Box::new(norvalt_aws::sqs::SqsQueues::from_env(
        &config, &env,
    )?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let trace = event.context.xray_trace_id.unwrap_or_default();
        let sent = norvalt_core::service::mailbox_poll::dispatch_all(
            stores,
            queues,
            &trace,
            norvalt_core::time::now(),
        )
        .await?;
        Ok::<Value, Error>(serde_json::json!({ "mailboxes": sent }))
    }))
    .await
}
