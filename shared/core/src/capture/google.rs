//! Google Ads lead forms: the delivery Google posts to a dealership's
//! webhook (one lead per request, the same `lead_id` possibly again),
//! authenticated by the `google_key` the dealership typed into the form,
//! and mapped onto a candidate.
//!
//! Google's columns: standard ones by `column_id` (`FULL_NAME`, `EMAIL`,
//! `PHONE_NUMBER`, `POSTAL_CODE`, `VEHICLE_MODEL` …), custom questions with
//! an id of the advertiser's and the question as `column_name`. Ids are
//! 64-bit numbers that arrive as JSON numbers or strings.

use std::collections::BTreeMap;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::LeadCandidate;
use super::facebook::{QuestionTarget, guess};
use crate::validation::FieldErrors;

/// The longest `lead_id` kept (Google's are about a hundred characters).
const MAX_LEAD_ID: usize = 200;
/// More columns than any form has: the rest are ignored.
const MAX_COLUMNS: usize = 100;

/// One delivery, checked for shape (not yet for its key).
#[derive(Debug, Clone, PartialEq)]
pub struct GoogleDelivery {
    pub lead_id: String,
    pub google_key: String,
    pub is_test: bool,
    pub form_id: Option<String>,
    pub campaign_id: Option<String>,
    pub adgroup_id: Option<String>,
    pub creative_id: Option<String>,
    pub gcl_id: Option<String>,
    pub columns: Vec<Column>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub id: String,
    pub name: Option<String>,
    pub value: String,
}

