//! Lambda `webhook-unsubscribe` (function URL): `GET|POST /unsubscribe/{token}`,
//! the link and one-click header in every email. Wiring only; the route
//! lives in `norvalt_http::webhooks::unsubscribe`.

use norvalt_http::webhooks::unsubscribe::{UnsubscribeState, router};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config);
    let state = UnsubscribeState {
        stores: norvalt_aws::dynamodb::stores_from_env(&config)?,
        link_key: norvalt_aws::secrets::link_key(&secrets).await?,
    };
    lambda_http::run(norvalt_http::finish(router(state), ())).await
}
