//! What GDPR erasure needs of the database file itself: queue messages
//! that still carry the person (dead letters kept for review), and the WAL,
//! which holds old page images until it is checkpointed and truncated.

use rusqlite::params;

use super::{SqliteStore, backend};
use norvalt_core::service::gdpr::ErasureRefs;
use norvalt_core::{StoreError, StoreResult};

impl SqliteStore {
    /// Deletes the erasing dealership's queue messages (live or dead) that
    /// carry the person: a body naming one of their leads or messages in a
    /// text value, or holding one of their identifiers as a whole text value
    /// (field names are never compared, so a customer named "payload"
    /// matches no envelope's structure). Then
    /// checkpoints and truncates the WAL; with `secure_delete` on, the freed
    /// space is zeroed. Other dealerships' messages are never read.
    pub async fn erase_copies(&self, refs: &ErasureRefs) -> StoreResult<usize> {
        let Some(dealership) = refs.dealership_id else {
            return Err(StoreError::Backend(
                "erasure of queue copies needs the dealership".into(),
            ));
        };
        let ids: Vec<String> = refs
            .lead_ids
            .iter()
            .map(ToString::to_string)
            .chain(
                refs.send_keys
                    .iter()
                    .filter_map(|k| k.strip_prefix("send:"))
                    .map(str::to_string),
            )
            .collect();
        let identifiers: Vec<String> = refs
            .identifiers
            .iter()
            .filter(|i| i.chars().count() >= 3)
            .cloned()
            .collect();
        let dealership = dealership.to_string();
        self.write(move |c| {
            // A text value anywhere in the body: an id inside it, or an
            // identifier as the whole value. Keys are never compared.
            const OF_DEALERSHIP: &str =
                "json_valid(body) AND json_extract(body, '$.dealership_id') = ?1";
            let by_id = format!(
                "DELETE FROM queue_messages WHERE {OF_DEALERSHIP} AND EXISTS \
                 (SELECT 1 FROM json_tree(body) WHERE type = 'text' AND instr(value, ?2) > 0)"
            );
            let by_identifier = format!(
                "DELETE FROM queue_messages WHERE {OF_DEALERSHIP} AND EXISTS \
                 (SELECT 1 FROM json_tree(body) WHERE type = 'text' AND lower(value) = lower(?2))"
            );
            let mut removed = 0;
            for (sql, needles) in [(&by_id, &ids), (&by_identifier, &identifiers)] {
                for needle in needles {
                    removed += c
                        .execute(sql, params![dealership, needle])
                        .map_err(backend)?;
                }
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
