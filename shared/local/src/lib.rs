//! The embedded Norvalt platform: SQLite storage, the local signing key, the
//! demo seed and the all-in-one server behind the `norvalt` CLI.

pub mod dashboard;
pub mod erase;
mod files;
pub mod ingest;
pub mod keys;
pub mod outbox;
pub mod platform;
pub mod seed;
pub mod sources;
pub mod sqlite;
pub mod worker;

pub use platform::{Backend, Platform};
pub use sqlite::SqliteStore;

/// The public base URL the webhooks are reached at (`NORVALT_PUBLIC_URL`).
pub fn public_url() -> String {
    std::env::var("NORVALT_PUBLIC_URL")
        .unwrap_or_else(|_| {
            format!(
                "http://{}",
                std::env::var("NORVALT_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into())
            )
        })
        .trim_end_matches('/')
        .to_string()
}
