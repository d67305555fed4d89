//! Meta Lead Ads: the webhook delivery, its signature, and the mapping of a
//! Graph API lead's `field_data` onto a [`LeadCandidate`] (docs/contracts.md).

use std::collections::BTreeMap;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

use super::candidate::LeadCandidate;
use super::envelope::FacebookCapture;
use crate::search;

/// Checks `X-Hub-Signature-256: sha256=<hex>` over the raw body, in constant
/// time. Any other shape of header is a mismatch.
pub fn signature_is_valid(app_secret: &[u8], raw_body: &[u8], header: Option<&str>) -> bool {
    let Some(hex) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
        return false;
    };
    let Some(expected) = decode_hex(hex) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC takes any key length");
    mac.update(raw_body);
    mac.verify_slice(&expected).is_ok()
}

/// The signature Meta would send for `raw_body` (tests and the local tools).
pub fn sign(app_secret: &[u8], raw_body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC takes any key length");
    mac.update(raw_body);
    format!(
        "sha256={}",
        super::envelope::hex(&mac.finalize().into_bytes())
    )
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("not a Meta page webhook delivery: {0}")]
pub struct DeliveryError(pub String);

/// Every `leadgen` change of a delivery. Ids may arrive as numbers or strings;
/// changes of other fields are ignored.
pub fn leadgen_changes(body: &Value) -> Result<Vec<FacebookCapture>, DeliveryError> {
    if body.get("object").and_then(Value::as_str) != Some("page") {
        return Err(DeliveryError("`object` is not \"page\"".into()));
    }
    let entries = body
        .get("entry")
        .and_then(Value::as_array)
        .ok_or_else(|| DeliveryError("`entry` is missing".into()))?;
    let mut out = Vec::new();
    for entry in entries {
        let Some(changes) = entry.get("changes").and_then(Value::as_array) else {
            continue;
        };
        for change in changes {
            if change.get("field").and_then(Value::as_str) != Some("leadgen") {
                continue;
            }
            let value = change.get("value").unwrap_or(&Value::Null);
            let page_id = id(value.get("page_id")).or_else(|| id(entry.get("id")));
            let (Some(page_id), Some(leadgen_id)) = (page_id, id(value.get("leadgen_id"))) else {
                return Err(DeliveryError(
                    "a leadgen change lacks page_id or leadgen_id".into(),
                ));
            };
            out.push(FacebookCapture {
                page_id,
                leadgen_id,
                form_id: id(value.get("form_id")),
                ad_id: id(value.get("ad_id")),
                created_time: value.get("created_time").and_then(Value::as_i64),
            });
        }
    }
    Ok(out)
}

