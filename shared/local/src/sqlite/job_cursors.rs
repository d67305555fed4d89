//! Where the scheduled readers of changes left off.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};

use super::rows::tid;
use super::{SqliteStore, backend};
use norvalt_core::ports::JobCursorStore;
use norvalt_core::time::sortable;
use norvalt_core::{StoreResult, TenantId};

#[async_trait]
impl JobCursorStore for SqliteStore {
    async fn get_job_cursor(
        &self,
        tenant: &TenantId,
        job: &str,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let (t, job) = (tid(tenant), job.to_string());
        self.read(move |c| {
            let at: Option<String> = c
                .query_row(
                    "SELECT at FROM job_cursors WHERE dealership_id = ?1 AND job = ?2",
                    params![t, job],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            at.map(|at| {
                DateTime::parse_from_rfc3339(&at)
                    .map(|at| at.to_utc())
                    .map_err(backend)
            })
            .transpose()
        })
        .await
    }

    async fn save_job_cursor(
        &self,
        tenant: &TenantId,
        job: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let (t, job, at) = (tid(tenant), job.to_string(), sortable(&at));
        self.write(move |c| {
            c.execute(
                "INSERT INTO job_cursors (dealership_id, job, at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (dealership_id, job) DO UPDATE SET at = excluded.at",
                params![t, job, at],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }
}
