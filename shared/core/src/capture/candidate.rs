//! A lead as a capture source found it, before it is stored: every parser
//! (form, Facebook, email) produces one of these, and intake turns it into a
//! new lead or merges it into an existing one.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::ids::{DealershipId, LeadId, MessageId};
use crate::model::lead::{MAX_MESSAGE, MAX_NAME, MAX_VEHICLE_INTEREST};
use crate::model::{Channel, Direction, Lead, LeadSource, LeadStatus, Message, SenderType};
use crate::validation;

/// Up to this many extra captures are listed on a merged lead.
const MAX_RECORDED_SOURCES: usize = 50;
const MAX_METADATA_VALUE: usize = 2_000;
const MAX_METADATA_FIELDS: usize = 60;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LeadCandidate {
    pub customer_name: Option<String>,
    /// Lower-cased and syntax-checked.
    pub customer_email: Option<String>,
    /// E.164.
    pub customer_phone: Option<String>,
    pub vehicle_interest: Option<String>,
    pub message: Option<String>,
    pub source_url: Option<String>,
    /// Everything else the source told us (importer, postcode, custom answers…).
    #[serde(default)]
    pub metadata: Map<String, Value>,
}

/// The form's fields after `webhook-form` validated them.
pub type FormLead = LeadCandidate;

impl LeadCandidate {
    pub fn has_contact(&self) -> bool {
        self.customer_email.is_some() || self.customer_phone.is_some()
    }

    /// Sets the name, email or phone from raw text found by a parser: trims,
    /// bounds the length, and keeps what does not validate in the metadata
    /// (under `unparsed_<field>`) instead of losing it.
    pub fn offer_name(&mut self, raw: &str) {
        if self.customer_name.is_none() {
            self.customer_name = bounded(&readable_name(raw), MAX_NAME);
        }
    }

    pub fn offer_email(&mut self, raw: &str) {
        if self.customer_email.is_some() {
            return;
        }
        let raw = raw.trim().trim_start_matches("mailto:");
        match validation::email("email", raw) {
            Ok(email) => self.customer_email = Some(email),
            Err(_) if !raw.is_empty() => self.note("unparsed_email", raw),
            Err(_) => {}
        }
    }

    pub fn offer_phone(&mut self, raw: &str) {
        if self.customer_phone.is_some() {
            return;
        }
        let raw = raw.trim().trim_start_matches("tel:");
        match validation::phone("phone", raw) {
            Ok(phone) => self.customer_phone = Some(phone),
            Err(_) if !raw.is_empty() => self.note("unparsed_phone", raw),
            Err(_) => {}
        }
    }

    pub fn offer_vehicle(&mut self, raw: &str) {
        if self.vehicle_interest.is_none() {
            self.vehicle_interest = bounded(raw, MAX_VEHICLE_INTEREST);
        }
    }

    pub fn offer_message(&mut self, raw: &str) {
        if self.message.is_none() {
            self.message = bounded_multiline(raw, MAX_MESSAGE);
        }
    }

    /// Records a metadata field (first value wins), bounded in size and count.
    pub fn note(&mut self, key: &str, value: &str) {
        if self.metadata.len() >= MAX_METADATA_FIELDS || self.metadata.contains_key(key) {
            return;
        }
        if let Some(v) = bounded_multiline(value, MAX_METADATA_VALUE) {
            self.metadata.insert(key.to_string(), Value::String(v));
        }
    }

    pub fn note_value(&mut self, key: &str, value: Value) {
        if self.metadata.len() < MAX_METADATA_FIELDS && !self.metadata.contains_key(key) {
            self.metadata.insert(key.to_string(), value);
        }
    }

    /// A new lead from this capture. Without a way to answer it is stored as
    /// `needs_review` for a person to look at.
    pub fn to_new_lead(
        &self,
        dealership_id: DealershipId,
        source: LeadSource,
        capture_key: &str,
        now: DateTime<Utc>,
    ) -> Lead {
        let mut metadata = self.metadata.clone();
        metadata.insert("capture".into(), json!(capture_key));
        let mut lead = Lead {
            id: LeadId::new_at(now),
            dealership_id,
            source,
            status: if self.has_contact() {
                LeadStatus::New
            } else {
                LeadStatus::NeedsReview
            },
            customer_name: self.customer_name.clone(),
            customer_email: self.customer_email.clone(),
            customer_phone: self.customer_phone.clone(),
            vehicle_interest: self.vehicle_interest.clone(),
            initial_message: self.message.clone(),
            lead_score: None,
            assigned_to: None,
            source_url: self.source_url.clone(),
            source_metadata: Value::Object(metadata),
            created_at: now,
            updated_at: now,
            last_contact_at: None,
            converted_at: None,
            deleted_at: None,
            first_response_at: None,
            customer_replied_at: None,
            analysis: None,
            erased_at: None,
            ai_mode: None,
            handover: None,
            ai_draft: None,
            handed_back: None,
            human_contact_at: None,
            overdue_at: None,
            tags: Vec::new(),
            version: 1,
        };
        let analysis = crate::ai::analyse(&lead);
        lead.lead_score = Some(analysis.lead_score);
        lead.analysis = Some(analysis);
        lead
    }

