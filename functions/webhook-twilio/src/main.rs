//! Lambda `webhook-twilio` (function URL): texts customers send to a
//! dealership's number, into the capture queue, and delivery reports. The
//! auth token comes from Secrets Manager once per cold start; the public
//! URL Twilio calls (`NORVALT_TWILIO_WEBHOOK_URL`) is what the signature
//! covers.

use std::sync::Arc;

use norvalt_core::capture::sources::SecretStore;
use norvalt_http::webhooks::twilio::TwilioWebhook;
use norvalt_http::webhooks::{self, CaptureState, RateLimiter};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let auth_token = secrets
        .secret("twilio/auth-token")
        .await?
        .ok_or("secret twilio/auth-token is missing")?;
    let state = CaptureState {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
        limiter: Arc::new(RateLimiter::from_env(&env)?),
        form_limiter: Arc::new(RateLimiter::form_from_env(&env)?),
        facebook: None,
        twilio: Some(Arc::new(TwilioWebhook {
            auth_token,
            public_url: env.required_url("NORVALT_TWILIO_WEBHOOK_URL")?,
        })),
    };
    lambda_http::run(norvalt_http::assemble(webhooks::twilio::router(), state)).await
}
