//! Lambda `sender` (send queue): delivers each reply exactly once, by SES
//! (raw MIME with one-click unsubscribe) or Twilio SMS. 3 attempts, 15 s
//! timeout; partial batch failures.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::capture::sources::SecretStore;
use norvalt_core::queue::QueueName;
use norvalt_core::service::sender::{Sender, SenderConfig};
use norvalt_http::twilio;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let link_key = norvalt_aws::secrets::link_key(&secrets).await?;
    let sms = twilio::sms_sender_from_env(&env, secrets.secret("twilio/auth-token").await?)?;
    let sender = Sender {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        mailer: Arc::new(norvalt_aws::ses::SesMailer::from_env(&config, &env)),
        sms,
        config: SenderConfig::from_env(&env, link_key)?,
    };
    let queues = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    norvalt_aws::lambda::consume_queue(queues, QueueName::Send, Arc::new(sender)).await
}
