//! The webhook delivery log; entries past their 30 days are pruned as new
//! ones are written.

use async_trait::async_trait;
use rusqlite::params;
use rusqlite::types::Value;

use super::rows::{docs, one_doc, tid, to_doc};
use super::{SqliteStore, backend};
use norvalt_core::integrations::webhooks::{LOG_DAYS, WebhookDelivery};
use norvalt_core::ports::WebhookLogStore;
use norvalt_core::time::sortable;
use norvalt_core::{StoreResult, TenantId};

#[async_trait]
impl WebhookLogStore for SqliteStore {
    async fn put_delivery(&self, tenant: &TenantId, d: &WebhookDelivery) -> StoreResult<()> {
        let (t, endpoint, id, created, doc) = (
            tid(tenant),
            d.endpoint_id.clone(),
            d.id.clone(),
            sortable(&d.created_at),
            to_doc(d)?,
        );
        let cutoff = sortable(&(d.created_at - chrono::Duration::days(LOG_DAYS)));
        self.write(move |c| {
            c.execute(
                "INSERT INTO webhook_deliveries (dealership_id, endpoint_id, id, created_at, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (dealership_id, endpoint_id, id) DO UPDATE SET doc = excluded.doc",
                params![t, endpoint, id, created, doc],
            )
            .map_err(backend)?;
            c.execute(
                "DELETE FROM webhook_deliveries WHERE dealership_id = ?1 AND endpoint_id = ?2 AND created_at < ?3",
                params![t, endpoint, cutoff],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }

    async fn get_delivery(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        id: &str,
    ) -> StoreResult<Option<WebhookDelivery>> {
        let args = vec![
            Value::Text(tid(tenant)),
            Value::Text(endpoint_id.into()),
            Value::Text(id.into()),
        ];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM webhook_deliveries WHERE dealership_id = ?1 AND endpoint_id = ?2 AND id = ?3",
                args,
            )
        })
        .await
    }

    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let args = vec![
            Value::Text(tid(tenant)),
            Value::Text(endpoint_id.into()),
            Value::Integer(limit.min(i64::MAX as usize) as i64),
        ];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM webhook_deliveries WHERE dealership_id = ?1 AND endpoint_id = ?2
                 ORDER BY id DESC LIMIT ?3",
                args,
            )
        })
        .await
    }
}
