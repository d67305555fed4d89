use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::conversation::{AiDraft, ConversationMode, HandBack, Handover};
use super::patch;
use crate::ids::{DealershipId, LeadId, UserId};
use crate::search;
use crate::validation::{self, FieldErrors};

pub const MAX_NAME: usize = 200;
pub const MAX_VEHICLE_INTEREST: usize = 255;
pub const MAX_MESSAGE: usize = 10_000;
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadSource {
    Website,
    Email,
    Facebook,
    Manual,
    Sms,
    /// A Google Ads lead form.
    Google,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Won,
    Lost,
    /// A capture that looked like a lead but could not be fully parsed (no way
    /// to answer the customer): kept for a person to look at, never dropped.
    NeedsReview,
}

impl LeadSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadSource::Website => "website",
            LeadSource::Sms => "sms",
            LeadSource::Email => "email",
            LeadSource::Facebook => "facebook",
            LeadSource::Manual => "manual",
            LeadSource::Google => "google",
        }
    }
}

impl LeadStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Won => "won",
            LeadStatus::Lost => "lost",
            LeadStatus::NeedsReview => "needs_review",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lead {
    pub id: LeadId,
    pub dealership_id: DealershipId,
    pub source: LeadSource,
    pub status: LeadStatus,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    /// E.164, e.g. `+4791234567`.
    pub customer_phone: Option<String>,
    pub vehicle_interest: Option<String>,
    pub initial_message: Option<String>,
    /// 1–100; higher is hotter.
    pub lead_score: Option<u8>,
    pub assigned_to: Option<UserId>,
    pub source_url: Option<String>,
    #[schema(value_type = Object)]
    pub source_metadata: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_contact_at: Option<DateTime<Utc>>,
    pub converted_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// When the first reply (AI or human) reached the customer.
    #[serde(default)]
    pub first_response_at: Option<DateTime<Utc>>,
    /// The customer's latest answer to us (email reply or SMS).
    #[serde(default)]
    pub customer_replied_at: Option<DateTime<Utc>>,
    /// Intents, urgency and the reasons behind `lead_score`.
    #[serde(default)]
    pub analysis: Option<crate::ai::LeadAnalysis>,
    /// When the customer's personal data was erased (GDPR); the lead stays,
    /// anonymised, for the dealership's counts.
    #[serde(default)]
    pub erased_at: Option<DateTime<Utc>>,
    /// This lead's own conversation mode; the dealership's when unset.
    #[serde(default)]
    pub ai_mode: Option<ConversationMode>,
    /// Set while the lead needs a person ("Trenger menneske").
    #[serde(default)]
    pub handover: Option<Handover>,
    /// The AI's answer waiting for a rep (`draft` mode).
    #[serde(default)]
    pub ai_draft: Option<AiDraft>,
    /// The last time a rep gave the lead back to the AI.
    #[serde(default)]
    pub handed_back: Option<HandBack>,
    /// A person's latest contact with the customer or change of status:
    /// what stops the response-time clock.
    #[serde(default)]
    pub human_contact_at: Option<DateTime<Utc>>,
    /// When the running response clock passed its target (set by the
    /// escalation schedule, cleared by a person's contact): the inbox's
    /// "Forfalt" filter.
    #[serde(default)]
    pub overdue_at: Option<DateTime<Utc>>,
    /// Tags from the dealership's list.
    #[serde(default)]
    pub tags: Vec<crate::ids::TagId>,
    /// Bumped on every write; stores refuse a write based on a stale version.
    pub version: u64,
}

impl Lead {
    /// The folded text that `search` matches against.
    pub fn search_text(&self) -> String {
        search::document([
            self.customer_name.as_deref(),
            self.customer_email.as_deref(),
            self.customer_phone.as_deref(),
            self.vehicle_interest.as_deref(),
            self.initial_message.as_deref(),
        ])
    }

