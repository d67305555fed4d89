//! Counters (round-robin turns and the like): one atomic increment per
//! caller.

use async_trait::async_trait;
use rusqlite::params;

use super::rows::tid;
use super::{SqliteStore, backend};
use norvalt_core::ports::CounterStore;
use norvalt_core::{StoreResult, TenantId};

#[async_trait]
impl CounterStore for SqliteStore {
    async fn increment(&self, tenant: &TenantId, name: &str) -> StoreResult<u64> {
        let (t, name) = (tid(tenant), name.to_string());
        self.write(move |c| {
            c.query_row(
                "INSERT INTO counters (dealership_id, name, value) VALUES (?1, ?2, 1)
                 ON CONFLICT (dealership_id, name) DO UPDATE SET value = value + 1
                 RETURNING value",
                params![t, name],
                |r| r.get::<_, i64>(0),
            )
            .map(|v| v as u64)
            .map_err(backend)
        })
        .await
    }
}
