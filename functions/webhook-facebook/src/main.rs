//! Lambda `webhook-facebook` (function URL): Meta's handshake and signed Lead
//! Ads deliveries into the capture queue. The app secret and verify token
//! come from Secrets Manager once per cold start.

use std::sync::Arc;

use norvalt_core::capture::sources::SecretStore;
use norvalt_http::webhooks::{self, CaptureState, FacebookWebhook, RateLimiter};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let mut values = Vec::new();
    for name in ["facebook/app-secret", "facebook/verify-token"] {
        let value = secrets.secret(name).await?;
        values.push(value.ok_or_else(|| format!("secret {name} is missing"))?);
    }
    let facebook = FacebookWebhook {
        verify_token: values.pop().expect("two secrets"),
        app_secret: values.pop().expect("two secrets").into_bytes(),
    };
    let state = CaptureState {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
        limiter: Arc::new(RateLimiter::from_env(&env)?),
        form_limiter: Arc::new(RateLimiter::form_from_env(&env)?),
        facebook: Some(Arc::new(facebook)),
        twilio: None,
    };
    let app = norvalt_http::assemble(webhooks::facebook::router(), state);
    lambda_http::run(app).await
}