    /// Folds a repeat inquiry of the same customer into `lead`: blank fields
    /// are filled, the capture is listed under `additional_sources`. The
    /// contact fields are never filled or changed: whoever knows a
    /// customer's phone number could otherwise post their own email and
    /// receive the replies. New contact details travel on the inquiry's
    /// message ([`Self::new_contact_details`]) for a rep to accept.
    pub fn merge_into(
        &self,
        lead: &mut Lead,
        source: LeadSource,
        capture_key: &str,
        now: DateTime<Utc>,
    ) {
        fill(&mut lead.customer_name, &self.customer_name);
        fill(&mut lead.vehicle_interest, &self.vehicle_interest);
        fill(&mut lead.initial_message, &self.message);
        fill(&mut lead.source_url, &self.source_url);
        if !lead.source_metadata.is_object() {
            lead.source_metadata = json!({});
        }
        let meta = lead
            .source_metadata
            .as_object_mut()
            .expect("made an object above");
        let sources = meta
            .entry("additional_sources")
            .or_insert_with(|| json!([]));
        if !sources.is_array() {
            *sources = json!([]);
        }
        let list = sources.as_array_mut().expect("made an array above");
        if list.len() < MAX_RECORDED_SOURCES {
            list.push(json!({
                "source": source.as_str(),
                "capture": capture_key,
                "at": crate::time::sortable(&now),
                "vehicle_interest": self.vehicle_interest,
            }));
        }
        lead.updated_at = now;
        lead.version += 1;
    }

    /// The email and phone this capture gives that `lead` does not have
    /// (`{"email": …, "phone": …}`), or `None`.
    pub fn new_contact_details(&self, lead: &Lead) -> Option<Value> {
        let mut details = Map::new();
        let differs = |offered: &Option<String>, known: &Option<String>| {
            offered
                .as_ref()
                .filter(|o| known.as_ref().is_none_or(|k| !k.eq_ignore_ascii_case(o)))
                .cloned()
        };
        if let Some(email) = differs(&self.customer_email, &lead.customer_email) {
            details.insert("email".into(), Value::String(email));
        }
        if let Some(phone) = differs(&self.customer_phone, &lead.customer_phone) {
            details.insert("phone".into(), Value::String(phone));
        }
        (!details.is_empty()).then_some(Value::Object(details))
    }

    /// The customer's inquiry as the first (or next) message of the lead's
    /// conversation; contact details the lead does not have are on it as
    /// `new_contact` for a rep to accept.
    pub fn to_message(
        &self,
        lead: &Lead,
        source: LeadSource,
        capture_key: &str,
        now: DateTime<Utc>,
    ) -> Message {
        let content = self
            .message
            .clone()
            .unwrap_or_else(|| match &self.vehicle_interest {
                Some(v) => format!("Henvendelse om {v} (uten melding)."),
                None => "Henvendelse uten melding.".to_string(),
            });
        Message {
            id: MessageId::new_at(now),
            lead_id: lead.id,
            dealership_id: lead.dealership_id,
            channel: match source {
                LeadSource::Email => Channel::Email,
                LeadSource::Facebook => Channel::Facebook,
                LeadSource::Sms => Channel::Sms,
                // A Google lead form is a form, on an ad instead of a site.
                LeadSource::Website | LeadSource::Manual | LeadSource::Google => Channel::Website,
            },
            direction: Direction::Inbound,
            sender: self
                .customer_name
                .clone()
                .or_else(|| self.customer_email.clone())
                .or_else(|| self.customer_phone.clone())
                .unwrap_or_else(|| "Ukjent kunde".to_string()),
            sender_type: SenderType::Customer,
            message_content: content,
            metadata: {
                let mut metadata = json!({ "capture": capture_key, "source": source.as_str() });
                // Every inquiry's raw mail is on its message, merged or not,
                // so erasure finds them all.
                if let Some(raw_mail) = self.metadata.get("raw_mail") {
                    metadata["raw_mail"] = raw_mail.clone();
                }
                if let Some(details) = self.new_contact_details(lead) {
                    metadata["new_contact"] = details;
                }
                metadata
            },
            created_at: now,
        }
    }
}

