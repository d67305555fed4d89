//! Lambda `email-inbound` (SES receipt rule: S3 action, then this): raw
//! importer mail from S3 into the capture queue, spam and viruses quarantined.

use aws_lambda_events::event::ses::SimpleEmailEvent;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use norvalt_aws::lambda::SesInbound;

#[tokio::main]
async fn main() -> Result<(), Error> {
    norvalt_http::telemetry::init_json_logs();
    let env = norvalt_aws::config::function_env();
    let config = norvalt_aws::config::load().await;
    let inbound = SesInbound {
        mail: norvalt_aws::s3mail::S3Mail::from_env(&config, &env)?,
        queue: Box::new(norvalt_aws::sqs::SqsQueues::from_env(&config, &env)?),
        prefix: env
            .optional("NORVALT_MAIL_PREFIX")
            .unwrap_or_else(|| "inbound/".into()),
    };
    let inbound = &inbound;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<SimpleEmailEvent>| async move {
            inbound
                .handle(event.payload)
                .await
                .map(|_| ())
                .map_err(Error::from)
        },
    ))
    .await
}