/// Reads a delivery; the fields it cannot do without are named.
pub fn parse(body: &Value) -> Result<GoogleDelivery, FieldErrors> {
    let mut errors = FieldErrors::new();
    let Some(object) = body.as_object() else {
        return Err(FieldErrors::single("body", "must be a JSON object"));
    };
    let lead_id = text(object.get("lead_id"));
    match &lead_id {
        None => errors.add("lead_id", "is required"),
        Some(id) if id.len() > MAX_LEAD_ID => errors.add(
            "lead_id",
            format!("is longer than {MAX_LEAD_ID} characters"),
        ),
        Some(_) => {}
    }
    let google_key = text(object.get("google_key"));
    if google_key.is_none() {
        errors.add("google_key", "is required");
    }
    let columns = match object.get("user_column_data") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().take(MAX_COLUMNS).filter_map(column).collect(),
        Some(_) => {
            errors.add("user_column_data", "must be a list");
            Vec::new()
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(GoogleDelivery {
        lead_id: lead_id.unwrap_or_default(),
        google_key: google_key.unwrap_or_default(),
        is_test: object
            .get("is_test")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        form_id: text(object.get("form_id")),
        campaign_id: text(object.get("campaign_id")),
        adgroup_id: text(object.get("adgroup_id")),
        creative_id: text(object.get("creative_id")),
        gcl_id: text(object.get("gcl_id")),
        columns,
    })
}

fn column(item: &Value) -> Option<Column> {
    let value = text(item.get("string_value"))?;
    let name = text(item.get("column_name"));
    let id = text(item.get("column_id")).or_else(|| name.clone())?;
    Some(Column { id, name, value })
}

/// A string or a number as text; blank is none.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What a dealership keeps of its key: the key is shown once, when made.
pub fn hash_key(key: &str) -> String {
    super::envelope::hex(&Sha256::digest(key.trim().as_bytes()))
}

/// Whether `given` is the key whose hash is `stored`, in time independent
/// of where they differ.
pub fn key_matches(stored: &str, given: &str) -> bool {
    let given = hash_key(given);
    stored.len() == given.len()
        && stored
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// Where a dealership's Google lead forms post (`/webhooks/google/{form_key}`):
/// the form key names the dealership, the `google_key` proves the sender.
pub fn webhook_url(public_url: &str, dealership: &crate::model::Dealership) -> String {
    format!(
        "{}/webhooks/google/{}",
        public_url.trim_end_matches('/'),
        dealership.form_key
    )
}

/// A new key for a dealership's Google lead forms: 32 random characters
/// Google accepts in its form settings.
pub fn new_key() -> String {
    format!("nv_{}", uuid::Uuid::new_v4().simple())
}

/// The delivery as a candidate: standard columns onto the lead's fields,
/// custom questions by the dealership's map, then by their words (as for
/// Meta's), the rest kept in the metadata under the column's id.
pub fn map_lead(d: &GoogleDelivery, questions: &BTreeMap<String, QuestionTarget>) -> LeadCandidate {
    let mut c = LeadCandidate::default();
    let (mut first, mut last) = (String::new(), String::new());
    for col in &d.columns {
        match col.id.as_str() {
            "FULL_NAME" => c.offer_name(&col.value),
            "FIRST_NAME" => first = col.value.clone(),
            "LAST_NAME" => last = col.value.clone(),
            "EMAIL" | "WORK_EMAIL" => c.offer_email(&col.value),
            "PHONE_NUMBER" | "WORK_PHONE" => c.offer_phone(&col.value),
            "VEHICLE_MODEL" => c.offer_vehicle(&col.value),
            id => {
                let key = id.to_lowercase();
                let question = col.name.as_deref().unwrap_or(id);
                let target = questions
                    .get(id)
                    .or_else(|| questions.get(&key))
                    .copied()
                    .unwrap_or_else(|| guess(question));
                match target {
                    QuestionTarget::VehicleInterest if c.vehicle_interest.is_none() => {
                        c.offer_vehicle(&col.value)
                    }
                    QuestionTarget::Message if c.message.is_none() => c.offer_message(&col.value),
                    _ => c.note(&key, &col.value),
                }
            }
        }
    }
    if c.customer_name.is_none() && !(first.is_empty() && last.is_empty()) {
        c.offer_name(&format!("{first} {last}"));
    }
    c.note("google_lead_id", &d.lead_id);
    for (key, value) in [
        ("google_form_id", &d.form_id),
        ("google_campaign_id", &d.campaign_id),
        ("google_adgroup_id", &d.adgroup_id),
        ("google_creative_id", &d.creative_id),
        ("gcl_id", &d.gcl_id),
    ] {
        if let Some(v) = value {
            c.note(key, v);
        }
    }
    if d.is_test {
        // Answered like any lead (that is what the advertiser tests), and
        // marked so nobody calls the made-up customer.
        c.note_value("test_lead", Value::Bool(true));
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        serde_json::from_str(include_str!(
            "../../tests/fixtures/google/lead-form-webhook.json"
        ))
        .unwrap()
    }

    #[test]
    fn the_sample_delivery_becomes_a_candidate() {
        let d = parse(&sample()).unwrap();
        assert!(d.is_test);
        assert_eq!(d.form_id.as_deref(), Some("40000000000"));
        let c = map_lead(&d, &BTreeMap::new());
        assert_eq!(c.customer_name.as_deref(), Some("Ingrid Solheim"));
        assert_eq!(
            c.customer_email.as_deref(),
            Some("ingrid.solheim@example.no")
        );
        assert_eq!(c.customer_phone.as_deref(), Some("+4791234567"));
        assert_eq!(c.vehicle_interest.as_deref(), Some("Toyota bZ4X"));
        assert_eq!(c.metadata["postal_code"], "3045");
        assert_eq!(c.metadata["onsker_du_provekjoring"], "Ja, gjerne på lørdag");
        assert_eq!(c.metadata["google_lead_id"], d.lead_id.as_str());
        assert_eq!(c.metadata["gcl_id"], "TeSter-123-gclid");
        assert_eq!(c.metadata["test_lead"], true);
    }

    #[test]
    fn names_phones_and_ids_in_every_form_google_sends() {
        let d = parse(&json!({
            "lead_id": "abc", "google_key": "k", "form_id": "123456789012345678",
            "campaign_id": 9007199254740993u64, "is_test": false,
            "user_column_data": [
                {"column_id": "FIRST_NAME", "string_value": "Åse"},
                {"column_id": "LAST_NAME", "string_value": "Ødegård"},
                {"column_id": "PHONE_NUMBER", "string_value": "47 91 23 45 67"},
                {"column_id": "VEHICLE_MODEL", "string_value": "Škoda Enyaq"},
                {"column_name": "Kommentar", "string_value": "Ring etter kl. 16"},
                {"column_id": "EMAIL", "string_value": "ikke en e-post"},
                {"column_id": "BLANK", "string_value": "  "},
                "not a column"
            ]
        }))
        .unwrap();
        assert_eq!(d.form_id.as_deref(), Some("123456789012345678"));
        assert_eq!(d.campaign_id.as_deref(), Some("9007199254740993"));
        let c = map_lead(&d, &BTreeMap::new());
        assert_eq!(c.customer_name.as_deref(), Some("Åse Ødegård"));
        assert_eq!(c.customer_phone.as_deref(), Some("+4791234567"));
        assert_eq!(c.vehicle_interest.as_deref(), Some("Škoda Enyaq"));
        assert_eq!(c.message.as_deref(), Some("Ring etter kl. 16"));
        // Kept for a person to see, never dropped.
        assert_eq!(c.customer_email, None);
        assert_eq!(c.metadata["unparsed_email"], "ikke en e-post");
        assert!(!c.metadata.contains_key("test_lead"));
        assert!(!c.metadata.contains_key("blank"));
    }

    #[test]
    fn a_dealerships_own_map_wins_over_the_words() {
        let d = parse(&json!({
            "lead_id": "abc", "google_key": "k",
            "user_column_data": [
                {"column_id": "onsket_modell", "column_name": "Ønsket modell?", "string_value": "Golf GTE"}
            ]
        }))
        .unwrap();
        let guessed = map_lead(&d, &BTreeMap::new());
        assert_eq!(guessed.vehicle_interest.as_deref(), Some("Golf GTE"));
        let mapped = map_lead(
            &d,
            &BTreeMap::from([("onsket_modell".to_string(), QuestionTarget::Metadata)]),
        );
        assert_eq!(mapped.vehicle_interest, None);
        assert_eq!(mapped.metadata["onsket_modell"], "Golf GTE");
    }

    #[test]
    fn what_a_delivery_cannot_do_without_is_named() {
        let e = parse(&json!({"user_column_data": {}})).unwrap_err();
        let text = format!("{e:?}");
        for field in ["lead_id", "google_key", "user_column_data"] {
            assert!(text.contains(field), "{text}");
        }
        assert!(parse(&json!([1, 2])).is_err());
        assert!(parse(&json!({"lead_id": "x".repeat(201), "google_key": "k"})).is_err());
    }

    #[test]
    fn only_the_dealerships_key_matches() {
        let key = new_key();
        let stored = hash_key(&key);
        assert!(key_matches(&stored, &key));
        assert!(key_matches(&stored, &format!(" {key} ")));
        assert!(!key_matches(&stored, "norvalt-google-key-example"));
        assert!(!key_matches(&stored, ""));
        assert!(!key_matches("", &key));
        assert_ne!(new_key(), key);
    }
}
