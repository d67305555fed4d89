//! Bulk actions (`POST /api/leads/bulk`): assign, set a status, add or
//! remove a tag on the chosen leads or on every lead matching the inbox's
//! filter (not just the page on screen). Each action is a state to reach,
//! so a lead already there is left alone: a retried request changes
//! nothing more and reports it. The request is audited once, by counts.

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::lead_list::ListLeads;
use super::leads::{ensure_known_tags, ensure_team_member, write_patch};
use crate::audit::AuditEntry;
use crate::error::{DomainError, DomainResult};
use crate::ids::{LeadId, TagId, UserId};
use crate::model::{Lead, LeadPatch, LeadSource, LeadStatus};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::service::lead_records::modify;
use crate::validation::FieldErrors;

/// The most leads one request may change: a request must finish well
/// inside API Gateway's 30 seconds.
pub const MAX_BULK: usize = 1000;
/// Leads changed at once.
const CONCURRENCY: usize = 8;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// The chosen leads; or, instead, `filter`.
    pub lead_ids: Option<Vec<LeadId>>,
    /// Every lead matching the inbox's filters.
    pub filter: Option<BulkFilter>,
    pub action: BulkAction,
}

/// The inbox's filters, as `GET /api/leads` takes them.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkFilter {
    pub status: Option<LeadStatus>,
    pub source: Option<LeadSource>,
    pub assigned_to: Option<UserId>,
    pub unassigned: Option<bool>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub needs_human: Option<bool>,
    pub overdue: Option<bool>,
    pub tag: Option<TagId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BulkAction {
    /// To this rep; `null`: nobody.
    Assign {
        user_id: Option<UserId>,
    },
    SetStatus {
        status: LeadStatus,
    },
    AddTag {
        tag_id: TagId,
    },
    RemoveTag {
        tag_id: TagId,
    },
}

impl BulkAction {
    fn name(&self) -> &'static str {
        match self {
            BulkAction::Assign { .. } => "assign",
            BulkAction::SetStatus { .. } => "set_status",
            BulkAction::AddTag { .. } => "add_tag",
            BulkAction::RemoveTag { .. } => "remove_tag",
        }
    }

    /// An assignment or a status as the lead's patch; `None` for tags.
    fn as_patch(&self) -> Option<LeadPatch> {
        match *self {
            BulkAction::Assign { user_id } => Some(LeadPatch {
                assigned_to: Some(user_id),
                ..Default::default()
            }),
            BulkAction::SetStatus { status } => Some(LeadPatch {
                status: Some(status),
                ..Default::default()
            }),
            BulkAction::AddTag { .. } | BulkAction::RemoveTag { .. } => None,
        }
    }

    /// Adds or removes the action's tag on `lead`.
    fn change_tags(&self, lead: &mut Lead) -> DomainResult<()> {
        match *self {
            BulkAction::AddTag { tag_id } if !lead.tags.contains(&tag_id) => {
                if lead.tags.len() >= crate::model::lead::MAX_TAGS_PER_LEAD {
                    return Err(FieldErrors::single("tags", "too many tags").into());
                }
                lead.tags.push(tag_id);
            }
            BulkAction::RemoveTag { tag_id } => lead.tags.retain(|t| *t != tag_id),
            _ => {}
        }
        Ok(())
    }

    /// Whether the lead is already as the action wants it.
    fn holds_for(&self, lead: &Lead) -> bool {
        match *self {
            BulkAction::Assign { user_id } => lead.assigned_to == user_id,
            BulkAction::SetStatus { status } => lead.status == status,
            BulkAction::AddTag { tag_id } => lead.tags.contains(&tag_id),
            BulkAction::RemoveTag { tag_id } => !lead.tags.contains(&tag_id),
        }
    }
}

/// What a bulk action did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct BulkSummary {
    /// Leads the request named or the filter matched.
    pub matched: usize,
    pub changed: usize,
    /// Already as asked (a retried request lands here).
    pub unchanged: usize,
    /// Named leads that do not exist here (or were deleted).
    pub not_found: usize,
    /// Leads that could not be changed (e.g. a tag over the limit).
    pub failed: usize,
}

