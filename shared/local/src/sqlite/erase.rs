//! What GDPR erasure needs of the database file itself: queue messages
//! that still carry the person (dead letters kept for review), and the WAL,
//! which holds old page images until it is checkpointed and truncated.

use rusqlite::params;

use super::{SqliteStore, backend};
use norvalt_core::{StoreError, StoreResult};

impl SqliteStore {
    /// Deletes queue messages (live or dead) whose body contains any of
    /// `identifiers`, then checkpoints and truncates the WAL. With
    /// `secure_delete` on, the freed space is zeroed.
    pub async fn erase_copies(&self, identifiers: &[String]) -> StoreResult<usize> {
        let needles: Vec<String> = identifiers
            .iter()
            .filter(|i| i.len() >= 5)
            .cloned()
            .collect();
        self.write(move |c| {
            let mut removed = 0;
            for needle in &needles {
                removed += c
                    .execute(
                        "DELETE FROM queue_messages WHERE instr(body, ?1) > 0",
                        params![needle],
                    )
                    .map_err(backend)?;
            }
            // Readers may hold the WAL for a moment: retry until it is empty.
            for _ in 0..50 {
                let (busy, _, _): (i64, i64, i64) = c
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                    })
                    .map_err(backend)?;
                if busy == 0 {
                    return Ok(removed);
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(StoreError::Backend(
                "the WAL could not be checkpointed; erasure incomplete, try again".into(),
            ))
        })
        .await
    }
}
