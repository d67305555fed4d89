//! Where the scheduled readers of changes left off: one small item per
//! dealership and job (`JOB_CURSOR#<job>`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::DynamoStore;
use super::items::{backend, item, s, tenant_pk};
use norvalt_core::ports::JobCursorStore;
use norvalt_core::{StoreResult, TenantId};

#[derive(Serialize, Deserialize)]
struct JobCursor {
    at: DateTime<Utc>,
}

fn cursor_sk(job: &str) -> String {
    format!("JOB_CURSOR#{job}")
}

#[async_trait]
impl JobCursorStore for DynamoStore {
    async fn get_job_cursor(
        &self,
        tenant: &TenantId,
        job: &str,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let cursor: Option<JobCursor> = self.get_doc(tenant_pk(tenant), cursor_sk(job)).await?;
        Ok(cursor.map(|c| c.at))
    }

    async fn save_job_cursor(
        &self,
        tenant: &TenantId,
        job: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                &JobCursor { at },
                [("pk", s(tenant_pk(tenant))), ("sk", s(cursor_sk(job)))],
            )?))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
