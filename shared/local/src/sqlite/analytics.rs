//! Analytics roll-ups: one record per dealership and Oslo day.

use async_trait::async_trait;
use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::rows::{docs, tid, to_doc};
use super::{SqliteStore, backend};
use norvalt_core::analytics::{DailyRollup, RollupCursor};
use norvalt_core::ports::AnalyticsStore;
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, MessageId, StoreResult, TenantId};

#[async_trait]
impl AnalyticsStore for SqliteStore {
    async fn put_rollup(&self, tenant: &TenantId, rollup: &DailyRollup) -> StoreResult<()> {
        let day = rollup
            .day
            .ok_or_else(|| norvalt_core::StoreError::Backend("a roll-up without its day".into()))?
            .to_string();
        let (t, doc) = (tid(tenant), to_doc(rollup)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO rollups (dealership_id, day, doc) VALUES (?1, ?2, ?3)
                 ON CONFLICT (dealership_id, day) DO UPDATE SET doc = excluded.doc",
                params![t, day, doc],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn list_rollups(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DailyRollup>> {
        let args = vec![
            tid(tenant).into(),
            from.to_string().into(),
            to.to_string().into(),
        ];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM rollups WHERE dealership_id = ?1 AND day BETWEEN ?2 AND ?3 ORDER BY day",
                args,
            )
        })
        .await
    }

    async fn get_rollup_cursor(&self, tenant: &TenantId) -> StoreResult<Option<RollupCursor>> {
        let t = tid(tenant);
        self.read(move |c| {
            let row: Option<(String, String)> = c
                .query_row(
                    "SELECT at, pending FROM rollup_cursors WHERE dealership_id = ?1",
                    params![t],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            let Some((at, pending)) = row else {
                return Ok(None);
            };
            Ok(Some(RollupCursor {
                at: DateTime::parse_from_rfc3339(&at).map_err(backend)?.to_utc(),
                pending: serde_json::from_str(&pending).map_err(backend)?,
            }))
        })
        .await
    }

    async fn save_rollup_cursor(
        &self,
        tenant: &TenantId,
        cursor: &RollupCursor,
    ) -> StoreResult<()> {
        let (t, at) = (tid(tenant), sortable(&cursor.at));
        let pending = serde_json::to_string(&cursor.pending).map_err(backend)?;
        self.write(move |c| {
            c.execute(
                "INSERT INTO rollup_cursors (dealership_id, at, pending) VALUES (?1, ?2, ?3)
                 ON CONFLICT (dealership_id) DO UPDATE SET at = excluded.at, pending = excluded.pending",
                params![t, at, pending],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn leads_active_since(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
    ) -> StoreResult<BTreeSet<LeadId>> {
        let (t, at, first_message) = (
            tid(tenant),
            sortable(&since),
            MessageId::first_at(since).to_string(),
        );
        self.read(move |c| {
            let mut statement = c
                .prepare(
                    "SELECT id FROM leads WHERE dealership_id = ?1 AND updated_at >= ?2
                     UNION SELECT lead_id FROM messages WHERE dealership_id = ?1 AND id >= ?3
                     UNION SELECT lead_id FROM appointments WHERE dealership_id = ?1 AND updated_at >= ?2",
                )
                .map_err(backend)?;
            let ids = statement
                .query_map(params![t, at, first_message], |r| r.get::<_, String>(0))
                .map_err(backend)?
                .map(|id| {
                    id.map_err(backend)?
                        .parse::<LeadId>()
                        .map_err(backend)
                })
                .collect::<StoreResult<BTreeSet<LeadId>>>()?;
            Ok(ids)
        })
        .await
    }
}
