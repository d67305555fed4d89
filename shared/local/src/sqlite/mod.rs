//! The embedded storage adapter: every port on one SQLite file (WAL mode).
//!
//! Records are stored as their JSON document plus the few columns that
//! listings filter and sort on. One writer connection serialises writes (as
//! SQLite does anyway); a handful of reader connections serve lists in
//! parallel under WAL.

mod analytics;
mod appointments;
mod capture;
mod claims;
mod conversations;
mod counters;
mod dealerships;
mod erase;
mod follow_ups;
mod job_cursors;
mod leads;
mod mailbox;
mod migrations;
mod queue;
mod rows;
mod rules;
mod users;
mod vehicles;
mod webhook_log;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use norvalt_core::{StoreError, StoreResult};
use rusqlite::Connection;

const READERS: usize = 4;

#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: Mutex<Connection>,
    /// Wakes this process's worker of a queue when a message is sent to it.
    queued: [tokio::sync::Notify; norvalt_core::queue::QueueName::ALL.len()],
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Self, rusqlite::Error> {
        let mut writer = Connection::open(path)?;
        configure(&writer)?;
        migrations::run(&mut writer)?;
        let readers = (0..READERS)
            .map(|_| {
                let c = Connection::open(path)?;
                configure(&c)?;
                Ok(Mutex::new(c))
            })
            .collect::<Result<_, rusqlite::Error>>()?;
        Ok(Self {
            inner: Arc::new(Inner {
                writer: Mutex::new(writer),
                queued: Default::default(),
                readers,
                next_reader: AtomicUsize::new(0),
            }),
        })
    }

    /// Runs `f` on the writer connection, off the async runtime.
    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner
                .writer
                .lock()
                .map_err(|_| StoreError::Backend("writer lock poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }

    /// Runs `f` on one of the reader connections.
    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let i = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
            let conn = inner.readers[i]
                .lock()
                .map_err(|_| StoreError::Backend("reader lock poisoned".into()))?;
            f(&conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("storage task failed: {e}")))?
    }
}

impl Inner {
    fn notify(&self, queue: norvalt_core::queue::QueueName) {
        // A stored permit if the worker is busy: it will not miss the message.
        self.queued[queue as usize].notify_one();
    }
}

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted and overwritten content is zeroed, not left in free space:
    // after a GDPR erasure nothing of the person stays in the file.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A unique-constraint violation is a lost conditional write.
fn conflict_or_backend(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Conflict
        }
        other => backend(other),
    }
}
