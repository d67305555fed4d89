//! Lambda `api-account`: the signed-in user, the team, the audit log, the
//! dealership's settings and its webhook endpoints behind API Gateway. Wiring only; the routes
//! live in `norvalt_http::routes::{account, dealership}`.

use std::sync::Arc;

use norvalt_core::service::gdpr::NoCopies;
use norvalt_core::service::integrations::endpoints::EndpointServices;
use norvalt_http::routes::dealership::{self, SettingsState};
use norvalt_http::routes::endpoints::{self, EndpointsState};
use norvalt_http::routes::gdpr::{self, GdprState};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let cursor_key = norvalt_aws::secrets::cursor_key(&secrets).await?;
    let app = norvalt_http::AppState::from_env(&env, stores, cursor_key)?;
    let secrets = Arc::new(secrets);
    let webhooks = EndpointsState {
        app: app.clone(),
        services: EndpointServices {
            stores: app.stores.clone(),
            secrets: secrets.clone(),
            queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
            // The cloud never posts to a private or loopback address.
            allow_private: false,
        },
    };
    let settings = SettingsState {
        app: app.clone(),
        secrets,
        graph: Arc::new(norvalt_http::graph::GraphClient::from_env(&env)?),
        public_url: env.required_url("NORVALT_PUBLIC_URL")?,
    };
    let privacy = GdprState {
        app: app.clone(),
        mail: Arc::new(norvalt_aws::s3mail::S3Mail::from_env(&config, &env)?),
        copies: Arc::new(NoCopies),
    };
    let routes = norvalt_http::routes::account::router()
        .with_state(app)
        .merge(dealership::router(settings))
        .merge(endpoints::router(webhooks))
        .merge(gdpr::router(privacy));
    lambda_http::run(norvalt_http::assemble(routes, ())).await
}
