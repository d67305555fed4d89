//! The hello-world baseline plus what every Norvalt function does before
//! its first event: the AWS SDK's shared configuration and its clients
//! (DynamoDB, SQS, S3, Secrets Manager). Its init against hello-world's is
//! the SDK's own share of a cold start.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    let clients = &*Box::leak(Box::new((
        aws_sdk_dynamodb::Client::new(&config),
        aws_sdk_sqs::Client::new(&config),
        aws_sdk_s3::Client::new(&config),
        aws_sdk_secretsmanager::Client::new(&config),
    )));
    lambda_runtime::run(service_fn(move |_: LambdaEvent<Value>| async move {
        let _ = clients;
        Ok::<Value, Error>(json!({ "ok": true }))
    }))
    .await
}
