//! Analytics roll-ups: one record per dealership and Oslo day.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::rows::{docs, tid, to_doc};
use super::{SqliteStore, backend};
use norvalt_core::analytics::DailyRollup;
use norvalt_core::ports::AnalyticsStore;
use norvalt_core::time::sortable;
use norvalt_core::{StoreResult, TenantId};

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

    async fn get_rollup_cursor(&self, tenant: &TenantId) -> StoreResult<Option<DateTime<Utc>>> {
        let t = tid(tenant);
        self.read(move |c| {
            let at: Option<String> = c
                .query_row(
                    "SELECT at FROM rollup_cursors WHERE dealership_id = ?1",
                    params![t],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            at.map(|s| {
                DateTime::parse_from_rfc3339(&s)
                    .map(|t| t.to_utc())
                    .map_err(backend)
            })
            .transpose()
        })
        .await
    }

    async fn save_rollup_cursor(&self, tenant: &TenantId, at: DateTime<Utc>) -> StoreResult<()> {
        let (t, at) = (tid(tenant), sortable(&at));
        self.write(move |c| {
            c.execute(
                "INSERT INTO rollup_cursors (dealership_id, at) VALUES (?1, ?2)
                 ON CONFLICT (dealership_id) DO UPDATE SET at = excluded.at",
                params![t, at],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }
}
