//! Website form posts: JSON objects or `application/x-www-form-urlencoded`
//! pairs, read into a [`LeadCandidate`]. Field names follow the API
//! (`name`, `email`, `phone`, `vehicle_interest`, `message`, `source_url`,
//! `consent`), with the Norwegian names dealership sites often use accepted
//! too; every other field is kept in the lead's metadata.

use serde_json::Value;

use super::candidate::{LeadCandidate, bounded, bounded_multiline};
use crate::model::lead::{MAX_MESSAGE, MAX_NAME, MAX_VEHICLE_INTEREST};
use crate::validation::{self, FieldError, FieldErrors};

/// Filled in only by bots: the embed snippet renders it hidden.
pub const HONEYPOT_FIELDS: &[&str] = &["norvalt_hp", "_gotcha"];
const MAX_FIELDS: usize = 60;

#[derive(Debug)]
pub enum FormOutcome {
    Lead(LeadCandidate),
    /// A bot filled the honeypot: answer as if accepted, store nothing.
    Honeypot,
}

/// Reads a JSON body (must be an object).
pub fn from_json(body: &Value) -> Result<FormOutcome, FieldErrors> {
    let Some(object) = body.as_object() else {
        return Err(FieldErrors::single("body", "must be a JSON object"));
    };
    let pairs = object.iter().map(|(k, v)| {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::Null => String::new(),
            other => other.to_string(),
        };
        (k.clone(), text)
    });
    from_pairs(pairs)
}

/// Reads name/value pairs (a urlencoded body, or a JSON object's fields).
pub fn from_pairs(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> Result<FormOutcome, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut c = LeadCandidate::default();
    let mut rejected: Vec<FieldError> = Vec::new();
    let (mut first, mut last) = (None, None);
    let mut fields = 0;
    for (name, value) in pairs {
        fields += 1;
        if fields > MAX_FIELDS {
            e.add("body", format!("has more than {MAX_FIELDS} fields"));
            break;
        }
        let key = name.trim().to_lowercase().replace(['-', ' '], "_");
        let value = value.trim().to_string();
        if HONEYPOT_FIELDS.contains(&key.as_str()) {
            if !value.is_empty() {
                return Ok(FormOutcome::Honeypot);
            }
            continue;
        }
        match field_of(&key) {
            Some(Field::Name) => {
                keep_text(&mut c, "name", &value, MAX_NAME, |c| &mut c.customer_name)
            }
            Some(Field::FirstName) => first = bounded(&value, MAX_NAME),
            Some(Field::LastName) => last = bounded(&value, MAX_NAME),
            Some(Field::Email) if !value.is_empty() => match validation::email("email", &value) {
                Ok(v) => c.customer_email = Some(v),
                Err(err) => rejected.push(keep_raw(&mut c, err, &value)),
            },
            Some(Field::Phone) if !value.is_empty() => match validation::phone("phone", &value) {
                Ok(v) => c.customer_phone = Some(v),
                Err(err) => rejected.push(keep_raw(&mut c, err, &value)),
            },
            Some(Field::Vehicle) => keep_text(
                &mut c,
                "vehicle_interest",
                &value,
                MAX_VEHICLE_INTEREST,
                |c| &mut c.vehicle_interest,
            ),
            Some(Field::Message) => {
                match validation::text("message", Some(&value), MAX_MESSAGE, true) {
                    Ok(v) => c.message = v,
                    Err(_) => {
                        // Too long or with control characters: the cleaned,
                        // cut text is the message, and the rep is told.
                        c.message = bounded_multiline(&value, MAX_MESSAGE);
                        c.note_value("message_cleaned", Value::Bool(true));
                    }
                }
            }
            Some(Field::SourceUrl) if !value.is_empty() => {
                match validation::url("source_url", &value) {
                    Ok(v) => c.source_url = Some(v),
                    Err(err) => {
                        keep_raw(&mut c, err, &value);
                    }
                }
            }
            Some(Field::Consent) => {
                c.note_value("consent", Value::Bool(is_yes(&value)));
            }
            Some(_) => {}
            None => c.note(&key, &value),
        }
    }
    if c.customer_name.is_none() {
        let joined = [first, last]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        c.customer_name = bounded(&joined, MAX_NAME);
    }
    // A lead is refused only when it cannot be answered at all: one usable
    // email or phone is enough, and every other bad value is kept aside.
    if !c.has_contact() {
        for field in ["email", "phone"] {
            match rejected.iter().find(|r| r.field == field) {
                Some(r) => e.add(field, r.message.clone()),
                None => e.add(field, "email or phone is required"),
            }
        }
    }
    e.finish(FormOutcome::Lead(c))
}

