//! Lambda `ses-events` (SNS topic of the SES configuration set): hard
//! bounces and complaints put the address on the sending dealership's
//! suppression list. A failure makes SNS deliver the notice again.

use aws_lambda_events::event::sns::SnsEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let stores = &*Box::leak(Box::new(norvalt_aws::dynamodb::stores_from_env(
        &config, &env,
    )?));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SnsEvent>| async move {
        for record in event.payload.records {
            let notice: serde_json::Value = match serde_json::from_str(&record.sns.message) {
                Ok(v) => v,
                Err(e) => {
                    // Not an SES notice (a subscription test): nothing to do.
                    tracing::warn!(error = %e, "SNS message is not JSON");
                    continue;
                }
            };
            let n = norvalt_core::service::ses_events::handle(
                stores,
                &notice,
                norvalt_core::time::now(),
            )
            .await?;
            tracing::info!(suppressed = n, "SES notice handled");
        }
        Ok::<(), Error>(())
    }))
    .await
}