pub async fn apply(
    stores: &Stores,
    actor: &Actor,
    request: BulkRequest,
    now: DateTime<Utc>,
) -> DomainResult<BulkSummary> {
    actor.require(Permission::WriteLeads)?;
    match request.action {
        BulkAction::Assign {
            user_id: Some(user),
        } => ensure_team_member(stores, &actor.tenant, user).await?,
        BulkAction::AddTag { tag_id } => {
            ensure_known_tags(stores, &actor.tenant, &[tag_id]).await?
        }
        _ => {}
    }
    let ids = match (request.lead_ids, request.filter) {
        (Some(ids), None) => {
            if ids.len() > MAX_BULK {
                return Err(FieldErrors::single(
                    "lead_ids",
                    format!("at most {MAX_BULK} leads at once"),
                )
                .into());
            }
            let mut unique = Vec::with_capacity(ids.len());
            for id in ids {
                if !unique.contains(&id) {
                    unique.push(id);
                }
            }
            unique
        }
        (None, Some(filter)) => matching(stores, actor, filter).await?,
        _ => {
            return Err(FieldErrors::single("lead_ids", "give either lead_ids or filter").into());
        }
    };
    let action = request.action;
    let outcomes: Vec<Outcome> = futures_util::stream::iter(ids.iter().copied())
        .map(|id| one(stores, actor, id, action, now))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut summary = BulkSummary {
        matched: ids.len(),
        ..Default::default()
    };
    for outcome in outcomes {
        match outcome {
            Outcome::Changed => summary.changed += 1,
            Outcome::Unchanged => summary.unchanged += 1,
            Outcome::NotFound => summary.not_found += 1,
            Outcome::Failed => summary.failed += 1,
        }
    }
    if summary.changed > 0 {
        crate::service::account::audit(
            stores,
            actor,
            AuditEntry::new(
                actor,
                "leads.bulk",
                None,
                serde_json::json!({
                    "action": action.name(),
                    "matched": summary.matched,
                    "changed": summary.changed,
                }),
                now,
            ),
        )
        .await?;
    }
    Ok(summary)
}

/// Every lead the filter matches, or a 422 when there are more than
/// [`MAX_BULK`]: nothing is changed then.
async fn matching(stores: &Stores, actor: &Actor, f: BulkFilter) -> DomainResult<Vec<LeadId>> {
    let query = ListLeads {
        status: f.status,
        source: f.source,
        assigned_to: f.assigned_to,
        unassigned: f.unassigned,
        created_after: f.created_after,
        created_before: f.created_before,
        search: f.search,
        needs_human: f.needs_human,
        overdue: f.overdue,
        tag: f.tag,
        ..Default::default()
    }
    .query();
    let leads = stores
        .leads
        .list_leads(&actor.tenant, &query, None, MAX_BULK + 1)
        .await?;
    if leads.len() > MAX_BULK {
        return Err(DomainError::Validation(FieldErrors::single(
            "filter",
            format!("matches more than {MAX_BULK} leads; narrow it down"),
        )));
    }
    Ok(leads.into_iter().map(|l| l.id).collect())
}

enum Outcome {
    Changed,
    Unchanged,
    NotFound,
    Failed,
}

async fn one(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    action: BulkAction,
    now: DateTime<Utc>,
) -> Outcome {
    let lead = match stores.leads.get_lead(&actor.tenant, id).await {
        Ok(Some(lead)) if !lead.is_deleted() => lead,
        Ok(_) => return Outcome::NotFound,
        Err(_) => return Outcome::Failed,
    };
    if action.holds_for(&lead) {
        return Outcome::Unchanged;
    }
    // Assignment and status go through the lead's own write: a status
    // change stops the clock and fires the dealership's rules, as it does one
    // lead at a time (the assignee was checked once, for the whole request).
    let result = match action.as_patch() {
        Some(patch) => write_patch(stores, actor, id, &patch, lead.status, now).await,
        None => modify(stores, &actor.tenant, id, now, |l| action.change_tags(l)).await,
    };
    match result {
        Ok(_) => Outcome::Changed,
        Err(DomainError::NotFound { .. }) => Outcome::NotFound,
        Err(e) => {
            tracing::warn!(lead = %id, error = %e, "bulk action failed on a lead");
            Outcome::Failed
        }
    }
}
