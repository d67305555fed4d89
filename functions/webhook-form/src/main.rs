//! Lambda `webhook-form` (function URL): website form posts and Google Ads
//! lead form deliveries into the capture queue. Both are addressed by the
//! dealership's form key under this one URL, so the address the settings
//! show is right with or without a custom domain. Wiring only; the routes
//! live in `norvalt_http::webhooks::{form, google}`.

use std::sync::Arc;

use norvalt_http::webhooks::{self, CaptureState, RateLimiter};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let state = CaptureState {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
        limiter: Arc::new(RateLimiter::from_env(&env)?),
        form_limiter: Arc::new(RateLimiter::form_from_env(&env)?),
        facebook: None,
        twilio: None,
    };
    let routes = webhooks::form::router().merge(webhooks::google::router());
    let app = norvalt_http::assemble(routes, state);
    lambda_http::run(webhooks::with_client_ip(
        app,
        norvalt_aws::lambda::source_ip,
    ))
    .await
}
