//! GDPR: everything a dealership holds about one person, as one document
//! (`GET /api/gdpr/export`), and its erasure (`POST /api/gdpr/erase`).
//!
//! A person is found by email address or phone number (or through one of
//! their leads), among the dealership's leads, soft-deleted ones included.
//! Erasure anonymises each lead in place (status, source and times stay, so
//! the dealership's counts survive), blanks its messages and notes, deletes
//! its de-duplication and idempotency records, raw mails and sent copies,
//! stops its follow-ups and leaves one hashed suppression per address so
//! the person is not contacted again. The audit log records who erased how
//! many records, never whom.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::automation::FollowUp;
use crate::error::{DomainResult, LEAD_NOT_FOUND};
use crate::ids::{LeadId, MessageId};
use crate::model::{Channel, Lead, LeadQuery, Message};
use crate::ports::{StoreError, Stores};
use crate::search;
use crate::tenancy::TenantId;
use crate::validation::{self, FieldErrors};

mod erase;
mod export;

pub use erase::erase;
pub use export::export;

/// What replaces erased text.
pub const ERASED: &str = "[slettet]";

/// Every erasure marker's claim key begins with this.
pub const MARKER_PREFIX: &str = "erased:";

/// The marker left for each email and phone of an erased person: the
/// SHA-256 of the address, never the address. A capture received before the
/// marker's time (a redriven dead letter, a late retry) is then a no-op; the
/// person writing again afterwards is a new lead.
pub fn marker_key(identifier: &str) -> String {
    format!(
        "{MARKER_PREFIX}{}",
        crate::outbound::claims::address_digest(identifier)
    )
}

/// When the person with this email or phone was last erased, if ever.
pub async fn erased_at(
    stores: &Stores,
    tenant: &TenantId,
    identifier: &str,
) -> crate::StoreResult<Option<DateTime<Utc>>> {
    Ok(stores
        .claims
        .get_claim(tenant, &marker_key(identifier))
        .await?
        .map(|c| c.updated_at))
}

async fn mark_erased(
    stores: &Stores,
    tenant: &TenantId,
    identifier: &str,
    now: DateTime<Utc>,
) -> crate::StoreResult<()> {
    crate::outbound::claims::stamp(stores, tenant, &marker_key(identifier), "erased", now).await
}

/// Who the request is about.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub email: Option<String>,
    pub phone: Option<String>,
    /// One of the person's leads: its email and phone find the rest.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub lead_id: Option<LeadId>,
}

/// Copies of personal data outside the stores and the raw mail store: the
/// local outbox and queue database, a provider's archive. Each adapter
/// removes what it holds.
#[async_trait]
pub trait PersonalCopies: Send + Sync {
    async fn erase(&self, refs: &ErasureRefs) -> Result<(), String>;
}

/// What the copies are found by.
#[derive(Debug, Clone, Default)]
pub struct ErasureRefs {
    /// The dealership erasing: copies of any other dealership are never
    /// touched, whatever they hold.
    pub dealership_id: Option<crate::DealershipId>,
    pub lead_ids: Vec<LeadId>,
    /// Send keys of the messages to the person (`send:<message id>`).
    pub send_keys: Vec<String>,
    /// Email addresses, phone numbers and names, as stored.
    pub identifiers: Vec<String>,
}

/// No copies outside the stores (AWS: SES and SQS keep none past their
/// retention).
pub struct NoCopies;

#[async_trait]
impl PersonalCopies for NoCopies {
    async fn erase(&self, _: &ErasureRefs) -> Result<(), String> {
        Ok(())
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Export {
    pub exported_at: DateTime<Utc>,
    pub dealership: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub leads: Vec<LeadRecord>,
    /// Channels the person opted out of (unsubscribed, STOPP, bounced).
    pub opt_outs: Vec<Channel>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadRecord {
    pub lead: Lead,
    /// The conversation and the team's notes on it.
    pub messages: Vec<Message>,
    /// Whether, when and by what each message to the person went out.
    pub sends: Vec<SendRecord>,
    pub follow_ups: Vec<FollowUp>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SendRecord {
    pub message_id: MessageId,
    /// `done`, `failed` or `claimed` (in progress).
    pub state: String,
    pub at: DateTime<Utc>,
    /// The provider's id, or why it failed.
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Erasure {
    pub leads: usize,
    pub messages: usize,
    pub raw_mails: usize,
}

/// The person's normalised email and phone, and their leads.
struct Found {
    email: Option<String>,
    phone: Option<String>,
    leads: Vec<Lead>,
}

async fn find(stores: &Stores, tenant: &TenantId, subject: &Subject) -> DomainResult<Found> {
    let mut e = FieldErrors::new();
    let mut email = subject
        .email
        .as_deref()
        .and_then(|v| e.check(validation::email("email", v)));
    let mut phone = subject
        .phone
        .as_deref()
        .and_then(|v| e.check(validation::phone("phone", v)));
    if !e.is_empty() {
        return Err(e.into());
    }
    if let Some(id) = subject.lead_id {
        let lead = stores
            .leads
            .get_lead(tenant, id)
            .await?
            .ok_or(LEAD_NOT_FOUND)?;
        email = email.or(lead.customer_email.clone());
        phone = phone.or(lead.customer_phone.clone());
        if email.is_none() && phone.is_none() {
            return Ok(Found {
                email,
                phone,
                leads: vec![lead],
            });
        }
    }
    if email.is_none() && phone.is_none() {
        return Err(
            FieldErrors::single("email", "give an email, a phone number or a lead id").into(),
        );
    }
    let mut leads: Vec<Lead> = Vec::new();
    let mut searched: Vec<String> = Vec::new();
    // The person's addresses found on their leads lead to more of their
    // leads: two rounds cover "by phone, then the email on that lead".
    for _ in 0..2 {
        for (value, is_email) in [(email.clone(), true), (phone.clone(), false)] {
            let Some(value) = value else { continue };
            if searched.contains(&value) {
                continue;
            }
            searched.push(value.clone());
            for lead in matching(stores, tenant, &value, is_email).await? {
                if !leads.iter().any(|l| l.id == lead.id) {
                    leads.push(lead);
                }
            }
        }
        email = email.or_else(|| leads.iter().find_map(|l| l.customer_email.clone()));
        phone = phone.or_else(|| leads.iter().find_map(|l| l.customer_phone.clone()));
    }
    leads.sort_by_key(|l| l.id);
    Ok(Found {
        email,
        phone,
        leads,
    })
}

/// The leads (deleted ones too) whose email or phone is exactly `value`.
async fn matching(
    stores: &Stores,
    tenant: &TenantId,
    value: &str,
    is_email: bool,
) -> Result<Vec<Lead>, StoreError> {
    let query = LeadQuery {
        search: search::fold_query(value),
        include_deleted: true,
        ..Default::default()
    };
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let page = stores.leads.list_leads(tenant, &query, after, 200).await?;
        after = page.last().map(|l| l.id);
        let done = page.len() < 200;
        found.extend(page.into_iter().filter(|l| {
            if is_email {
                l.customer_email
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(value))
            } else {
                l.customer_phone.as_deref() == Some(value)
            }
        }));
        if done {
            return Ok(found);
        }
    }
}
