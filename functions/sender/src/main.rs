//! Lambda `sender` (send queue): delivers each reply exactly once, by SES
//! (raw MIME with one-click unsubscribe) or Twilio SMS. 3 attempts, 15 s
//! timeout; partial batch failures.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use norvalt_core::capture::sources::SecretStore;
use norvalt_core::outbound::SmsSender;
use norvalt_core::outbound::sms::SmsDisabled;
use norvalt_core::queue::QueueName;
use norvalt_core::service::sender::{Sender, SenderConfig};
use norvalt_http::twilio::{self, TwilioClient};

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let link_key = norvalt_aws::secrets::link_key(&secrets).await?;
    // SMS is on when the account, the sender and the token are all given.
    let sms: Arc<dyn SmsSender> = match (
        env.optional("TWILIO_ACCOUNT_SID"),
        env.optional("TWILIO_FROM"),
        secrets.secret("twilio/auth-token").await?,
    ) {
        (Some(sid), Some(from), Some(token)) => Arc::new(TwilioClient::new(
            &env.url("TWILIO_BASE_URL")?
                .unwrap_or_else(|| twilio::DEFAULT_BASE_URL.into()),
            &sid,
            &token,
            &from,
            env.url("TWILIO_STATUS_CALLBACK_URL")?,
        )),
        _ => Arc::new(SmsDisabled),
    };
    let sender = &*Box::leak(Box::new(Sender {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        mailer: Arc::new(norvalt_aws::ses::SesMailer::from_env(&config, &env)),
        sms,
        config: SenderConfig::from_env(&env, link_key)?,
    }));
    let queues = &*Box::leak(Box::new(norvalt_aws::sqs::SqsQueues::from_env(
        &config, &env,
    )?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(
            norvalt_aws::lambda::sqs_batch(queues, QueueName::Send, sender, event.payload).await,
        )
    }))
    .await
}
