//! One `SdkConfig` per process, shared by every client (loading it once keeps
//! cold starts short). `AWS_ENDPOINT_URL` points every client at
//! moto server or LocalStack in tests and local runs.

use aws_config::BehaviorVersion;

pub async fn load() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}
