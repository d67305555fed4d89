//! Lambda `analytics-rollup` (EventBridge, hourly): per dealership, the
//! Oslo days whose leads changed since the last run (and today and
//! yesterday) are recomputed into their daily roll-ups. Idempotent: a
//! retried or overlapping run writes the same numbers.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use norvalt_core::service::analytics::RollupJob;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let job = &*Box::leak(Box::new(RollupJob {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        sms_segment_price_nok: norvalt_core::service::sender::sms_segment_price(&env)?,
    }));
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let report = job.run(norvalt_core::time::now()).await?;
        Ok::<Value, Error>(serde_json::to_value(report)?)
    }))
    .await
}
