//! The IMAP poller's registry and cursors on DynamoDB. The registry is one
//! small partition (`MAILBOXES`, one item per polled dealership) so that the
//! scheduled poller finds its work with a Query, never a Scan; each cursor
//! sits in its dealership's partition.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::DynamoStore;
use super::items::{Item, backend, n, s, tenant_pk};
use norvalt_core::capture::mailbox::MailboxCursor;
use norvalt_core::ports::MailboxStore;
use norvalt_core::{DealershipId, StoreResult, TenantId};

const REGISTRY_PK: &str = "MAILBOXES";
const CURSOR_SK: &str = "MAILBOX_CURSOR";

fn number(item: &Item, name: &str) -> Option<u32> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v.parse().ok(),
        _ => None,
    }
}

#[async_trait]
impl MailboxStore for DynamoStore {
    async fn set_mailbox_polled(&self, tenant: &TenantId, polled: bool) -> StoreResult<()> {
        let sk = tenant.dealership_id().to_string();
        if polled {
            self.client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(REGISTRY_PK))
                .item("sk", s(sk))
                .send()
                .await
                .map_err(backend)?;
        } else {
            self.client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(REGISTRY_PK))
                .key("sk", s(sk))
                .send()
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn list_polled_mailboxes(&self) -> StoreResult<Vec<DealershipId>> {
        self.registry(REGISTRY_PK).await
    }

    async fn get_mailbox_cursor(&self, tenant: &TenantId) -> StoreResult<Option<MailboxCursor>> {
        let Some(item) = self.get(tenant_pk(tenant), CURSOR_SK.into()).await? else {
            return Ok(None);
        };
        Ok(number(&item, "uid_validity")
            .zip(number(&item, "last_uid"))
            .map(|(uid_validity, last_uid)| MailboxCursor {
                uid_validity,
                last_uid,
            }))
    }

    async fn save_mailbox_cursor(
        &self,
        tenant: &TenantId,
        cursor: &MailboxCursor,
    ) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(tenant_pk(tenant)))
            .item("sk", s(CURSOR_SK))
            .item("uid_validity", n(cursor.uid_validity))
            .item("last_uid", n(cursor.last_uid))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}

impl DynamoStore {
    /// The dealership ids in a registry partition (`MAILBOXES`,
    /// `DEALERSHIPS`): one item per dealership, its id as the sort key.
    pub(super) async fn registry(&self, pk: &str) -> StoreResult<Vec<DealershipId>> {
        let mut ids = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                let Some(AttributeValue::S(sk)) = item.get("sk") else {
                    continue;
                };
                ids.push(sk.parse().map_err(|_| {
                    norvalt_core::StoreError::Backend(format!("bad registry item {sk}"))
                })?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(ids),
            }
        }
    }
}
