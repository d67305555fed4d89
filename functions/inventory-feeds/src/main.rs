//! Lambda `inventory-feeds` (EventBridge, every 15 minutes): each
//! dealership's stock feed fetched once an hour (public addresses only, at
//! most 5 MB within 20 s), read with its column mapping and imported: new
//! cars added, changed ones updated, those no longer listed marked sold.

use std::sync::Arc;

use lambda_runtime::Error;
use norvalt_core::service::inventory::FeedJob;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let job = FeedJob {
        stores: norvalt_aws::dynamodb::stores_from_env(&config, &env)?,
        fetcher: Arc::new(norvalt_http::outbound::HttpFeedFetcher::new()),
        // The cloud never fetches from a private or loopback address.
        allow_private: false,
    };
    norvalt_aws::lambda::run_schedule(|now, _trace| job.run(now)).await
}
