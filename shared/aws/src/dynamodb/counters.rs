//! Counters (round-robin turns and the like): one atomic increment per
//! caller.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::DynamoStore;
use super::items::{backend, n, s, tenant_pk};
use norvalt_core::ports::CounterStore;
use norvalt_core::{StoreError, StoreResult, TenantId};

#[async_trait]
impl CounterStore for DynamoStore {
    async fn increment(&self, tenant: &TenantId, name: &str) -> StoreResult<u64> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(tenant_pk(tenant)))
            .key("sk", s(format!("COUNTER#{name}")))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", "value")
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(backend)?;
        match out.attributes.as_ref().and_then(|a| a.get("value")) {
            Some(AttributeValue::N(v)) => v.parse().map_err(backend),
            _ => Err(StoreError::Backend(
                "counter update returned no value".into(),
            )),
        }
    }
}
