//! One `SdkConfig` per process, shared by every client (loading it once keeps
//! cold starts short). `AWS_ENDPOINT_URL` points every client at
//! moto server or LocalStack in tests and local runs.

use aws_config::BehaviorVersion;

pub async fn load() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// What every function does first: its metrics go to CloudWatch as EMF, and
/// its environment is read once, here, into the values its configuration
/// is built from (failing at cold start, naming the variable, when one is
/// missing or malformed).
pub fn function_env() -> norvalt_core::config::Env {
    crate::metrics::install_emf();
    norvalt_core::config::Env::new(std::env::vars())
}
