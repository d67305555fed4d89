//! The dealership's inventory.
use std::collections::HashMap;

use async_trait::async_trait;

use super::DynamoStore;
use super::items::*;
use norvalt_core::model::{Vehicle, VehicleStatus};
use norvalt_core::ports::VehicleStore;
use norvalt_core::{StoreResult, TenantId, VehicleId};

#[async_trait]
impl VehicleStore for DynamoStore {
    async fn insert_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        self.put_new(item(
            v,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("VEHICLE#{}", v.id))),
            ],
        )?)
        .await
    }

    async fn get_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<Option<Vehicle>> {
        self.get_doc(tenant_pk(tenant), format!("VEHICLE#{id}"))
            .await
    }

    async fn list_vehicles(
        &self,
        tenant: &TenantId,
        status: Option<VehicleStatus>,
        after: Option<VehicleId>,
        limit: usize,
    ) -> StoreResult<Vec<Vehicle>> {
        let mut values: Item = HashMap::from([
            (":pk".into(), s(tenant_pk(tenant))),
            (":from".into(), s("VEHICLE#")),
            (
                ":to".into(),
                s(after
                    .map(|a| format!("VEHICLE#{a}"))
                    .unwrap_or_else(|| "VEHICLE$".into())),
            ),
        ]);
        let mut filters = Vec::new();
        let mut names = HashMap::new();
        if let Some(a) = after {
            filters.push("id <> :after");
            values.insert(":after".into(), s(a.to_string()));
        }
        if let Some(st) = status {
            filters.push("#status = :status");
            names.insert("#status".to_string(), "status".to_string());
            values.insert(":status".into(), s(st.as_str()));
        }
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND sk BETWEEN :from AND :to",
            filter: (!filters.is_empty()).then(|| filters.join(" AND ")),
            values,
            names,
            newest_first: true,
            page_size: 200,
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn update_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        let item = item(
            v,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("VEHICLE#{}", v.id))),
            ],
        )?;
        self.put_versioned(item, v.version).await
    }

    async fn delete_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<bool> {
        self.delete(tenant_pk(tenant), format!("VEHICLE#{id}"))
            .await
    }
}
