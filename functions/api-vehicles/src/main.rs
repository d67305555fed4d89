//! Lambda `api-vehicles`: the vehicles routes of the API behind API Gateway.
//! Wiring only; the routes live in `norvalt_http::routes::vehicles`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let cursor_key = norvalt_aws::secrets::cursor_key(&secrets).await?;
    let state = norvalt_http::AppState::from_env(&env, stores, cursor_key)?;
    let app = norvalt_http::assemble(norvalt_http::routes::vehicles::router(), state);
    lambda_http::run(app).await
}
