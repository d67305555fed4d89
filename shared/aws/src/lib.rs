//! AWS adapters for Norvalt's ports. Only this crate names AWS SDK types.

pub mod bedrock;
pub mod config;
pub mod dynamodb;
pub mod lambda;
pub mod metrics;
pub mod s3mail;
pub mod secrets;
pub mod ses;
pub mod sqs;

pub use dynamodb::DynamoStore;
