//! Dealerships, their registry, and the routing records (form key, Facebook
//! page, inbound address, Clerk organisation, SMS number) outside every
//! tenant partition.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use super::DynamoStore;
use super::items::*;
use norvalt_core::model::Dealership;
use norvalt_core::ports::{DealershipStore, RouteKind, RoutingStore};
use norvalt_core::{DealershipId, StoreError, StoreResult, TenantId};

#[async_trait]
impl DealershipStore for DynamoStore {
    async fn insert_dealership(&self, tenant: &TenantId, d: &Dealership) -> StoreResult<()> {
        if d.id != tenant.dealership_id() {
            return Err(StoreError::Backend(
                "dealership id does not match the tenant".into(),
            ));
        }
        // The profile and its entry in the registry the scheduled jobs
        // read (one `DEALERSHIPS` partition: a Query, never a Scan).
        let profile = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                d,
                [("pk", s(tenant_pk(tenant))), ("sk", s("PROFILE"))],
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(backend)?;
        let registry = Put::builder()
            .table_name(&self.table)
            .item("pk", s(DEALERSHIP_REGISTRY))
            .item("sk", s(d.id.to_string()))
            .build()
            .map_err(backend)?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(profile).build())
            .transact_items(TransactWriteItem::builder().put(registry).build())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_transaction_canceled_exception()))
    }

    async fn list_dealership_ids(&self) -> StoreResult<Vec<DealershipId>> {
        self.registry(DEALERSHIP_REGISTRY).await
    }

    async fn update_dealership(&self, tenant: &TenantId, d: &Dealership) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                d,
                [("pk", s(tenant_pk(tenant))), ("sk", s("PROFILE"))],
            )?))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    async fn get_dealership(&self, tenant: &TenantId) -> StoreResult<Option<Dealership>> {
        self.get_doc(tenant_pk(tenant), "PROFILE".into()).await
    }
}

#[async_trait]
impl RoutingStore for DynamoStore {
    async fn claim_route(&self, kind: RouteKind, key: &str, tenant: &TenantId) -> StoreResult<()> {
        let dealer = tenant.dealership_id().to_string();
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(route_pk(kind, key)))
            .item("sk", s("ROUTE"))
            .item("dealership_id", s(dealer.clone()))
            .condition_expression("attribute_not_exists(pk) OR dealership_id = :d")
            .expression_attribute_values(":d", s(dealer))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    async fn lookup_route(&self, kind: RouteKind, key: &str) -> StoreResult<Option<DealershipId>> {
        let Some(item) = self.get(route_pk(kind, key), "ROUTE".into()).await? else {
            return Ok(None);
        };
        match item.get("dealership_id") {
            Some(AttributeValue::S(id)) => id.parse().map(Some).map_err(backend),
            _ => Err(StoreError::Backend(
                "routing record without dealership_id".into(),
            )),
        }
    }

    async fn release_route(
        &self,
        kind: RouteKind,
        key: &str,
        tenant: &TenantId,
    ) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(route_pk(kind, key)))
            .key("sk", s("ROUTE"))
            .condition_expression("dealership_id = :d")
            .expression_attribute_values(":d", s(tenant.dealership_id().to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Held by another dealership, or already gone: nothing of ours to release.
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
