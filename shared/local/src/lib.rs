//! The embedded Norvalt platform: SQLite storage, the local signing key, the
//! demo seed and the all-in-one server behind the `norvalt` CLI.

pub mod sqlite;

pub use sqlite::SqliteStore;
