//! The write that ends a capture: a new lead (or a merge into the
//! customer's lead), a lead for review, a customer's answer on its lead, or
//! a recorded skip — each with its capture record, in one all-or-nothing
//! commit.

use chrono::{DateTime, Utc};

use super::classify::{Classified, CustomerReply};
use super::{Intake, retry};
use crate::capture::dedup::ContactClaim;
use crate::capture::{
    CaptureCommit, CaptureOutcome, CaptureRecord, ContactKey, ContactRecord, LeadCandidate,
    LeadWrite,
};
use crate::ids::LeadId;
use crate::jobs::JobError;
use crate::model::{Direction, Lead, LeadSource, LeadStatus, Message, SenderType};
use crate::tenancy::TenantId;

impl Intake {
    /// A capture received before its person was erased (a redriven dead
    /// letter, a late retry) must not bring them back: it becomes a skip.
    /// Replies get the same check in [`Self::reply`], which reads the lead.
    pub(super) async fn unless_erased(
        &self,
        tenant: &TenantId,
        found: Classified,
        received_at: DateTime<Utc>,
    ) -> Result<Classified, JobError> {
        // A reply is checked where its lead is read (`reply`).
        let (Classified::Lead(candidate) | Classified::Review(candidate)) = &found else {
            return Ok(found);
        };
        for identifier in [&candidate.customer_email, &candidate.customer_phone]
            .into_iter()
            .flatten()
        {
            let erased = crate::service::gdpr::erased_at(&self.stores, tenant, identifier)
                .await
                .map_err(retry)?;
            if erased.is_some_and(|at| at >= received_at) {
                return Ok(Classified::Skip(
                    "a capture received before its person was erased".into(),
                ));
            }
        }
        Ok(found)
    }

    pub(super) fn record(
        &self,
        key: &str,
        outcome: CaptureOutcome,
        lead: Option<LeadId>,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> CaptureRecord {
        CaptureRecord {
            key: key.to_string(),
            outcome,
            lead_id: lead,
            reason,
            recorded_at: now,
            expires_at: now + self.config.capture_ttl,
            message_id: None,
        }
    }

    pub(super) fn skip(&self, key: &str, reason: &str, now: DateTime<Utc>) -> CaptureCommit {
        CaptureCommit {
            capture: self.record(
                key,
                CaptureOutcome::Skipped,
                None,
                Some(reason.to_string()),
                now,
            ),
            lead: None,
            message: None,
            contacts: Vec::new(),
            now,
        }
    }

    /// A lead for a person to finish: never merged, never answered by itself.
    pub(super) fn review(
        &self,
        tenant: &TenantId,
        c: &LeadCandidate,
        source: LeadSource,
        key: &str,
        now: DateTime<Utc>,
    ) -> CaptureCommit {
        let mut lead = c.to_new_lead(tenant.dealership_id(), source, key, now);
        lead.status = LeadStatus::NeedsReview;
        let message = c.to_message(&lead, source, key, now);
        CaptureCommit {
            capture: self.record(key, CaptureOutcome::Review, Some(lead.id), None, now),
            message: Some(message),
            lead: Some(LeadWrite::Insert(lead)),
            contacts: Vec::new(),
            now,
        }
    }

    /// A new lead, or a merge into the customer's live lead within the window.
    pub(super) async fn lead(
        &self,
        tenant: &TenantId,
        c: &LeadCandidate,
        source: LeadSource,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<CaptureCommit, JobError> {
        let keys = ContactKey::of(c);
        let mut current: Vec<(String, Option<ContactRecord>, Option<Lead>)> = Vec::new();
        for k in &keys {
            let key = k.as_key();
            let record = self
                .stores
                .captures
                .get_contact(tenant, &key)
                .await
                .map_err(retry)?;
            let live = match &record {
                Some(r) if r.expires_at > now => self
                    .stores
                    .leads
                    .get_lead(tenant, r.lead_id)
                    .await
                    .map_err(retry)?
                    .filter(|l| !l.is_deleted()),
                _ => None,
            };
            current.push((key, record, live));
        }
        let expires_at = now + self.config.dedup_window;
        let existing = current.iter().find_map(|(_, _, live)| live.clone());
        let (lead, write, outcome) = match existing {
            Some(mut lead) => {
                c.merge_into(&mut lead, source, key, now);
                (
                    lead.clone(),
                    LeadWrite::Update(lead),
                    CaptureOutcome::Merged,
                )
            }
            None => {
                let lead = c.to_new_lead(tenant.dealership_id(), source, key, now);
                (
                    lead.clone(),
                    LeadWrite::Insert(lead),
                    CaptureOutcome::Created,
                )
            }
        };
        // Claim every contact key that no other live lead holds and that is
        // the lead's own (a merge's new details are not, until a rep accepts).
        let own_keys: Vec<String> = ContactKey::of_contact(
            lead.customer_email.as_deref(),
            lead.customer_phone.as_deref(),
        )
        .iter()
        .map(ContactKey::as_key)
        .collect();
        let contacts = current
            .into_iter()
            .filter(|(key, _, _)| own_keys.contains(key))
            .filter(|(_, _, live)| live.as_ref().is_none_or(|l| l.id == lead.id))
            .map(|(key, record, _)| ContactClaim {
                record: ContactRecord {
                    key,
                    lead_id: lead.id,
                    expires_at,
                },
                replaces: record.map(|r| r.lead_id),
            })
            .collect();
        Ok(CaptureCommit {
            capture: self.record(key, outcome, Some(lead.id), None, now),
            message: Some(c.to_message(&lead, source, key, now)),
            lead: Some(write),
            contacts,
            now,
        })
    }

    /// A customer's answer to our message: added to the conversation of the
    /// lead, which is marked as answered by the customer.
    pub(super) async fn reply(
        &self,
        tenant: &TenantId,
        reply: &CustomerReply,
        key: &str,
        received_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<CaptureCommit, JobError> {
        let lead_id = reply.lead_id;
        let Some(mut lead) = self
            .stores
            .leads
            .get_lead(tenant, lead_id)
            .await
            .map_err(retry)?
        else {
            return Ok(self.skip(key, "reply to a lead that no longer exists", now));
        };
        if lead.erased_at.is_some_and(|at| at >= received_at) {
            return Ok(self.skip(key, "a reply received before its lead was erased", now));
        }
        let message = Message {
            id: crate::ids::MessageId::new_at(now),
            lead_id,
            dealership_id: tenant.dealership_id(),
            channel: reply.channel,
            direction: Direction::Inbound,
            sender: lead.customer_name.clone().unwrap_or_else(|| "Kunde".into()),
            sender_type: SenderType::Customer,
            message_content: bounded_text(&reply.text),
            metadata: reply.metadata.clone(),
            created_at: now,
        };
        lead.customer_replied_at = Some(now);
        lead.last_contact_at = Some(now);
        lead.version += 1;
        lead.updated_at = now;
        let mut capture = self.record(key, CaptureOutcome::Replied, Some(lead_id), None, now);
        capture.message_id = Some(message.id);
        Ok(CaptureCommit {
            capture,
            lead: Some(LeadWrite::Update(lead)),
            message: Some(message),
            contacts: Vec::new(),
            now,
        })
    }
}

/// A reply as stored: at most 10 000 characters, never empty.
fn bounded_text(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "(tomt svar)".into();
    }
    text.chars().take(10_000).collect()
}