/// Keeps a value that failed its check under `unparsed_<field>` in the
/// lead's metadata, where the rep sees it; returns the failure.
fn keep_raw(c: &mut LeadCandidate, err: FieldError, raw: &str) -> FieldError {
    c.note(&format!("unparsed_{}", err.field), raw);
    err
}

/// A single-line text field: as given when valid, else cleaned (control
/// characters out, cut to length) with the raw value kept aside.
fn keep_text(
    c: &mut LeadCandidate,
    field: &str,
    value: &str,
    max: usize,
    slot: impl Fn(&mut LeadCandidate) -> &mut Option<String>,
) {
    match validation::text(field, Some(value), max, false) {
        Ok(v) => *slot(c) = v,
        Err(err) => {
            *slot(c) = bounded(value, max);
            keep_raw(c, err, value);
        }
    }
}

enum Field {
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Vehicle,
    Message,
    SourceUrl,
    Consent,
}

fn field_of(key: &str) -> Option<Field> {
    Some(match key {
        "name" | "full_name" | "navn" | "fullt_navn" => Field::Name,
        "first_name" | "fornavn" => Field::FirstName,
        "last_name" | "etternavn" => Field::LastName,
        "email" | "e_post" | "epost" | "e_mail" | "mail" => Field::Email,
        "phone" | "phone_number" | "telefon" | "mobil" | "mobilnummer" | "tlf" => Field::Phone,
        "vehicle_interest" | "vehicle" | "bil" | "modell" | "bilmodell" => Field::Vehicle,
        "message" | "melding" | "kommentar" | "comment" => Field::Message,
        "source_url" | "page_url" | "url" => Field::SourceUrl,
        "consent" | "samtykke" => Field::Consent,
        _ => return None,
    })
}

fn is_yes(value: &str) -> bool {
    matches!(
        value.to_lowercase().as_str(),
        "true" | "on" | "yes" | "ja" | "1" | "checked"
    )
}

/// Where the dealership's website form posts.
pub fn form_url(public_url: &str, d: &crate::model::Dealership) -> String {
    format!(
        "{}/webhooks/form/{}",
        public_url.trim_end_matches('/'),
        d.form_key
    )
}

