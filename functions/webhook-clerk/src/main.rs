//! Lambda `webhook-clerk` (function URL): Clerk's organisation-membership
//! events mirrored into the dealership's users. Wiring only; the route
//! lives in `norvalt_http::webhooks::clerk`.

use norvalt_http::webhooks::clerk::{self, ClerkWebhook};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let hook = ClerkWebhook {
        stores,
        signing_secret: norvalt_aws::secrets::clerk_webhook_secret(&secrets).await?,
    };
    lambda_http::run(norvalt_http::assemble(clerk::router(hook), ())).await
}
