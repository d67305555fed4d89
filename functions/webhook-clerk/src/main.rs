//! Lambda `webhook-clerk` (function URL): Clerk's organisation-membership
//! events mirrored into the dealership's users. Wiring only; the route
//! lives in `norvalt_http::webhooks::clerk`.

use norvalt_http::webhooks::clerk::{self, ClerkWebhook};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let config = norvalt_aws::config::load().await;
    let stores = norvalt_aws::dynamodb::stores_from_env(&config)?;
    let hook = ClerkWebhook::from_env(stores).ok_or("CLERK_WEBHOOK_SIGNING_SECRET is not set")?;
    lambda_http::run(norvalt_http::finish(clerk::router(hook), ())).await
}
