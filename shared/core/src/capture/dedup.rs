//! The records that make intake exactly-once and merge repeat inquiries.
//!
//! - A capture record per idempotency key (Meta leadgen id, Message-ID, form
//!   Idempotency-Key): a second delivery finds it and does nothing.
//! - A contact record per normalised email and E.164 phone, pointing at the
//!   customer's lead for the de-duplication window: a new inquiry from the
//!   same customer merges into that lead.
//!
//! A [`CaptureCommit`] writes all of a capture's records in one atomic step
//! (a DynamoDB transaction, an SQLite transaction) under conditions, so two
//! parallel inquiries of one customer cannot both create a lead: the loser
//! gets `Conflict`, reads again and merges.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::candidate::LeadCandidate;
use crate::ids::LeadId;
use crate::model::{Lead, Message};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContactKey {
    Email(String),
    Phone(String),
}

impl ContactKey {
    /// The stored key, e.g. `email:kari@example.no` or `phone:+4791234567`.
    pub fn as_key(&self) -> String {
        match self {
            ContactKey::Email(e) => format!("email:{e}"),
            ContactKey::Phone(p) => format!("phone:{p}"),
        }
    }

    /// The candidate's keys, email first. Both are already normalised.
    pub fn of(candidate: &LeadCandidate) -> Vec<ContactKey> {
        Self::of_contact(
            candidate.customer_email.as_deref(),
            candidate.customer_phone.as_deref(),
        )
    }

    /// The keys of an email and a phone, email first.
    pub fn of_contact(email: Option<&str>, phone: Option<&str>) -> Vec<ContactKey> {
        let mut keys = Vec::new();
        if let Some(e) = email {
            keys.push(ContactKey::Email(e.to_lowercase()));
        }
        if let Some(p) = phone {
            keys.push(ContactKey::Phone(p.to_string()));
        }
        keys
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactRecord {
    pub key: String,
    pub lead_id: LeadId,
    /// The end of the de-duplication window; an expired record is as good as
    /// absent (stores also drop it by TTL).
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaptureOutcome {
    /// A new lead; its first reply is due.
    Created,
    /// Merged into the customer's existing lead.
    Merged,
    /// Stored as `needs_review`.
    Review,
    /// Not a lead (auto-reply, bounce): recorded, nothing stored.
    Skipped,
    /// The customer answered one of our messages: added to their lead.
    Replied,
}

impl CaptureOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CaptureOutcome::Created => "created",
            CaptureOutcome::Merged => "merged",
            CaptureOutcome::Review => "review",
            CaptureOutcome::Skipped => "skipped",
            CaptureOutcome::Replied => "replied",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptureRecord {
    pub key: String,
    pub outcome: CaptureOutcome,
    pub lead_id: Option<LeadId>,
    pub reason: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The customer's message a reply stored, so a redelivery can finish
    /// what followed it (the team's notice, the AI's turn).
    #[serde(default)]
    pub message_id: Option<crate::ids::MessageId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum LeadWrite {
    /// Fails if the id exists.
    Insert(Lead),
    /// Fails unless the stored version is `lead.version - 1`.
    Update(Lead),
}

/// Claim a contact record for a lead. The write succeeds when the record is
/// absent, expired at `now`, or points at `replaces` (the lead it is taken
/// over from: the same lead when the window is refreshed, or a deleted one).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactClaim {
    pub record: ContactRecord,
    pub replaces: Option<LeadId>,
}

/// Everything one capture writes, all or nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureCommit {
    /// Must not exist yet.
    pub capture: CaptureRecord,
    pub lead: Option<LeadWrite>,
    pub message: Option<Message>,
    pub contacts: Vec<ContactClaim>,
    pub now: DateTime<Utc>,
}

impl ContactClaim {
    /// Whether the claim may overwrite `current` (the stored record, if any).
    /// Both adapters implement exactly this condition.
    pub fn allows(&self, current: Option<&ContactRecord>, now: DateTime<Utc>) -> bool {
        match current {
            None => true,
            Some(c) => {
                c.expires_at <= now
                    || Some(c.lead_id) == self.replaces
                    || c.lead_id == self.record.lead_id
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_take_absent_expired_or_replaced_records_only() {
        let now = crate::time::now();
        let (a, b, c) = (
            LeadId::new_at(now),
            LeadId::new_at(now),
            LeadId::new_at(now),
        );
        let record = |lead, secs| ContactRecord {
            key: "email:x@y.no".into(),
            lead_id: lead,
            expires_at: now + chrono::Duration::seconds(secs),
        };
        let claim = ContactClaim {
            record: record(a, 100),
            replaces: Some(b),
        };
        assert!(claim.allows(None, now));
        assert!(claim.allows(Some(&record(c, 0)), now));
        assert!(claim.allows(Some(&record(b, 100)), now));
        assert!(claim.allows(Some(&record(a, 100)), now));
        assert!(!claim.allows(Some(&record(c, 100)), now));
    }

    #[test]
    fn keys_are_namespaced() {
        let c = LeadCandidate {
            customer_email: Some("kari@example.no".into()),
            customer_phone: Some("+4791234567".into()),
            ..Default::default()
        };
        let keys: Vec<_> = ContactKey::of(&c).iter().map(ContactKey::as_key).collect();
        assert_eq!(keys, ["email:kari@example.no", "phone:+4791234567"]);
    }
}
