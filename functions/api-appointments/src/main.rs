//! Lambda `api-appointments`: the team's calendar behind API Gateway
//! (`/api/appointments`, `GET /api/leads/{id}/appointments`). Wiring only;
//! the routes live in `norvalt_http::routes::appointments`.

use std::sync::Arc;

use norvalt_core::outbound::links::BookingLinks;
use norvalt_http::routes::appointments::{AppointmentsState, router};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let cursor_key = norvalt_aws::secrets::cursor_key(&secrets).await?;
    // Confirmations and the rep's notices go to the send queue.
    let queue = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    let state = AppointmentsState {
        app: norvalt_http::AppState::from_env(&env, stores, cursor_key)?,
        queue,
        links: BookingLinks {
            key: norvalt_aws::secrets::link_key(&secrets).await?,
            base_url: env.url("NORVALT_BOOKING_URL")?,
        },
        mail_domain: env.required("NORVALT_MAIL_DOMAIN")?,
    };
    lambda_http::run(norvalt_http::assemble(router(state), ())).await
}
