//! Lambda `webhook-unsubscribe` (function URL): `GET|POST /unsubscribe/{token}`,
//! the link and one-click header in every email. Wiring only; the route
//! lives in `norvalt_http::webhooks::unsubscribe`.

use norvalt_http::webhooks::unsubscribe::{UnsubscribeState, router};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let state = UnsubscribeState {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        link_key: norvalt_aws::secrets::link_key(&secrets).await?,
    };
    lambda_http::run(norvalt_http::assemble(router(state), ())).await
}