fn fill(slot: &mut Option<String>, value: &Option<String>) {
    if slot.is_none() {
        slot.clone_from(value);
    }
}

/// Trimmed single-line text cut at `max` characters; `None` when empty.
pub(crate) fn bounded(raw: &str, max: usize) -> Option<String> {
    let one_line: String = raw
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect();
    (!one_line.is_empty()).then_some(one_line)
}

/// Trimmed text that keeps its line breaks, cut at `max` characters.
pub(crate) fn bounded_multiline(raw: &str, max: usize) -> Option<String> {
    let text: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .take(max)
        .collect();
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offered_contact_details_are_normalised_or_kept_aside() {
        let mut c = LeadCandidate::default();
        c.offer_email(" Kari.Nordmann@Example.NO ");
        c.offer_phone("912 34 567");
        c.offer_phone("+47 482 11 903");
        assert_eq!(
            c.customer_email.as_deref(),
            Some("kari.nordmann@example.no")
        );
        assert_eq!(c.customer_phone.as_deref(), Some("+4791234567"));

        let mut d = LeadCandidate::default();
        d.offer_email("not an address");
        d.offer_phone("12");
        assert!(!d.has_contact());
        assert_eq!(d.metadata["unparsed_email"], "not an address");
        assert_eq!(d.metadata["unparsed_phone"], "12");
    }

    #[test]
    fn a_candidate_without_contact_becomes_a_lead_for_review() {
        let c = LeadCandidate {
            customer_name: Some("Kari".into()),
            ..Default::default()
        };
        let now = crate::time::now();
        let lead = c.to_new_lead(DealershipId::new_at(now), LeadSource::Email, "k", now);
        assert_eq!(lead.status, LeadStatus::NeedsReview);
        assert_eq!(lead.source_metadata["capture"], "k");
    }

    #[test]
    fn merging_fills_blanks_and_records_the_source() {
        let now = crate::time::now();
        let first = LeadCandidate {
            customer_email: Some("a@b.no".into()),
            vehicle_interest: Some("Toyota bZ4X".into()),
            ..Default::default()
        };
        let mut lead = first.to_new_lead(DealershipId::new_at(now), LeadSource::Website, "1", now);
        let second = LeadCandidate {
            customer_name: Some("Kari".into()),
            customer_phone: Some("+4791234567".into()),
            vehicle_interest: Some("Toyota RAV4".into()),
            ..Default::default()
        };
        second.merge_into(&mut lead, LeadSource::Facebook, "2", now);
        assert_eq!(lead.customer_name.as_deref(), Some("Kari"));
        // Contact fields are the rep's to accept, never filled by a merge.
        assert_eq!(lead.customer_phone, None);
        let message = second.to_message(&lead, LeadSource::Facebook, "2", now);
        assert_eq!(
            message.metadata["new_contact"],
            json!({"phone": "+4791234567"})
        );
        assert_eq!(lead.vehicle_interest.as_deref(), Some("Toyota bZ4X"));
        assert_eq!(lead.version, 2);
        let extra = &lead.source_metadata["additional_sources"][0];
        assert_eq!(extra["source"], "facebook");
        assert_eq!(extra["vehicle_interest"], "Toyota RAV4");
    }

    #[test]
    fn bounded_text_is_single_line_and_cut() {
        assert_eq!(bounded("  a \n b\t c ", 10).as_deref(), Some("a b c"));
        assert_eq!(bounded("æøåæøå", 3).as_deref(), Some("æøå"));
        assert_eq!(bounded(" \n ", 3), None);
    }
}

/// "GEIR OLSEN" as "Geir Olsen" (some templates shout); any name with a
/// lower-case letter is left exactly as the customer wrote it.
fn readable_name(raw: &str) -> String {
    let letters = raw.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 2 || raw.chars().any(char::is_lowercase) {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut start_of_word = true;
    for c in raw.chars() {
        if start_of_word {
            out.push(c);
        } else {
            out.extend(c.to_lowercase());
        }
        start_of_word = matches!(c, ' ' | '-' | '\'' | '.');
    }
    out
}

#[cfg(test)]
mod name_tests {
    use super::readable_name;

    #[test]
    fn shouted_names_are_title_cased_and_others_left_alone() {
        assert_eq!(readable_name("GEIR OLSEN"), "Geir Olsen");
        assert_eq!(readable_name("ÅSE LØNNÅ-ØDEGÅRD"), "Åse Lønnå-Ødegård");
        assert_eq!(readable_name("Per van der Berg"), "Per van der Berg");
        assert_eq!(readable_name("O"), "O");
    }
}
