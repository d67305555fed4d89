use chrono::{DateTime, Utc};

use super::MAX_WRITE_ATTEMPTS;
use crate::error::{DomainError, DomainResult, VEHICLE_NOT_FOUND};
use crate::ids::VehicleId;
use crate::model::{NewVehicle, Vehicle, VehiclePatch, VehicleStatus};
use crate::pagination::{self, CursorCodec, Page};
use crate::permissions::{Actor, Permission};
use crate::ports::{StoreError, Stores};

pub async fn create(
    stores: &Stores,
    actor: &Actor,
    input: NewVehicle,
    now: DateTime<Utc>,
) -> DomainResult<Vehicle> {
    actor.require(Permission::ManageVehicles)?;
    let vehicle = input.into_vehicle(actor.tenant.dealership_id(), now)?;
    stores
        .vehicles
        .insert_vehicle(&actor.tenant, &vehicle)
        .await?;
    Ok(vehicle)
}

pub async fn get(stores: &Stores, actor: &Actor, id: VehicleId) -> DomainResult<Vehicle> {
    actor.require(Permission::ReadVehicles)?;
    stores
        .vehicles
        .get_vehicle(&actor.tenant, id)
        .await?
        .ok_or(VEHICLE_NOT_FOUND)
}

/// Newest first, optionally only one status.
pub async fn list(
    stores: &Stores,
    cursors: &CursorCodec,
    actor: &Actor,
    status: Option<VehicleStatus>,
    limit: Option<i64>,
    cursor: Option<String>,
) -> DomainResult<Page<Vehicle>> {
    actor.require(Permission::ReadVehicles)?;
    let limit = pagination::limit(limit)?;
    let scope = pagination::scope(
        "vehicles",
        &[("status", status.map(|s| s.as_str().to_string()))],
    );
    let after =
        pagination::decode_after::<VehicleId>(cursors, &actor.tenant, &scope, cursor.as_deref())?;
    let items = stores
        .vehicles
        .list_vehicles(&actor.tenant, status, after, limit + 1)
        .await?;
    Ok(pagination::into_page(
        items,
        limit,
        cursors,
        &actor.tenant,
        &scope,
        |v| v.id.to_string(),
    ))
}

pub async fn update(
    stores: &Stores,
    actor: &Actor,
    id: VehicleId,
    patch: VehiclePatch,
    now: DateTime<Utc>,
) -> DomainResult<Vehicle> {
    actor.require(Permission::ManageVehicles)?;
    for _ in 0..MAX_WRITE_ATTEMPTS {
        let mut vehicle = stores
            .vehicles
            .get_vehicle(&actor.tenant, id)
            .await?
            .ok_or(VEHICLE_NOT_FOUND)?;
        patch.apply(&mut vehicle, now)?;
        vehicle.version += 1;
        vehicle.updated_at = now;
        match stores
            .vehicles
            .update_vehicle(&actor.tenant, &vehicle)
            .await
        {
            Ok(()) => return Ok(vehicle),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict {
        code: "write_conflict",
        message: "The vehicle is being changed by others; try again".into(),
    })
}

pub async fn delete(stores: &Stores, actor: &Actor, id: VehicleId) -> DomainResult<()> {
    actor.require(Permission::ManageVehicles)?;
    if stores.vehicles.delete_vehicle(&actor.tenant, id).await? {
        Ok(())
    } else {
        Err(VEHICLE_NOT_FOUND)
    }
}