    /// A person contacted the customer or moved the lead on: the response
    /// clock stops, and the lead is no longer overdue.
    pub fn record_human_contact(&mut self, now: DateTime<Utc>) {
        self.human_contact_at = Some(now);
        self.overdue_at = None;
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }

    /// The customer's first name, when the name has one.
    pub fn first_name(&self) -> Option<&str> {
        self.customer_name
            .as_deref()
            .and_then(|n| n.split_whitespace().next())
            .filter(|n| n.chars().any(char::is_alphabetic))
    }

    /// "Hei Kari!", or "Hei!" without a name: how code-written messages
    /// to the customer open.
    pub fn hello(&self) -> String {
        match self.first_name() {
            Some(n) => format!("Hei {n}!"),
            None => "Hei!".into(),
        }
    }

    /// Moves the lead to `status`, keeping `converted_at` in step with `won`.
    pub fn set_status(&mut self, status: LeadStatus, now: DateTime<Utc>) {
        if status == LeadStatus::Won && self.status != LeadStatus::Won {
            self.converted_at = Some(now);
        } else if status != LeadStatus::Won {
            self.converted_at = None;
        }
        self.status = status;
    }
}

/// `POST /api/leads`: a lead a sales rep types in (source `manual`).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub customer_phone: Option<String>,
    pub vehicle_interest: Option<String>,
    pub initial_message: Option<String>,
    #[schema(minimum = 1, maximum = 100)]
    pub lead_score: Option<i64>,
    pub assigned_to: Option<UserId>,
    pub source_url: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub source_metadata: Option<serde_json::Value>,
}

impl NewLead {
    pub fn into_lead(
        self,
        dealership_id: DealershipId,
        source: LeadSource,
        now: DateTime<Utc>,
    ) -> Result<Lead, FieldErrors> {
        let mut e = FieldErrors::new();
        let contact = ContactFields::validate(
            &mut e,
            self.customer_name.as_deref(),
            self.customer_email.as_deref(),
            self.customer_phone.as_deref(),
        );
        let vehicle_interest = e
            .check(validation::text(
                "vehicle_interest",
                self.vehicle_interest.as_deref(),
                MAX_VEHICLE_INTEREST,
                false,
            ))
            .flatten();
        let initial_message = e
            .check(validation::text(
                "initial_message",
                self.initial_message.as_deref(),
                MAX_MESSAGE,
                true,
            ))
            .flatten();
        let lead_score = self.lead_score.and_then(|s| e.check(score(s)));
        let source_url = self
            .source_url
            .as_deref()
            .and_then(|u| e.check(validation::url("source_url", u)));
        let source_metadata = match self.source_metadata {
            None | Some(serde_json::Value::Null) => serde_json::json!({}),
            Some(m) => e
                .check(validation::client_metadata(
                    "source_metadata",
                    m,
                    MAX_METADATA_BYTES,
                ))
                .unwrap_or_default(),
        };
        require_contact(&mut e, &contact.email, &contact.phone);
        e.finish(Lead {
            id: LeadId::new_at(now),
            dealership_id,
            source,
            status: LeadStatus::New,
            customer_name: contact.name,
            customer_email: contact.email,
            customer_phone: contact.phone,
            vehicle_interest,
            initial_message,
            lead_score,
            assigned_to: self.assigned_to,
            source_url,
            source_metadata,
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
        })
    }
}

/// How many tags one lead may carry.
pub const MAX_TAGS_PER_LEAD: usize = 20;

/// `PATCH /api/leads/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    pub status: Option<LeadStatus>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub customer_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub customer_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub customer_phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub vehicle_interest: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<i64>)]
    pub lead_score: Option<Option<i64>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>, format = Uuid)]
    pub assigned_to: Option<Option<UserId>>,
    /// This lead's conversation mode; `null` follows the dealership's.
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<ConversationMode>)]
    pub ai_mode: Option<Option<ConversationMode>>,
    /// The lead's tags, replaced whole (ids from the dealership's list).
    pub tags: Option<Vec<crate::ids::TagId>>,
}

