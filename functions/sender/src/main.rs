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
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config);
    let link_key = norvalt_aws::secrets::link_key(&secrets).await?;
    let sms: Arc<dyn SmsSender> = match (
        std::env::var("TWILIO_ACCOUNT_SID")
            .ok()
            .filter(|s| !s.is_empty()),
        std::env::var("TWILIO_FROM").ok().filter(|s| !s.is_empty()),
        secrets.secret("twilio/auth-token").await?,
    ) {
        (Some(sid), Some(from), Some(token)) => Arc::new(TwilioClient::new(
            &std::env::var("TWILIO_BASE_URL").unwrap_or_else(|_| twilio::DEFAULT_BASE_URL.into()),
            &sid,
            &token,
            &from,
            std::env::var("TWILIO_STATUS_CALLBACK_URL").ok(),
        )),
        _ => Arc::new(SmsDisabled),
    };
    let sender = &*Box::leak(Box::new(Sender {
        stores: norvalt_aws::dynamodb::stores_from_env(&config)?,
        mailer: Arc::new(norvalt_aws::ses::SesMailer::from_env(&config)),
        sms,
        config: SenderConfig {
            public_url: std::env::var("NORVALT_PUBLIC_URL")?,
            mail_domain: std::env::var("NORVALT_MAIL_DOMAIN")
                .unwrap_or_else(|_| "norvalt.no".into()),
            link_key,
            dashboard_url: std::env::var("NORVALT_DASHBOARD_URL")?,
            sms_segment_price_nok: SenderConfig::sms_price_from_env(),
        },
    }));
    let queues = &*Box::leak(Box::new(norvalt_aws::sqs::SqsQueues::from_env(&config)));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(
            norvalt_aws::lambda::sqs_batch(queues, QueueName::Send, sender, event.payload).await,
        )
    }))
    .await
}
