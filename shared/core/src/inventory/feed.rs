//! A dealer's stock feed, read: CSV (comma, semicolon or tab; UTF-8 or the
//! Latin-1 Excel writes in Norway) or XML (any element that holds a make and
//! a model is a car). Columns are found by the dealership's own mapping
//! first, then by the names feeds commonly use, in Norwegian and English.
//! A row without make, model and a key (stock number or VIN) is refused
//! with the reason; a bad optional value is left out and noted.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::FuelType;

/// At most this much of a feed is read.
pub const MAX_FEED_BYTES: usize = 5 * 1024 * 1024;
/// At most this many cars in one feed.
pub const MAX_ROWS: usize = 5_000;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FeedField {
    Make,
    Model,
    Variant,
    Year,
    Price,
    Mileage,
    Fuel,
    Colour,
    StockNumber,
    Vin,
    ListingUrl,
    Images,
}

impl FeedField {
    const ALL: [FeedField; 12] = [
        FeedField::Make,
        FeedField::Model,
        FeedField::Variant,
        FeedField::Year,
        FeedField::Price,
        FeedField::Mileage,
        FeedField::Fuel,
        FeedField::Colour,
        FeedField::StockNumber,
        FeedField::Vin,
        FeedField::ListingUrl,
        FeedField::Images,
    ];

    /// The column names feeds commonly use for it (folded: lower case,
    /// no spaces, dashes or underscores).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            FeedField::Make => &["make", "merke", "fabrikat", "brand", "bilmerke"],
            FeedField::Model => &["model", "modell"],
            FeedField::Variant => &["variant", "versjon", "trim", "utstyrsnivå", "modellvariant"],
            FeedField::Year => &[
                "year",
                "årsmodell",
                "modellår",
                "år",
                "modelyear",
                "registreringsår",
            ],
            FeedField::Price => &["price", "pris", "totalpris", "prisinklomreg"],
            FeedField::Mileage => &[
                "mileage",
                "km",
                "kilometer",
                "kilometerstand",
                "kmstand",
                "odometer",
            ],
            FeedField::Fuel => &["fuel", "fueltype", "drivstoff"],
            FeedField::Colour => &["colour", "color", "farge"],
            FeedField::StockNumber => &[
                "stocknumber",
                "stock",
                "lagernummer",
                "lagernr",
                "referanse",
                "ref",
                "stockno",
            ],
            FeedField::Vin => &["vin", "chassisnummer", "understellsnummer", "chassisnr"],
            FeedField::ListingUrl => &[
                "url",
                "listingurl",
                "lenke",
                "annonse",
                "annonselenke",
                "link",
            ],
            FeedField::Images => &[
                "images",
                "image",
                "bilder",
                "bilde",
                "imageurls",
                "bildeurl",
            ],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FeedFormat {
    Csv,
    Xml,
}

/// One car as the feed describes it, its values already read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedCar {
    /// 1-based: the CSV data row, or the XML car's place.
    pub row: usize,
    pub make: String,
    pub model: String,
    pub variant: Option<String>,
    pub year: Option<i64>,
    pub price: Option<Decimal>,
    pub mileage: Option<i64>,
    pub fuel_type: Option<FuelType>,
    pub colour: Option<String>,
    pub stock_number: Option<String>,
    pub vin: Option<String>,
    pub listing_url: Option<String>,
    pub images: Vec<String>,
}

/// A row left out, or a value of a row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RowNote {
    pub row: usize,
    /// The field a value was left out of; none when the whole row was.
    pub field: Option<FeedField>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFeed {
    pub cars: Vec<FeedCar>,
    /// Rows refused whole.
    pub refused: Vec<RowNote>,
    /// Values left out of rows that were kept.
    pub notes: Vec<RowNote>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeedError {
    #[error("listen er større enn {} MB", MAX_FEED_BYTES / 1024 / 1024)]
    TooLarge,
    #[error("listen er tom")]
    Empty,
    #[error("listen er ikke CSV eller XML som kan leses: {0}")]
    Unreadable(String),
    #[error("fant ingen kolonne for {0}: angi kolonnenavnene i innstillingene")]
    MissingColumn(&'static str),
}

fn fold(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '.' | '(' | ')' | '/'))
        .collect()
}

/// Text from bytes: UTF-8 (a BOM dropped), else Latin-1 as older Excel
/// exports are.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.trim_start_matches('\u{feff}').to_string(),
        Err(_) => bytes.iter().map(|b| *b as char).collect(),
    }
}

