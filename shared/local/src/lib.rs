//! The embedded Norvalt platform: SQLite storage, the local signing key, the
//! demo seed and the all-in-one server behind the `norvalt` CLI.

mod files;
pub mod ingest;
pub mod keys;
pub mod platform;
pub mod seed;
pub mod sources;
pub mod sqlite;
pub mod worker;

pub use platform::{Backend, Platform};
pub use sqlite::SqliteStore;
