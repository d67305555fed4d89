//! Lambda `event-scan` (EventBridge, every minute): per dealership with an
//! integration on, the leads changed since the last run that owe an event
//! (a lead stage for Meta's Conversions API) go onto the events queue.
//! Idempotent: what was sent is never sent again (the stage claims).

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::service::integrations::EventScan;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let scan = EventScan {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
    };
    let scan = &scan;
    norvalt_aws::lambda::run_schedule(|now, trace| async move { scan.run(now, &trace).await }).await
}
