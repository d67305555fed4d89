//! Lambda `analytics-rollup` (EventBridge, every minute): per dealership,
//! the Oslo days with anything new since the last run are recomputed into
//! their daily roll-ups (and the last week once an hour). Idempotent: a
//! retried or overlapping run writes the same numbers.

use lambda_runtime::Error;
use norvalt_core::service::analytics::RollupJob;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let job = RollupJob {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        prices: norvalt_core::service::analytics::prices(&env)?,
        budget: RollupJob::BUDGET,
    };
    norvalt_aws::lambda::run_schedule(|now, _trace| job.run(now)).await
}
