//! Lambda `ai-responder` (ai queue): the first reply to each new lead,
//! written by Claude within the guardrails or by the template, then put on
//! the send queue; and the AI's turns in the conversation (answers, drafts,
//! handovers, bookings). 5 attempts, 30 s timeout; partial batch failures.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::outbound::links::BookingLinks;
use norvalt_core::queue::QueueName;
use norvalt_core::service::responder::{ANALYSIS_DELAY_SECS, MODEL_BUDGET, Responder};
use norvalt_http::anthropic::AnthropicClient;

#[tokio::main]
async fn main() -> Result<(), Error> {
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
    let queues = Arc::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?);
    // Booking links in conversation turns: signed with the link key, to
    // the booking page's public address.
    let booking_links = BookingLinks {
        key: norvalt_aws::secrets::link_key(&secrets).await?,
        base_url: env.url("NORVALT_BOOKING_URL")?,
    };
    let responder = Responder {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        queue: queues.clone(),
        model,
        model_budget: MODEL_BUDGET,
        analysis_delay_secs: ANALYSIS_DELAY_SECS,
        booking_links,
        mail_domain: env.required("NORVALT_MAIL_DOMAIN")?,
    };
    norvalt_aws::lambda::consume_queue(queues, QueueName::Ai, Arc::new(responder)).await
}