fn id(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() && s.len() <= 64 => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Where a dealership wants the answer to one of its custom questions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionTarget {
    VehicleInterest,
    Message,
    Metadata,
}

/// The Graph API's answer for one lead.
#[derive(Debug, Clone, Deserialize)]
pub struct GraphLead {
    pub id: String,
    pub created_time: Option<String>,
    pub ad_id: Option<String>,
    pub form_id: Option<String>,
    #[serde(default)]
    pub field_data: Vec<GraphField>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GraphField {
    pub name: String,
    #[serde(default)]
    pub values: Vec<Value>,
}

/// Maps `field_data` onto a candidate. Standard fields by name; custom
/// questions by the dealership's `questions` map first, then by the words in
/// the question (modell, bil … → vehicle interest; melding, spørsmål … →
/// message); everything else is kept in the metadata under its own key.
pub fn map_lead(lead: &GraphLead, questions: &BTreeMap<String, QuestionTarget>) -> LeadCandidate {
    let mut c = LeadCandidate::default();
    let (mut first, mut last) = (String::new(), String::new());
    for field in &lead.field_data {
        let value = field
            .values
            .iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", ");
        let name = field.name.trim();
        match name {
            "full_name" => c.offer_name(&value),
            "first_name" => first = value,
            "last_name" => last = value,
            "email" => c.offer_email(&value),
            "phone_number" | "phone" => c.offer_phone(&value),
            _ => match questions.get(name).copied().unwrap_or_else(|| guess(name)) {
                QuestionTarget::VehicleInterest if c.vehicle_interest.is_none() => {
                    c.offer_vehicle(&value)
                }
                QuestionTarget::Message if c.message.is_none() => c.offer_message(&value),
                _ => c.note(name, &value),
            },
        }
    }
    if c.customer_name.is_none() {
        c.offer_name(&format!("{first} {last}"));
    }
    c.note("facebook_leadgen_id", &lead.id);
    if let Some(form) = &lead.form_id {
        c.note("facebook_form_id", form);
    }
    if let Some(ad) = &lead.ad_id {
        c.note("facebook_ad_id", ad);
    }
    if let Some(t) = &lead.created_time {
        c.note("facebook_created_time", t);
    }
    c
}

/// Where a custom question's answer goes, by the words in it.
pub(crate) fn guess(question: &str) -> QuestionTarget {
    let folded = search::fold(question);
    let has = |words: &[&str]| words.iter().any(|w| folded.contains(w));
    if has(&["modell", "bil", "vehicle", "car", "model"])
        && !has(&["kjøpe", "når", "innbytte", "trade"])
    {
        QuestionTarget::VehicleInterest
    } else if has(&["melding", "kommentar", "spørsmål", "message", "question"]) {
        QuestionTarget::Message
    } else {
        QuestionTarget::Metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signatures_are_checked_over_the_raw_bytes() {
        let body = br#"{"object":"page","entry":[]}"#;
        let good = sign(b"secret", body);
        assert!(signature_is_valid(b"secret", body, Some(&good)));
        assert!(!signature_is_valid(b"other", body, Some(&good)));
        assert!(!signature_is_valid(
            b"secret",
            b"{\"object\": \"page\",\"entry\":[]}",
            Some(&good)
        ));
        assert!(!signature_is_valid(b"secret", body, None));
        assert!(!signature_is_valid(b"secret", body, Some("sha1=abc")));
        assert!(!signature_is_valid(
            b"secret",
            body,
            Some(&good[..good.len() - 2])
        ));
        assert!(
            !signature_is_valid(b"secret", body, Some(&good.to_uppercase()))
                || good == good.to_uppercase()
        );
    }

    #[test]
    fn every_leadgen_change_is_found_whatever_the_id_types() {
        let body = json!({"object": "page", "entry": [
            {"id": "p1", "time": 1, "changes": [
                {"field": "leadgen", "value": {"leadgen_id": 123, "page_id": 456, "form_id": "f", "created_time": 1763731195}},
                {"field": "feed", "value": {}},
                {"field": "leadgen", "value": {"leadgen_id": "789"}}
            ]},
            {"id": "p2", "time": 2}
        ]});
        let changes = leadgen_changes(&body).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(
            (changes[0].page_id.as_str(), changes[0].leadgen_id.as_str()),
            ("456", "123")
        );
        assert_eq!(changes[0].created_time, Some(1763731195));
        assert_eq!(
            (changes[1].page_id.as_str(), changes[1].leadgen_id.as_str()),
            ("p1", "789")
        );
        assert!(leadgen_changes(&json!({"object": "user", "entry": []})).is_err());
        assert!(leadgen_changes(&json!({"object": "page", "entry": [{"changes": [{"field": "leadgen", "value": {}}]}]})).is_err());
    }

    #[test]
    fn graph_fields_map_to_the_lead_with_custom_questions() {
        let lead: GraphLead = serde_json::from_value(json!({
            "id": "1", "form_id": "9",
            "field_data": [
                {"name": "first_name", "values": ["Per Åsmund"]},
                {"name": "last_name", "values": ["Lie"]},
                {"name": "email", "values": ["Per.Lie@example.org"]},
                {"name": "phone_number", "values": ["+4790011223"]},
                {"name": "hvilken_modell_er_du_interessert_i?", "values": ["Toyota RAV4 Plug-in Hybrid"]},
                {"name": "når_ønsker_du_å_kjøpe?", "values": ["innen_3_måneder"]},
                {"name": "har_du_innbyttebil?", "values": ["Ja, en Golf 2015"]}
            ]
        })).unwrap();
        let mut questions = BTreeMap::new();
        questions.insert("har_du_innbyttebil?".to_string(), QuestionTarget::Message);
        let c = map_lead(&lead, &questions);
        assert_eq!(c.customer_name.as_deref(), Some("Per Åsmund Lie"));
        assert_eq!(c.customer_email.as_deref(), Some("per.lie@example.org"));
        assert_eq!(c.customer_phone.as_deref(), Some("+4790011223"));
        assert_eq!(
            c.vehicle_interest.as_deref(),
            Some("Toyota RAV4 Plug-in Hybrid")
        );
        assert_eq!(c.message.as_deref(), Some("Ja, en Golf 2015"));
        assert_eq!(c.metadata["når_ønsker_du_å_kjøpe?"], "innen_3_måneder");
        assert_eq!(c.metadata["facebook_form_id"], "9");
    }
}
