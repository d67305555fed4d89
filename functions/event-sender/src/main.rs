//! Lambda `event-sender` (events queue): sends what a lead owes the
//! dealership's other systems, once: its stages to Meta's Conversions API
//! (the page's dataset id and token from Secrets Manager) and signed events
//! to the dealership's webhook endpoints (public addresses only; a retry
//! waits on the queue). 5 attempts, 20 s timeout; partial batch failures.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::integrations::webhooks::RETRY_SCHEDULE;
use norvalt_core::queue::QueueName;
use norvalt_core::service::integrations::{EventSender, WebhookSettings};
use norvalt_http::graph::GraphClient;
use norvalt_http::outbound::HttpWebhookPoster;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let queues = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    let sender = EventSender {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        secrets: Arc::new(norvalt_aws::secrets::SecretsManager::from_env(
            &config, &env,
        )?),
        conversions: Arc::new(GraphClient::from_env(&env)?),
        webhooks: WebhookSettings {
            poster: Arc::new(HttpWebhookPoster::new()),
            queue: queues.clone(),
            // The cloud never posts to a private or loopback address.
            allow_private: false,
            retry_schedule: RETRY_SCHEDULE.to_vec(),
        },
    };
    norvalt_aws::lambda::consume_queue(queues, QueueName::Events, Arc::new(sender)).await
}
