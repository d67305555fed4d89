use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::patch;
use crate::ids::{DealershipId, VehicleId};
use crate::validation::{self, FieldError, FieldErrors};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VehicleStatus {
    Available,
    Sold,
    Reserved,
    DemoOnly,
}

impl VehicleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VehicleStatus::Available => "available",
            VehicleStatus::Sold => "sold",
            VehicleStatus::Reserved => "reserved",
            VehicleStatus::DemoOnly => "demo_only",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FuelType {
    Bensin,
    Diesel,
    Electric,
    Hybrid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Vehicle {
    pub id: VehicleId,
    pub dealership_id: DealershipId,
    pub make: String,
    pub model: String,
    pub year: Option<i32>,
    pub vin: Option<String>,
    pub status: VehicleStatus,
    /// NOK, at most two decimals.
    #[serde(with = "rust_decimal::serde::float_option")]
    #[schema(value_type = Option<f64>)]
    pub price: Option<Decimal>,
    /// Kilometres.
    pub mileage: Option<u32>,
    pub fuel_type: Option<FuelType>,
    pub listing_url: Option<String>,
    /// The trim or version (`Plug-in Hybrid AWD`).
    #[serde(default)]
    pub variant: Option<String>,
    #[serde(default)]
    pub colour: Option<String>,
    /// The dealer's own number for the car: how a feed finds it again.
    #[serde(default)]
    pub stock_number: Option<String>,
    /// Picture URLs, from the feed.
    #[serde(default)]
    pub images: Vec<String>,
    /// Brought by the dealership's stock feed: retired (sold) when a later
    /// feed no longer lists it. A car added by hand never is.
    #[serde(default)]
    pub from_feed: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewVehicle {
    pub make: String,
    pub model: String,
    #[schema(minimum = 1900)]
    pub year: Option<i64>,
    #[schema(pattern = "^[A-HJ-NPR-Za-hj-npr-z0-9]{17}$")]
    pub vin: Option<String>,
    pub status: Option<VehicleStatus>,
    #[serde(default, with = "rust_decimal::serde::float_option")]
    #[schema(value_type = Option<f64>)]
    pub price: Option<Decimal>,
    #[schema(minimum = 0)]
    pub mileage: Option<i64>,
    pub fuel_type: Option<FuelType>,
    pub listing_url: Option<String>,
}

impl NewVehicle {
    pub fn into_vehicle(
        self,
        dealership_id: DealershipId,
        now: DateTime<Utc>,
    ) -> Result<Vehicle, FieldErrors> {
        let mut e = FieldErrors::new();
        let make = e.check(validation::required_text("make", Some(&self.make), 100));
        let model = e.check(validation::required_text("model", Some(&self.model), 100));
        let year = self.year.and_then(|y| e.check(year(y, now)));
        let vin = self.vin.as_deref().and_then(|v| e.check(vin(v))).flatten();
        let price = self.price.and_then(|p| e.check(price(p)));
        let mileage = self.mileage.and_then(|m| e.check(mileage(m)));
        let listing_url = self
            .listing_url
            .as_deref()
            .and_then(|u| e.check(validation::url("listing_url", u)));
        e.finish(Vehicle {
            id: VehicleId::new_at(now),
            dealership_id,
            make: make.unwrap_or_default(),
            model: model.unwrap_or_default(),
            year,
            vin,
            status: self.status.unwrap_or(VehicleStatus::Available),
            price,
            mileage,
            fuel_type: self.fuel_type,
            listing_url,
            variant: None,
            colour: None,
            stock_number: None,
            images: Vec::new(),
            from_feed: false,
            created_at: now,
            updated_at: now,
            version: 1,
        })
    }
}

/// `PATCH /api/vehicles/{id}`: mostly status changes; `null` clears optional fields.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VehiclePatch {
    pub make: Option<String>,
    pub model: Option<String>,
    pub status: Option<VehicleStatus>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<i64>)]
    pub year: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub vin: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable_price")]
    #[schema(value_type = Option<f64>)]
    pub price: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<i64>)]
    pub mileage: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    pub fuel_type: Option<Option<FuelType>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub listing_url: Option<Option<String>>,
}

