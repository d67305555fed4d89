//! Lambda `lead-intake` (capture queue): parse, de-duplicate and store each
//! capture, then ask the ai queue for a first reply. Reports partial batch
//! failures; the redrive policy moves a message to the DLQ after 3 receives.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::queue::QueueName;
use norvalt_core::service::intake::{Intake, IntakeConfig};

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let queues = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let intake_config = IntakeConfig {
        link_key: norvalt_aws::secrets::link_key(&secrets).await?,
        ..IntakeConfig::from_env(&env)?
    };
    let intake = Intake {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: queues.clone(),
        mail: Arc::new(norvalt_aws::s3mail::S3Mail::from_env(&config, &env)?),
        secrets: Arc::new(secrets),
        lead_ads: Arc::new(norvalt_http::graph::GraphClient::from_env(&env)?),
        config: intake_config,
    };
    norvalt_aws::lambda::consume_queue(queues, QueueName::Capture, Arc::new(intake)).await
}
