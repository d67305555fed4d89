//! Lambda `event-sender` (events queue): sends what a lead owes the
//! dealership's other systems, once — today its stages to Meta's
//! Conversions API, with the page's dataset id and token from Secrets
//! Manager. 5 attempts, 15 s timeout; partial batch failures.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::queue::QueueName;
use norvalt_core::service::integrations::EventSender;
use norvalt_http::graph::GraphClient;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let sender = EventSender {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        secrets: Arc::new(norvalt_aws::secrets::SecretsManager::from_env(
            &config, &env,
        )?),
        conversions: Arc::new(GraphClient::from_env(&env)?),
    };
    let queues = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    norvalt_aws::lambda::consume_queue(queues, QueueName::Events, Arc::new(sender)).await
}
