//! Lambda `api-ai`: `POST /api/ai/analyze-lead` and
//! `POST /api/ai/generate-response` behind API Gateway. Wiring only; the
//! routes live in `norvalt_http::routes::ai`.

use std::time::Duration;

use norvalt_http::anthropic::AnthropicClient;
use norvalt_http::routes::ai::ReplyEngineState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    // Bedrock in the EU when `NORVALT_AI_PROVIDER=bedrock`, else the
    // Anthropic API with its key.
    let model = match norvalt_aws::bedrock::reply_model(&config, &env)? {
        Some(bedrock) => Some(bedrock),
        None => {
            AnthropicClient::reply_model(&env, norvalt_aws::secrets::anthropic_key(&secrets).await)?
        }
    };
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let cursor_key = norvalt_aws::secrets::cursor_key(&secrets).await?;
    let app = norvalt_http::AppState::from_env(&env, stores, cursor_key)?;
    // API Gateway gives a request 29 s; leave room to answer.
    let state = ReplyEngineState::from_env(app, &env, model, Duration::from_secs(20))?;
    lambda_http::run(norvalt_http::assemble(
        norvalt_http::routes::ai::router(state),
        (),
    ))
    .await
}
