//! Outbound claims on SQLite: insert-if-absent and compare-and-set on the
//! claim's `claimed_at`, inside the single writer.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::rows::{from_doc, tid, to_doc};
use super::{SqliteStore, backend};
use norvalt_core::outbound::ClaimRecord;
use norvalt_core::ports::ClaimStore;
use norvalt_core::time::sortable;
use norvalt_core::{StoreError, StoreResult, TenantId};

fn read(c: &rusqlite::Connection, t: &str, key: &str) -> StoreResult<Option<ClaimRecord>> {
    let doc: Option<String> = c
        .query_row(
            "SELECT doc FROM claims WHERE dealership_id = ?1 AND key = ?2",
            params![t, key],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?;
    doc.map(from_doc).transpose()
}

#[async_trait]
impl ClaimStore for SqliteStore {
    async fn claim(
        &self,
        tenant: &TenantId,
        record: &ClaimRecord,
    ) -> StoreResult<Option<ClaimRecord>> {
        let (t, r, doc) = (tid(tenant), record.clone(), to_doc(record)?);
        self.write(move |c| {
            let inserted = c
                .execute(
                    "INSERT INTO claims (dealership_id, key, claimed_at, doc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (dealership_id, key) DO NOTHING",
                    params![t, r.key, sortable(&r.claimed_at), doc],
                )
                .map_err(backend)?;
            if inserted == 1 {
                Ok(None)
            } else {
                read(c, &t, &r.key)
            }
        })
        .await
    }

    async fn get_claim(&self, tenant: &TenantId, key: &str) -> StoreResult<Option<ClaimRecord>> {
        let (t, key) = (tid(tenant), key.to_string());
        self.read(move |c| read(c, &t, &key)).await
    }

    async fn update_claim(
        &self,
        tenant: &TenantId,
        record: &ClaimRecord,
        claimed_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (t, r, doc) = (tid(tenant), record.clone(), to_doc(record)?);
        self.write(move |c| {
            let n = c
                .execute(
                    "UPDATE claims SET claimed_at = ?1, doc = ?2
                     WHERE dealership_id = ?3 AND key = ?4 AND claimed_at = ?5",
                    params![
                        sortable(&r.claimed_at),
                        doc,
                        t,
                        r.key,
                        sortable(&claimed_at)
                    ],
                )
                .map_err(backend)?;
            if n == 1 {
                Ok(())
            } else {
                Err(StoreError::Conflict)
            }
        })
        .await
    }

    async fn release_claim(
        &self,
        tenant: &TenantId,
        key: &str,
        claimed_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (t, key) = (tid(tenant), key.to_string());
        self.write(move |c| {
            c.execute(
                "DELETE FROM claims WHERE dealership_id = ?1 AND key = ?2 AND claimed_at = ?3",
                params![t, key, sortable(&claimed_at)],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }
}
