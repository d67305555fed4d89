//! Outbound claims on DynamoDB: `CLAIM#<key>` in the dealership's partition,
//! created with `attribute_not_exists`, replaced or deleted only while the
//! stored `claim_ts` is the caller's. Kept 90 days (TTL), far longer than
//! any retry of the job that made them; suppressions (opt-outs) have no TTL
//! and are kept for ever.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::items::{PartitionQuery, backend, conditional, decode, item, n, s, tenant_pk};
use norvalt_core::outbound::ClaimRecord;
use norvalt_core::ports::ClaimStore;
use norvalt_core::time::sortable;
use norvalt_core::{StoreError, StoreResult, TenantId};

const KEEP_DAYS: i64 = 90;

fn sk(key: &str) -> String {
    format!("CLAIM#{key}")
}

fn claim_item(tenant: &TenantId, record: &ClaimRecord) -> StoreResult<super::items::Item> {
    let mut item = item(
        record,
        [
            ("pk", s(tenant_pk(tenant))),
            ("sk", s(sk(&record.key))),
            ("claim_ts", s(sortable(&record.claimed_at))),
            (
                "expires_at",
                n((record.updated_at + chrono::Duration::days(KEEP_DAYS)).timestamp()),
            ),
        ],
    )?;
    if record.is_permanent() {
        item.remove("expires_at");
    }
    Ok(item)
}

impl DynamoStore {
    /// Takes the TTL off suppressions written before they were kept for
    /// ever (they had 90 days). Idempotent; returns how many it changed.
    /// Run once per deployment: `norvalt --backend aws maintenance`.
    pub async fn keep_suppressions_forever(&self, tenant: &TenantId) -> StoreResult<usize> {
        let expiring = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND begins_with(sk, :prefix)",
            filter: Some("attribute_exists(expires_at)".into()),
            values: HashMap::from([
                (":pk".into(), s(tenant_pk(tenant))),
                (
                    ":prefix".into(),
                    s(sk(norvalt_core::outbound::suppression::KEY_PREFIX)),
                ),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: 500,
        };
        let mut changed = 0;
        for found in self.query(expiring, usize::MAX).await? {
            let (Some(pk), Some(sk)) = (found.get("pk"), found.get("sk")) else {
                continue;
            };
            self.client
                .update_item()
                .table_name(&self.table)
                .key("pk", pk.clone())
                .key("sk", sk.clone())
                .update_expression("REMOVE expires_at")
                .send()
                .await
                .map_err(backend)?;
            changed += 1;
        }
        Ok(changed)
    }
}

#[async_trait]
impl ClaimStore for DynamoStore {
    async fn claim(
        &self,
        tenant: &TenantId,
        record: &ClaimRecord,
    ) -> StoreResult<Option<ClaimRecord>> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(claim_item(tenant, record)?))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(e) => {
                let existing = e
                    .as_service_error()
                    .filter(|s| s.is_conditional_check_failed_exception())
                    .and_then(|s| match s {
                        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => c.item.clone(),
                        _ => None,
                    });
                match existing {
                    Some(item) => Ok(Some(decode(item)?)),
                    None if e
                        .as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                    {
                        // Older endpoints do not return the item: read it.
                        self.get_claim(tenant, &record.key)
                            .await?
                            .map(Some)
                            .ok_or(StoreError::Conflict)
                    }
                    None => Err(backend(e)),
                }
            }
        }
    }

    async fn get_claim(&self, tenant: &TenantId, key: &str) -> StoreResult<Option<ClaimRecord>> {
        self.get(tenant_pk(tenant), sk(key))
            .await?
            .map(decode)
            .transpose()
    }

    async fn update_claim(
        &self,
        tenant: &TenantId,
        record: &ClaimRecord,
        claimed_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(claim_item(tenant, record)?))
            .condition_expression("claim_ts = :mine")
            .expression_attribute_values(":mine", s(sortable(&claimed_at)))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    async fn release_claim(
        &self,
        tenant: &TenantId,
        key: &str,
        claimed_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(tenant_pk(tenant)))
            .key("sk", s(sk(key)))
            .condition_expression("claim_ts = :mine")
            .expression_attribute_values(":mine", s(sortable(&claimed_at)))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Someone else's claim now: leave it.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }
}
