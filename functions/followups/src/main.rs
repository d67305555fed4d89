//! Lambda `followups` (EventBridge, every 5 minutes): every follow-up step
//! that is due runs once; customer messages go to the ai queue (written by
//! the reply engine) or straight to the send queue (templates). Reserved
//! concurrency 1 keeps runs from piling up, though an overlap would be
//! harmless: each step is claimed before it acts.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::service::automation::FollowUpRunner;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let runner = FollowUpRunner {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
        concurrency: 16,
    };
    norvalt_aws::lambda::run_schedule(|now, _trace| runner.run_due(now)).await
}
