//! Lambda `booking-page` (function URL): `GET|POST /book/{token}` and
//! `POST /book/{token}/cancel`, the customer's booking page behind a
//! signed per-lead link. Wiring only; the route lives in
//! `norvalt_http::webhooks::booking`.

use std::sync::Arc;

use norvalt_core::outbound::links::BookingLinks;
use norvalt_http::webhooks::booking::{BookingPageState, router};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let state = BookingPageState {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
        links: BookingLinks {
            key: norvalt_aws::secrets::link_key(&secrets).await?,
            base_url: env.url("NORVALT_BOOKING_URL")?,
        },
        mail_domain: env.required("NORVALT_MAIL_DOMAIN")?,
    };
    lambda_http::run(norvalt_http::assemble(router(state), ())).await
}