fn nullable_price<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<Decimal>>, D::Error> {
    rust_decimal::serde::float_option::deserialize(d).map(Some)
}

impl VehiclePatch {
    pub fn apply(&self, v: &mut Vehicle, now: DateTime<Utc>) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if let Some(make) = &self.make
            && let Some(m) = e.check(validation::required_text("make", Some(make), 100))
        {
            v.make = m;
        }
        if let Some(model) = &self.model
            && let Some(m) = e.check(validation::required_text("model", Some(model), 100))
        {
            v.model = m;
        }
        if let Some(status) = self.status {
            v.status = status;
        }
        if let Some(y) = self.year {
            v.year = match y {
                None => None,
                Some(y) => e.check(year(y, now)).or(v.year),
            };
        }
        if let Some(vn) = &self.vin {
            v.vin = match vn.as_deref() {
                None => None,
                Some(x) => e.check(vin(x)).unwrap_or(v.vin.clone()),
            };
        }
        if let Some(p) = self.price {
            v.price = match p {
                None => None,
                Some(p) => e.check(price(p)).or(v.price),
            };
        }
        if let Some(m) = self.mileage {
            v.mileage = match m {
                None => None,
                Some(m) => e.check(mileage(m)).or(v.mileage),
            };
        }
        if let Some(f) = self.fuel_type {
            v.fuel_type = f;
        }
        if let Some(u) = &self.listing_url {
            v.listing_url = match u.as_deref() {
                None => None,
                Some(u) => e
                    .check(validation::url("listing_url", u))
                    .or(v.listing_url.clone()),
            };
        }
        e.finish(())
    }
}

fn field_error(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

fn year(y: i64, now: DateTime<Utc>) -> Result<i32, FieldError> {
    validation::in_range("year", y, 1900, i64::from(now.year()) + 1).map(|y| y as i32)
}

fn mileage(m: i64) -> Result<u32, FieldError> {
    validation::in_range("mileage", m, 0, 2_000_000).map(|m| m as u32)
}

fn price(p: Decimal) -> Result<Decimal, FieldError> {
    if p.is_sign_negative() || p > Decimal::new(9_999_999_999, 2) {
        return Err(field_error("price", "must be between 0 and 99999999.99"));
    }
    if p.normalize().scale() > 2 {
        return Err(field_error("price", "must have at most two decimals"));
    }
    Ok(p.normalize())
}

/// A VIN is 17 characters of A–Z and 0–9 without I, O and Q; blank clears it.
fn vin(v: &str) -> Result<Option<String>, FieldError> {
    let v = v.trim().to_ascii_uppercase();
    if v.is_empty() {
        return Ok(None);
    }
    let ok = v.len() == 17
        && v.chars()
            .all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"IOQ".contains(c)));
    if ok {
        Ok(Some(v))
    } else {
        Err(field_error(
            "vin",
            "must be 17 characters of A–Z and 0–9, without I, O and Q",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(json: serde_json::Value) -> Result<Vehicle, FieldErrors> {
        serde_json::from_value::<NewVehicle>(json)
            .unwrap()
            .into_vehicle(DealershipId::new_at(Utc::now()), Utc::now())
    }

    #[test]
    fn a_valid_vehicle() {
        let v = new(serde_json::json!({
            "make": "Toyota", "model": "RAV4", "year": 2024, "vin": "jtmw1rfv40d123456",
            "price": 459900.5, "mileage": 12000, "fuel_type": "hybrid"
        }))
        .unwrap();
        assert_eq!(v.vin.as_deref(), Some("JTMW1RFV40D123456"));
        assert_eq!(v.price, Some(Decimal::new(4599005, 1)));
        assert_eq!(v.status, VehicleStatus::Available);
    }

    #[test]
    fn bad_fields_are_named() {
        let err = new(serde_json::json!({
            "make": " ", "model": "X", "year": 1800, "vin": "IOQ", "price": -1, "mileage": -5
        }))
        .unwrap_err();
        let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["make", "year", "vin", "price", "mileage"]);
    }

    #[test]
    fn too_many_decimals() {
        assert!(new(serde_json::json!({"make": "VW", "model": "ID.4", "price": 1.234})).is_err());
    }
}
