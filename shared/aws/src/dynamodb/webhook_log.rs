//! The webhook delivery log: `WHDELIVERY#<endpoint>#<delivery id>` (the id
//! is time-ordered), expired by the table's TTL after 30 days.

use std::collections::HashMap;

use async_trait::async_trait;

use super::DynamoStore;
use super::items::{PartitionQuery, backend, decode, item, n, s, tenant_pk};
use norvalt_core::integrations::webhooks::{LOG_DAYS, WebhookDelivery};
use norvalt_core::ports::WebhookLogStore;
use norvalt_core::{StoreResult, TenantId};

fn delivery_prefix(endpoint_id: &str) -> String {
    format!("WHDELIVERY#{endpoint_id}#")
}

#[async_trait]
impl WebhookLogStore for DynamoStore {
    async fn put_delivery(&self, tenant: &TenantId, d: &WebhookDelivery) -> StoreResult<()> {
        let expires = d.created_at + chrono::Duration::days(LOG_DAYS);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                d,
                [
                    ("pk", s(tenant_pk(tenant))),
                    (
                        "sk",
                        s(format!("{}{}", delivery_prefix(&d.endpoint_id), d.id)),
                    ),
                    ("expires_at", n(expires.timestamp())),
                ],
            )?))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn get_delivery(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        id: &str,
    ) -> StoreResult<Option<WebhookDelivery>> {
        self.get_doc(
            tenant_pk(tenant),
            format!("{}{id}", delivery_prefix(endpoint_id)),
        )
        .await
    }

    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<WebhookDelivery>> {
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND begins_with(sk, :prefix)",
            filter: None,
            values: HashMap::from([
                (":pk".into(), s(tenant_pk(tenant))),
                (":prefix".into(), s(delivery_prefix(endpoint_id))),
            ]),
            names: HashMap::new(),
            newest_first: true,
            page_size: limit.clamp(1, 100) as i32,
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}