/// What a dealership pastes into its website: a plain form that works
/// without JavaScript, a hidden honeypot for bots, and the script that
/// posts it in the background when JavaScript is on.
pub fn embed_snippet(public_url: &str, d: &crate::model::Dealership) -> String {
    format!(
        r#"<form data-norvalt action="{url}" method="post">
  <label>Navn <input name="name" autocomplete="name"></label>
  <label>E-post <input name="email" type="email" autocomplete="email"></label>
  <label>Telefon <input name="phone" type="tel" autocomplete="tel"></label>
  <label>Bil du er interessert i <input name="vehicle_interest"></label>
  <label>Melding <textarea name="message"></textarea></label>
  <input name="norvalt_hp" tabindex="-1" autocomplete="off" style="position:absolute;left:-9999px" aria-hidden="true">
  <label><input name="consent" type="checkbox" required> Jeg samtykker til å bli kontaktet av {name}</label>
  <button type="submit">Send</button>
</form>
<script src="{url}/embed.js" defer></script>"#,
        url = form_url(public_url, d),
        name = d.name
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn lead(outcome: Result<FormOutcome, FieldErrors>) -> LeadCandidate {
        match outcome.expect("valid form") {
            FormOutcome::Lead(c) => c,
            FormOutcome::Honeypot => panic!("not a honeypot"),
        }
    }

    #[test]
    fn a_json_post_is_read_and_extras_kept() {
        let c = lead(from_json(&json!({
            "name": "Eirik Solberg", "email": "Eirik.Solberg@example.no", "phone": "93 44 55 66",
            "vehicle_interest": "Volkswagen ID.Buzz", "message": "Er den ledig?\nHilsen Eirik",
            "source_url": "https://www.bilsenteret-drammen.no/bruktbil/vw-id-buzz",
            "consent": true, "utm_source": "google", "budget": 450000
        })));
        assert_eq!(
            c.customer_email.as_deref(),
            Some("eirik.solberg@example.no")
        );
        assert_eq!(c.customer_phone.as_deref(), Some("+4793445566"));
        assert_eq!(c.message.as_deref(), Some("Er den ledig?\nHilsen Eirik"));
        assert_eq!(c.metadata["consent"], json!(true));
        assert_eq!(c.metadata["utm_source"], "google");
        assert_eq!(c.metadata["budget"], "450000");
    }

    #[test]
    fn norwegian_field_names_and_split_names_are_understood() {
        let pairs = [
            ("Fornavn", "Åse"),
            ("Etternavn", "Øvrebø"),
            ("Telefon", "0047 913 22 044"),
            ("Samtykke", "on"),
        ];
        let c = lead(from_pairs(
            pairs.map(|(a, b)| (a.to_string(), b.to_string())),
        ));
        assert_eq!(c.customer_name.as_deref(), Some("Åse Øvrebø"));
        assert_eq!(c.customer_phone.as_deref(), Some("+4791322044"));
        assert_eq!(c.metadata["consent"], json!(true));
    }

    #[test]
    fn without_a_usable_contact_the_errors_name_email_and_phone() {
        let err = from_json(&json!({"email": "nope", "phone": "12", "source_url": "ftp://x"}))
            .unwrap_err();
        for f in ["email", "phone"] {
            assert!(err.contains(f), "{f}");
        }
        assert!(err.fields.iter().any(|f| f.message.contains("valid email")));
        let err = from_json(&json!({"name": "Kari"})).unwrap_err();
        assert!(err.contains("email") && err.contains("phone"));
        assert!(from_json(&json!([1, 2])).unwrap_err().contains("body"));
    }

    #[test]
    fn one_usable_contact_is_enough_and_bad_values_are_kept_aside() {
        let c = lead(from_json(&json!({
            "name": "Kari\u{7} Nordmann", "email": "kari@", "phone": "47 65 43 21",
            "source_url": "javascript:alert(1)", "vehicle_interest": "x".repeat(500),
            "message": "Hei\u{0} der"
        })));
        assert_eq!(c.customer_phone.as_deref(), Some("+4747654321"));
        assert_eq!(c.customer_email, None);
        assert_eq!(c.metadata["unparsed_email"], "kari@");
        assert_eq!(c.metadata["unparsed_source_url"], "javascript:alert(1)");
        assert_eq!(c.customer_name.as_deref(), Some("Kari Nordmann"));
        // Control characters never reach the metadata either.
        assert_eq!(c.metadata["unparsed_name"], "Kari Nordmann");
        assert_eq!(
            c.vehicle_interest.as_ref().map(|v| v.chars().count()),
            Some(MAX_VEHICLE_INTEREST)
        );
        assert_eq!(c.message.as_deref(), Some("Hei der"));
        assert_eq!(c.metadata["message_cleaned"], json!(true));

        let c = lead(from_json(
            &json!({"email": "kari@example.no", "phone": "12"}),
        ));
        assert_eq!(c.customer_email.as_deref(), Some("kari@example.no"));
        assert_eq!(c.metadata["unparsed_phone"], "12");
    }

    #[test]
    fn a_filled_honeypot_is_recognised() {
        let out = from_json(&json!({"email": "a@b.no", "norvalt_hp": "http://spam"})).unwrap();
        assert!(matches!(out, FormOutcome::Honeypot));
        let out = from_json(&json!({"email": "a@b.no", "norvalt_hp": ""})).unwrap();
        assert!(matches!(out, FormOutcome::Lead(_)));
    }
}
