//! AWS adapters for Norvalt's ports. Only this crate names AWS SDK types.

pub mod config;
pub mod dynamodb;

pub use dynamodb::DynamoStore;
