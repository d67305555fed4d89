//! How leads are asked for: the inbox's filters, and where a reader of
//! changed leads left off.

use chrono::{DateTime, Utc};

use super::lead::{Lead, LeadSource, LeadStatus};
use crate::ids::{LeadId, UserId};

/// Where a reader of changed leads left off. Leads are read in the order
/// they last changed (`updated_at`, then id, as many share an instant after
/// a bulk action); a reader resumes strictly after its mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ChangeMark {
    pub updated_at: DateTime<Utc>,
    pub id: LeadId,
}

impl Lead {
    /// This version's place in the order of changes.
    pub fn change_mark(&self) -> ChangeMark {
        ChangeMark {
            updated_at: self.updated_at,
            id: self.id,
        }
    }
}

/// Filters of `GET /api/leads`, already validated and folded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeadQuery {
    pub status: Option<LeadStatus>,
    pub source: Option<LeadSource>,
    pub assigned_to: Option<UserId>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    /// Only leads changed at or after this instant (cheap inbox polling).
    pub updated_since: Option<DateTime<Utc>>,
    /// Soft-deleted leads too (GDPR: a deleted lead still holds data).
    pub include_deleted: bool,
    /// Folded with [`crate::search::fold_query`].
    pub search: Option<String>,
    /// Only leads that need a person (`true`) or that do not (`false`).
    pub needs_human: Option<bool>,
    /// Only leads whose response clock is past its target (`true`) or not.
    pub overdue: Option<bool>,
    /// Only leads with no rep (`true`) or with one (`false`).
    pub unassigned: Option<bool>,
    /// Only leads carrying this tag.
    pub tag: Option<crate::ids::TagId>,
    /// Oldest first (and newer than the cursor) instead of newest first.
    pub oldest_first: bool,
}

impl LeadQuery {
    /// Whether `lead` passes these filters (deleted leads never do). Adapters
    /// push what they can into their query and use this for the rest.
    pub fn matches(&self, lead: &Lead) -> bool {
        (self.include_deleted || !lead.is_deleted())
            && self.status.is_none_or(|s| s == lead.status)
            && self.source.is_none_or(|s| s == lead.source)
            && self.assigned_to.is_none_or(|a| Some(a) == lead.assigned_to)
            && self.created_after.is_none_or(|t| lead.created_at >= t)
            && self.created_before.is_none_or(|t| lead.created_at < t)
            && self.updated_since.is_none_or(|t| lead.updated_at >= t)
            && self
                .needs_human
                .is_none_or(|wanted| wanted == lead.handover.is_some())
            && self
                .overdue
                .is_none_or(|wanted| wanted == lead.overdue_at.is_some())
            && self
                .unassigned
                .is_none_or(|wanted| wanted == lead.assigned_to.is_none())
            && self.tag.is_none_or(|t| lead.tags.contains(&t))
            && self
                .search
                .as_ref()
                .is_none_or(|q| lead.search_text().contains(q.as_str()))
    }
}