/// Which field a column (or XML element) of this name holds: the
/// dealership's mapping first, then the common names.
fn field_of(name: &str, mapping: &BTreeMap<FeedField, String>) -> Option<FeedField> {
    let folded = fold(name);
    if let Some((field, _)) = mapping.iter().find(|(_, column)| fold(column) == folded) {
        return Some(*field);
    }
    FeedField::ALL
        .into_iter()
        .filter(|f| !mapping.contains_key(f))
        .find(|f| f.aliases().contains(&folded.as_str()))
}

/// The dealership's mapping, kept to the names this feed has: a mapped
/// column the file lacks leaves its field to the common names (a file
/// exported another way still reads).
fn present<'a>(
    mapping: &BTreeMap<FeedField, String>,
    names: impl Iterator<Item = &'a str>,
) -> BTreeMap<FeedField, String> {
    let names: std::collections::BTreeSet<String> = names.map(fold).collect();
    mapping
        .iter()
        .filter(|(_, column)| names.contains(&fold(column)))
        .map(|(f, c)| (*f, c.clone()))
        .collect()
}

/// Reads `bytes` as `format` (guessed from the first character when none).
pub fn parse(
    bytes: &[u8],
    format: Option<FeedFormat>,
    mapping: &BTreeMap<FeedField, String>,
) -> Result<ParsedFeed, FeedError> {
    if bytes.len() > MAX_FEED_BYTES {
        return Err(FeedError::TooLarge);
    }
    let text = text(bytes);
    if text.trim().is_empty() {
        return Err(FeedError::Empty);
    }
    let format = format.unwrap_or(if text.trim_start().starts_with('<') {
        FeedFormat::Xml
    } else {
        FeedFormat::Csv
    });
    let records = match format {
        FeedFormat::Csv => csv_records(&text, mapping)?,
        FeedFormat::Xml => xml_records(&text, mapping)?,
    };
    let mut parsed = ParsedFeed::default();
    for (row, values) in records.into_iter().enumerate().map(|(i, v)| (i + 1, v)) {
        if parsed.cars.len() >= MAX_ROWS {
            parsed.refused.push(RowNote {
                row,
                field: None,
                reason: format!("mer enn {MAX_ROWS} biler i én liste"),
            });
            continue;
        }
        match read_car(row, &values, &mut parsed.notes) {
            Ok(car) => parsed.cars.push(car),
            Err(reason) => parsed.refused.push(RowNote {
                row,
                field: None,
                reason,
            }),
        }
    }
    Ok(parsed)
}

type Values = BTreeMap<FeedField, Vec<String>>;

fn csv_records(
    text: &str,
    mapping: &BTreeMap<FeedField, String>,
) -> Result<Vec<Values>, FeedError> {
    let first = text.lines().next().unwrap_or_default();
    let delimiter = [b';', b'\t', b',']
        .into_iter()
        .max_by_key(|d| first.matches(*d as char).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FeedError::Unreadable(e.to_string()))?
        .clone();
    let mapping = present(mapping, headers.iter());
    let columns: Vec<Option<FeedField>> = headers.iter().map(|h| field_of(h, &mapping)).collect();
    for (field, name) in [(FeedField::Make, "merke"), (FeedField::Model, "modell")] {
        if !columns.contains(&Some(field)) {
            return Err(FeedError::MissingColumn(name));
        }
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| FeedError::Unreadable(e.to_string()))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        let mut values = Values::new();
        for (i, value) in record.iter().enumerate() {
            if let Some(Some(field)) = columns.get(i)
                && !value.is_empty()
            {
                values.entry(*field).or_default().push(value.to_string());
            }
        }
        out.push(values);
    }
    Ok(out)
}

fn xml_records(
    text: &str,
    mapping: &BTreeMap<FeedField, String>,
) -> Result<Vec<Values>, FeedError> {
    let doc = roxmltree::Document::parse(text).map_err(|e| FeedError::Unreadable(e.to_string()))?;
    let mapping = &present(
        mapping,
        doc.descendants()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name()),
    );
    let fields_of = |node: roxmltree::Node| -> Values {
        let mut values = Values::new();
        for child in node.children().filter(|n| n.is_element()) {
            let Some(field) = field_of(child.tag_name().name(), mapping) else {
                continue;
            };
            // `<images><image>…</image></images>` as well as flat values.
            let leaves: Vec<String> = if child.children().any(|n| n.is_element()) {
                child
                    .children()
                    .filter(|n| n.is_element())
                    .filter_map(|n| n.text().map(|t| t.trim().to_string()))
                    .collect()
            } else {
                child
                    .text()
                    .map(|t| t.trim().to_string())
                    .into_iter()
                    .collect()
            };
            values
                .entry(field)
                .or_default()
                .extend(leaves.into_iter().filter(|v| !v.is_empty()));
        }
        values
    };
    let cars: Vec<Values> = doc
        .descendants()
        .filter(|n| n.is_element())
        .map(fields_of)
        .filter(|v| v.contains_key(&FeedField::Make) && v.contains_key(&FeedField::Model))
        .collect();
    if cars.is_empty() {
        return Err(FeedError::MissingColumn("merke"));
    }
    Ok(cars)
}