impl LeadPatch {
    /// Applies the patch to `lead`, validating every field it touches.
    pub fn apply(&self, lead: &mut Lead, now: DateTime<Utc>) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::new();
        if let Some(name) = &self.customer_name
            && let Some(v) = e.check(validation::text(
                "customer_name",
                name.as_deref(),
                MAX_NAME,
                false,
            ))
        {
            lead.customer_name = v;
        }
        if let Some(email) = &self.customer_email {
            match email.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => lead.customer_email = None,
                Some(v) => {
                    if let Some(v) = e.check(validation::email("customer_email", v)) {
                        lead.customer_email = Some(v);
                    }
                }
            }
        }
        if let Some(phone) = &self.customer_phone {
            match phone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => lead.customer_phone = None,
                Some(v) => {
                    if let Some(v) = e.check(validation::phone("customer_phone", v)) {
                        lead.customer_phone = Some(v);
                    }
                }
            }
        }
        if let Some(vi) = &self.vehicle_interest
            && let Some(v) = e.check(validation::text(
                "vehicle_interest",
                vi.as_deref(),
                MAX_VEHICLE_INTEREST,
                false,
            ))
        {
            lead.vehicle_interest = v;
        }
        if let Some(s) = self.lead_score {
            match s {
                None => lead.lead_score = None,
                Some(s) => {
                    if let Some(s) = e.check(score(s)) {
                        lead.lead_score = Some(s);
                    }
                }
            }
        }
        if let Some(a) = self.assigned_to {
            lead.assigned_to = a;
        }
        if let Some(mode) = self.ai_mode {
            lead.ai_mode = mode;
        }
        if let Some(tags) = &self.tags {
            if tags.len() > MAX_TAGS_PER_LEAD {
                e.add("tags", format!("at most {MAX_TAGS_PER_LEAD} tags"));
            }
            let mut unique = Vec::with_capacity(tags.len());
            for t in tags {
                if !unique.contains(t) {
                    unique.push(*t);
                }
            }
            lead.tags = unique;
        }
        if let Some(status) = self.status {
            lead.set_status(status, now);
        }
        require_contact(&mut e, &lead.customer_email, &lead.customer_phone);
        e.finish(())
    }
}

struct ContactFields {
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

impl ContactFields {
    fn validate(
        e: &mut FieldErrors,
        name: Option<&str>,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Self {
        let name = e
            .check(validation::text("customer_name", name, MAX_NAME, false))
            .flatten();
        let email = email
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|v| e.check(validation::email("customer_email", v)));
        let phone = phone
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .and_then(|v| e.check(validation::phone("customer_phone", v)));
        ContactFields { name, email, phone }
    }
}

/// A lead nobody can answer is no lead: it needs an email or a phone number.
fn require_contact(e: &mut FieldErrors, email: &Option<String>, phone: &Option<String>) {
    let field_failed = e
        .fields
        .iter()
        .any(|f| f.field == "customer_email" || f.field == "customer_phone");
    if email.is_none() && phone.is_none() && !field_failed {
        e.add(
            "customer_email",
            "customer_email or customer_phone is required",
        );
    }
}

fn score(s: i64) -> Result<u8, validation::FieldError> {
    validation::in_range("lead_score", s, 1, 100).map(|s| s as u8)
}

/// A lead as tests need one: Kari Nordmann from the website form.
#[cfg(test)]
pub(crate) fn sample(now: DateTime<Utc>) -> Lead {
    Lead {
        id: LeadId::new_at(now),
        dealership_id: DealershipId::new_at(now),
        source: LeadSource::Website,
        status: LeadStatus::New,
        customer_name: Some("Kari Nordmann".into()),
        customer_email: Some("kari@example.no".into()),
        customer_phone: None,
        vehicle_interest: None,
        initial_message: Some("Hei, er bilen ledig?".into()),
        lead_score: None,
        assigned_to: None,
        source_url: None,
        source_metadata: serde_json::json!({}),
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
    }
}

#[cfg(test)]
mod tests;
