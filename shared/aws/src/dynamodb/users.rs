//! Users of a dealership and its audit log.
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

use super::DynamoStore;
use super::items::*;
use norvalt_core::audit::AuditEntry;
use norvalt_core::model::User;
use norvalt_core::ports::{AuditStore, UserStore};
use norvalt_core::{AuditId, StoreResult, TenantId, UserId};

#[async_trait]
impl UserStore for DynamoStore {
    /// The user and its Clerk-id lookup item are written in one transaction,
    /// so a Clerk user belongs to a dealership at most once.
    async fn insert_user(&self, tenant: &TenantId, u: &User) -> StoreResult<()> {
        let pk = tenant_pk(tenant);
        let put = |sk: String| -> StoreResult<TransactWriteItem> {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item(u, [("pk", s(pk.clone())), ("sk", s(sk))])?))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(backend)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        self.client
            .transact_write_items()
            .transact_items(put(format!("USER#{}", u.id))?)
            .transact_items(put(format!("CLERKUSER#{}", u.clerk_user_id))?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_transaction_canceled_exception()))
    }

    async fn get_user(&self, tenant: &TenantId, id: UserId) -> StoreResult<Option<User>> {
        self.get_doc(tenant_pk(tenant), format!("USER#{id}")).await
    }

    async fn find_user_by_clerk_id(
        &self,
        tenant: &TenantId,
        clerk_user_id: &str,
    ) -> StoreResult<Option<User>> {
        self.get_doc(tenant_pk(tenant), format!("CLERKUSER#{clerk_user_id}"))
            .await
    }

    async fn list_users(&self, tenant: &TenantId) -> StoreResult<Vec<User>> {
        self.query_prefix(tenant, "USER#").await
    }

    async fn update_user(&self, tenant: &TenantId, u: &User) -> StoreResult<()> {
        // Both items (by id, by Clerk id) change together or not at all.
        let pk = tenant_pk(tenant);
        let previous = u.version - 1;
        // Users stored before versions existed count as version 1.
        let condition = if previous == 1 {
            "attribute_exists(pk) AND (attribute_not_exists(version) OR version = :previous)"
        } else {
            "attribute_exists(pk) AND version = :previous"
        };
        let put = |sk: String| -> StoreResult<TransactWriteItem> {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item(u, [("pk", s(pk.clone())), ("sk", s(sk))])?))
                .condition_expression(condition)
                .expression_attribute_values(":previous", n(previous))
                .build()
                .map_err(backend)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        self.client
            .transact_write_items()
            .transact_items(put(format!("USER#{}", u.id))?)
            .transact_items(put(format!("CLERKUSER#{}", u.clerk_user_id))?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_transaction_canceled_exception()))
    }
}

#[async_trait]
impl AuditStore for DynamoStore {
    async fn append_audit(&self, tenant: &TenantId, entry: &AuditEntry) -> StoreResult<()> {
        self.put_new(item(
            entry,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("AUDIT#{}", entry.id))),
            ],
        )?)
        .await
    }

    async fn list_audit(
        &self,
        tenant: &TenantId,
        before: Option<AuditId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>> {
        let to = before
            .map(|b| format!("AUDIT#{b}"))
            .unwrap_or_else(|| "AUDIT$".into());
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND sk BETWEEN :from AND :to",
            filter: before.map(|_| "id <> :before".to_string()),
            values: [
                (":pk".to_string(), s(tenant_pk(tenant))),
                (":from".to_string(), s("AUDIT#")),
                (":to".to_string(), s(to)),
            ]
            .into_iter()
            .chain(before.map(|b| (":before".to_string(), s(b.to_string()))))
            .collect(),
            names: HashMap::new(),
            newest_first: true,
            page_size: (limit + 2) as i32,
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}
