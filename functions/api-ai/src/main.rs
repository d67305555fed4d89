//! Lambda `api-ai`: `POST /api/ai/analyze-lead` and
//! `POST /api/ai/generate-response` behind API Gateway. Wiring only; the
//! routes live in `norvalt_http::routes::ai`.

use std::sync::Arc;

use norvalt_core::ai::ReplyModel;
use norvalt_http::anthropic::AnthropicClient;
use norvalt_http::routes::ai::ReplyEngineState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let secrets = norvalt_aws::secrets::SecretsManager::from_env(&config, &env)?;
    let model =
        AnthropicClient::from_env(&env, norvalt_aws::secrets::anthropic_key(&secrets).await)?
            .map(|c| Arc::new(c) as Arc<dyn ReplyModel>);
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    let cursor_key = norvalt_aws::secrets::cursor_key(&secrets).await?;
    let state = ReplyEngineState {
        app: norvalt_http::AppState::from_env(&env, stores, cursor_key)?,
        model,
        // API Gateway gives a request 29 s; leave room to answer.
        model_budget: std::time::Duration::from_secs(20),
        drafts: ReplyEngineState::drafts_from_env(&env)?,
    };
    lambda_http::run(norvalt_http::assemble(
        norvalt_http::routes::ai::router(state),
        (),
    ))
    .await
}
