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
    let stores = norvalt_aws::dynamodb::stores_from_env(&config, &env)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<SnsEvent>| {
        let stores = stores.clone();
        async move { norvalt_aws::lambda::ses_notices(&stores, event.payload).await }
    }))
    .await
}