fn one(values: &Values, field: FeedField) -> Option<String> {
    values
        .get(&field)
        .and_then(|v| v.first())
        .map(|v| v.chars().filter(|c| !c.is_control()).collect::<String>())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Digits of a number as feeds write it: `349 900`, `349.900,-`, `kr 349900`,
/// `45 000 km`; a decimal comma or point before two digits at the end.
fn number(raw: &str) -> Option<Decimal> {
    let cleaned: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    let cleaned = cleaned.trim_end_matches([',', '.']).trim_end_matches(",-");
    let (whole, fraction) = match cleaned.rfind([',', '.']) {
        Some(at) if cleaned.len() - at - 1 == 2 => (&cleaned[..at], Some(&cleaned[at + 1..])),
        _ => (cleaned, None),
    };
    let digits: String = whole.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let text = match fraction {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    text.parse().ok()
}

fn fuel(raw: &str) -> Option<FuelType> {
    let f = fold(raw);
    if f.contains("hybrid") {
        Some(FuelType::Hybrid)
    } else if f.starts_with("el") || f.contains("electric") || f.contains("elbil") {
        Some(FuelType::Electric)
    } else if f.contains("diesel") {
        Some(FuelType::Diesel)
    } else if f.contains("bensin") || f.contains("petrol") || f.contains("gasoline") {
        Some(FuelType::Bensin)
    } else {
        None
    }
}

fn read_car(row: usize, values: &Values, notes: &mut Vec<RowNote>) -> Result<FeedCar, String> {
    let mut note = |field: FeedField, reason: String| {
        notes.push(RowNote {
            row,
            field: Some(field),
            reason,
        })
    };
    let make = one(values, FeedField::Make).ok_or("mangler merke")?;
    let model = one(values, FeedField::Model).ok_or("mangler modell")?;
    let stock_number = one(values, FeedField::StockNumber);
    let vin = one(values, FeedField::Vin).and_then(|v| {
        let v = v.to_uppercase();
        let ok = v.len() == 17
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() && !matches!(c, 'I' | 'O' | 'Q'));
        if !ok {
            note(
                FeedField::Vin,
                format!("{v:?} er ikke et chassisnummer (17 tegn, ikke I, O eller Q)"),
            );
        }
        ok.then_some(v)
    });
    if stock_number.is_none() && vin.is_none() {
        return Err("mangler lagernummer og gyldig chassisnummer: bilen kan ikke kjennes igjen i neste liste".into());
    }
    let year = one(values, FeedField::Year).and_then(|y| {
        let parsed = y.get(..4).and_then(|y| y.parse::<i64>().ok());
        if parsed.is_none() {
            note(FeedField::Year, format!("{y:?} er ikke et årstall"));
        }
        parsed
    });
    let price = one(values, FeedField::Price).and_then(|p| {
        let parsed = number(&p);
        if parsed.is_none() {
            note(FeedField::Price, format!("{p:?} er ikke en pris"));
        }
        parsed
    });
    let mileage = one(values, FeedField::Mileage).and_then(|m| {
        let parsed = number(&m).and_then(|d| d.trunc().to_string().parse::<i64>().ok());
        if parsed.is_none() {
            note(
                FeedField::Mileage,
                format!("{m:?} er ikke en kilometerstand"),
            );
        }
        parsed
    });
    let fuel_type = one(values, FeedField::Fuel).and_then(|f| {
        let parsed = fuel(&f);
        if parsed.is_none() {
            note(
                FeedField::Fuel,
                format!("{f:?} er ikke et drivstoff vi kjenner"),
            );
        }
        parsed
    });
    let images = values
        .get(&FeedField::Images)
        .into_iter()
        .flatten()
        .flat_map(|v| v.split(['|', ';', ',', ' ', '\n']))
        .map(str::trim)
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(String::from)
        .take(50)
        .collect();
    Ok(FeedCar {
        row,
        make,
        model,
        variant: one(values, FeedField::Variant),
        year,
        price,
        mileage,
        fuel_type,
        colour: one(values, FeedField::Colour),
        stock_number,
        vin,
        listing_url: one(values, FeedField::ListingUrl),
        images,
    })
}

#[cfg(test)]
mod tests;
