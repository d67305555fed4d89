//! Puts records written before the change index existed into it: leads by
//! their last change, messages and appointments by theirs (`norvalt
//! maintenance --backend aws`, once after the upgrade that added the index).
//! Until then a poll, an escalation or a roll-up would not see a record
//! until its next write. Only missing keys are set, under a condition, so a
//! second run or a live write alongside changes nothing.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::DateTime;

use super::DynamoStore;
use super::items::*;
use norvalt_core::{StoreError, StoreResult, TenantId};

/// Each kind of record in the index: its key prefix, where it sits and the
/// attribute holding the time it sits at.
const KINDS: [(&str, ChangeKind, &str); 3] = [
    ("LEAD#", ChangeKind::Lead, "updated_at"),
    ("MSG#", ChangeKind::Activity, "created_at"),
    ("APPT#", ChangeKind::Activity, "updated_at"),
];

impl DynamoStore {
    /// Indexes the dealership's records that are not yet; returns how many.
    pub async fn index_earlier_changes(&self, tenant: &TenantId) -> StoreResult<usize> {
        let mut indexed = 0;
        for (prefix, kind, time_attribute) in KINDS {
            let unindexed = PartitionQuery {
                index: None,
                key_condition: "pk = :pk AND begins_with(sk, :prefix)",
                filter: Some("attribute_not_exists(chpk)".into()),
                values: HashMap::from([
                    (":pk".into(), s(tenant_pk(tenant))),
                    (":prefix".into(), s(prefix)),
                ]),
                names: HashMap::new(),
                newest_first: false,
                page_size: 500,
            };
            for found in self.query(unindexed, usize::MAX).await? {
                let (Some(AttributeValue::S(sk)), Some(AttributeValue::S(at))) =
                    (found.get("sk"), found.get(time_attribute))
                else {
                    continue;
                };
                let at = DateTime::parse_from_rfc3339(at)
                    .map_err(|e| StoreError::Backend(format!("{sk}: {e}")))?
                    .to_utc();
                let [(_, chpk), (_, chsk)] = change_keys(tenant, kind, &at, sk);
                let result = self
                    .client
                    .update_item()
                    .table_name(&self.table)
                    .key("pk", s(tenant_pk(tenant)))
                    .key("sk", s(sk.clone()))
                    .update_expression("SET chpk = :chpk, chsk = :chsk")
                    .condition_expression("attribute_exists(pk) AND attribute_not_exists(chpk)")
                    .expression_attribute_values(":chpk", chpk)
                    .expression_attribute_values(":chsk", chsk)
                    .send()
                    .await;
                match result {
                    Ok(_) => indexed += 1,
                    // Written (and so indexed) meanwhile, or deleted.
                    Err(e)
                        if e.as_service_error()
                            .is_some_and(|e| e.is_conditional_check_failed_exception()) => {}
                    Err(e) => return Err(backend(e)),
                }
            }
        }
        Ok(indexed)
    }
}
