//! The dealership's inventory.
use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter};

use super::rows::*;
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::model::{Vehicle, VehicleStatus};
use norvalt_core::ports::VehicleStore;
use norvalt_core::{StoreResult, TenantId, VehicleId};

#[async_trait]
impl VehicleStore for SqliteStore {
    async fn insert_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        let args: Vec<Value> = vec![
            tid(tenant).into(),
            v.id.to_string().into(),
            v.status.as_str().to_string().into(),
            (v.version as i64).into(),
            to_doc(v)?.into(),
        ];
        self.write(move |c| {
            c.execute(
                "INSERT INTO vehicles (dealership_id, id, status, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params_from_iter(args),
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<Option<Vehicle>> {
        let args = vec![tid(tenant).into(), id.to_string().into()];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM vehicles WHERE dealership_id = ?1 AND id = ?2",
                args,
            )
        })
        .await
    }

    async fn list_vehicles(
        &self,
        tenant: &TenantId,
        status: Option<VehicleStatus>,
        after: Option<VehicleId>,
        limit: usize,
    ) -> StoreResult<Vec<Vehicle>> {
        let mut sql = String::from("SELECT doc FROM vehicles WHERE dealership_id = ?");
        let mut args: Vec<Value> = vec![tid(tenant).into()];
        if let Some(s) = status {
            sql.push_str(" AND status = ?");
            args.push(s.as_str().to_string().into());
        }
        if let Some(a) = after {
            sql.push_str(" AND id < ?");
            args.push(a.to_string().into());
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        args.push((limit as i64).into());
        self.read(move |c| docs(c, &sql, args)).await
    }

    async fn update_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        let args: Vec<Value> = vec![
            tid(tenant).into(),
            v.id.to_string().into(),
            v.status.as_str().to_string().into(),
            (v.version as i64).into(),
            to_doc(v)?.into(),
            ((v.version - 1) as i64).into(),
        ];
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE vehicles SET status = ?3, version = ?4, doc = ?5
                     WHERE dealership_id = ?1 AND id = ?2 AND version = ?6",
                    params_from_iter(args),
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn delete_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<bool> {
        let (t, id) = (tid(tenant), id.to_string());
        self.write(move |c| {
            c.execute(
                "DELETE FROM vehicles WHERE dealership_id = ?1 AND id = ?2",
                params![t, id],
            )
            .map(|n| n == 1)
            .map_err(backend)
        })
        .await
    }
}
