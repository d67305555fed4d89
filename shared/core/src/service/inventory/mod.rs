//! A feed's cars into the dealership's vehicles: each matched to the one it
//! was before by stock number, else VIN; new ones added, changed ones
//! updated, and cars an earlier feed brought that this one no longer lists
//! marked sold (never deleted: leads and appointments point at them). Cars
//! a person added by hand are left alone. Importing the same feed twice
//! changes nothing the second time.

mod job;

pub use job::{FeedJob, FeedRunReport};

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::DomainResult;
use crate::ids::VehicleId;
use crate::inventory::FeedField;
use crate::inventory::feed::{self, FeedCar, FeedFormat, RowNote};
use crate::model::{NewVehicle, Vehicle, VehicleStatus};
use crate::permissions::{Actor, Permission};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;
use crate::validation::FieldErrors;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Cars an earlier feed brought that this one no longer lists: sold.
    pub retired: usize,
    /// Rows left out, and why.
    pub refused: Vec<RowNote>,
    /// Values left out of cars that were kept, and why.
    pub notes: Vec<RowNote>,
}

/// `POST /api/vehicles/import` (admin and manager): a CSV or XML feed
/// uploaded by hand, with the dealership's saved column mapping.
pub async fn upload(
    stores: &Stores,
    actor: &Actor,
    bytes: &[u8],
    format: Option<FeedFormat>,
    now: DateTime<Utc>,
) -> DomainResult<ImportReport> {
    actor.require(Permission::ManageVehicles)?;
    let dealership = stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(crate::error::DEALERSHIP_NOT_FOUND)?;
    let mapping = dealership
        .inventory_feed
        .map(|f| f.mapping)
        .unwrap_or_default();
    let parsed = feed::parse(bytes, format, &mapping)
        .map_err(|e| FieldErrors::single("feed", e.to_string()))?;
    Ok(import(stores, &actor.tenant, parsed, now).await?)
}

fn key(v: &str) -> String {
    v.trim().to_uppercase()
}

/// The vehicle the car is, as the feed has it now.
fn apply(car: &FeedCar, into: &mut Vehicle, notes: &mut Vec<RowNote>, now: DateTime<Utc>) {
    let new = NewVehicle {
        make: car.make.clone(),
        model: car.model.clone(),
        year: car.year,
        vin: car.vin.clone(),
        status: None,
        price: car.price,
        mileage: car.mileage,
        fuel_type: car.fuel_type,
        listing_url: car.listing_url.clone(),
    };
    // One value at a time, so one bad value costs only itself.
    let checked = match new.clone().into_vehicle(into.dealership_id, now) {
        Ok(v) => v,
        Err(errors) => {
            for e in &errors.fields {
                notes.push(RowNote {
                    row: car.row,
                    field: field_named(&e.field),
                    reason: format!("{}: {}", e.field, e.message),
                });
            }
            let mut lenient = new;
            for e in &errors.fields {
                match e.field.as_str() {
                    "year" => lenient.year = None,
                    "vin" => lenient.vin = None,
                    "price" => lenient.price = None,
                    "mileage" => lenient.mileage = None,
                    "listing_url" => lenient.listing_url = None,
                    _ => {}
                }
            }
            match lenient.into_vehicle(into.dealership_id, now) {
                Ok(v) => v,
                Err(_) => return,
            }
        }
    };
    into.make = checked.make;
    into.model = checked.model;
    into.year = checked.year;
    into.vin = checked.vin.or(into.vin.take());
    into.price = checked.price;
    into.mileage = checked.mileage;
    into.fuel_type = checked.fuel_type;
    into.listing_url = checked.listing_url;
    into.variant = car.variant.clone();
    into.colour = car.colour.clone();
    into.stock_number = car.stock_number.clone();
    into.images = car.images.clone();
    into.from_feed = true;
}

fn field_named(name: &str) -> Option<FeedField> {
    Some(match name {
        "year" => FeedField::Year,
        "vin" => FeedField::Vin,
        "price" => FeedField::Price,
        "mileage" => FeedField::Mileage,
        "listing_url" => FeedField::ListingUrl,
        "make" => FeedField::Make,
        "model" => FeedField::Model,
        _ => return None,
    })
}

/// Matches, adds, updates and retires.
pub async fn import(
    stores: &Stores,
    tenant: &TenantId,
    parsed: feed::ParsedFeed,
    now: DateTime<Utc>,
) -> Result<ImportReport, StoreError> {
    let mut report = ImportReport {
        refused: parsed.refused,
        notes: parsed.notes,
        ..Default::default()
    };
    let existing = stores.vehicles.all_vehicles(tenant).await?;
    let mut by_stock: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_vin: BTreeMap<String, usize> = BTreeMap::new();
    for (i, v) in existing.iter().enumerate() {
        if let Some(s) = &v.stock_number {
            by_stock.entry(key(s)).or_insert(i);
        }
        if let Some(vin) = &v.vin {
            by_vin.entry(key(vin)).or_insert(i);
        }
    }
    let mut seen: BTreeSet<VehicleId> = BTreeSet::new();
    let mut keys_in_feed: BTreeMap<String, usize> = BTreeMap::new();
    for car in &parsed.cars {
        let feed_key = car
            .stock_number
            .as_deref()
            .map(|s| format!("stock:{}", key(s)))
            .or_else(|| car.vin.as_deref().map(|v| format!("vin:{}", key(v))))
            .unwrap_or_default();
        if let Some(first) = keys_in_feed.insert(feed_key, car.row) {
            report.refused.push(RowNote {
                row: car.row,
                field: None,
                reason: format!("samme lagernummer eller chassisnummer som rad {first}"),
            });
            continue;
        }
        let found = car
            .stock_number
            .as_deref()
            .and_then(|s| by_stock.get(&key(s)))
            .or_else(|| car.vin.as_deref().and_then(|v| by_vin.get(&key(v))))
            .map(|i| &existing[*i]);
        match found {
            Some(before) => {
                seen.insert(before.id);
                let mut next = before.clone();
                apply(car, &mut next, &mut report.notes, now);
                // Back in the feed after it was retired: for sale again.
                if before.from_feed && before.status == VehicleStatus::Sold {
                    next.status = VehicleStatus::Available;
                }
                if next == *before {
                    report.unchanged += 1;
                    continue;
                }
                next.updated_at = now;
                next.version += 1;
                stores.vehicles.update_vehicle(tenant, &next).await?;
                report.updated += 1;
            }
            None => {
                let Ok(mut vehicle) = (NewVehicle {
                    make: car.make.clone(),
                    model: car.model.clone(),
                    ..Default::default()
                })
                .into_vehicle(tenant.dealership_id(), now) else {
                    report.refused.push(RowNote {
                        row: car.row,
                        field: None,
                        reason: "merke eller modell er for langt".into(),
                    });
                    continue;
                };
                apply(car, &mut vehicle, &mut report.notes, now);
                stores.vehicles.insert_vehicle(tenant, &vehicle).await?;
                seen.insert(vehicle.id);
                report.added += 1;
            }
        }
    }
    // A feed that lists no car at all is far more likely broken than a
    // dealership with nothing for sale: nothing is retired for it.
    if parsed.cars.is_empty() {
        return Ok(report);
    }
    for v in existing
        .iter()
        .filter(|v| v.from_feed && v.status != VehicleStatus::Sold && !seen.contains(&v.id))
    {
        let mut sold = v.clone();
        sold.status = VehicleStatus::Sold;
        sold.updated_at = now;
        sold.version += 1;
        stores.vehicles.update_vehicle(tenant, &sold).await?;
        report.retired += 1;
    }
    Ok(report)
}
