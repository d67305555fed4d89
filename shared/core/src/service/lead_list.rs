//! The inbox's listing (`GET /api/leads`): leads by filters, newest or
//! oldest first, each with its response clock; and, for a poll
//! (`updated_since`), the leads that left the list since (deleted, or no
//! longer matching), so an open inbox drops them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::automation::response_clock::{self, Clock};
use crate::error::DomainResult;
use crate::ids::{LeadId, TagId, UserId};
use crate::model::{Lead, LeadQuery, LeadSource, LeadStatus};
use crate::pagination::{self, CursorCodec};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::search;

/// `GET /api/leads` parameters as received.
#[derive(Debug, Clone, Default)]
pub struct ListLeads {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub status: Option<LeadStatus>,
    pub source: Option<LeadSource>,
    pub assigned_to: Option<UserId>,
    pub unassigned: Option<bool>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_since: Option<DateTime<Utc>>,
    pub search: Option<String>,
    pub needs_human: Option<bool>,
    pub overdue: Option<bool>,
    pub tag: Option<TagId>,
    pub oldest_first: bool,
}

impl ListLeads {
    /// The store query these parameters ask for (search folded).
    pub fn query(&self) -> LeadQuery {
        LeadQuery {
            status: self.status,
            source: self.source,
            assigned_to: self.assigned_to,
            created_after: self.created_after,
            created_before: self.created_before,
            updated_since: self.updated_since,
            include_deleted: false,
            search: self.search.as_deref().and_then(search::fold_query),
            needs_human: self.needs_human,
            overdue: self.overdue,
            unassigned: self.unassigned,
            tag: self.tag,
            oldest_first: self.oldest_first,
        }
    }
}

/// A lead as the inbox lists it: the lead and its running response clock
/// (null when none runs).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadRow {
    #[serde(flatten)]
    pub lead: Lead,
    pub response_clock: Option<Clock>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeadPage {
    pub items: Vec<LeadRow>,
    /// Pass as `cursor` for the next page; null on the last one.
    pub next_cursor: Option<String>,
    /// With `updated_since`: leads changed since then that no longer belong
    /// in this list (deleted, closed out of the filter, given to someone
    /// else). Always empty without it.
    pub removed: Vec<LeadId>,
}

/// How many changed leads a poll looks through for ones that left the list.
const REMOVED_WINDOW: usize = 200;

pub async fn list(
    stores: &Stores,
    cursors: &CursorCodec,
    actor: &Actor,
    params: ListLeads,
) -> DomainResult<LeadPage> {
    actor.require(Permission::ReadLeads)?;
    let limit = pagination::limit(params.limit)?;
    let query = params.query();
    let scope = pagination::scope(
        "leads",
        &[
            ("status", query.status.map(|s| s.as_str().to_string())),
            ("source", query.source.map(|s| s.as_str().to_string())),
            ("assigned_to", query.assigned_to.map(|u| u.to_string())),
            ("unassigned", query.unassigned.map(|u| u.to_string())),
            (
                "created_after",
                query.created_after.map(|t| crate::time::sortable(&t)),
            ),
            (
                "created_before",
                query.created_before.map(|t| crate::time::sortable(&t)),
            ),
            (
                "updated_since",
                query.updated_since.map(|t| crate::time::sortable(&t)),
            ),
            ("search", query.search.clone()),
            ("needs_human", query.needs_human.map(|n| n.to_string())),
            ("overdue", query.overdue.map(|n| n.to_string())),
            ("tag", query.tag.map(|t| t.to_string())),
            ("oldest_first", query.oldest_first.then(|| "1".to_string())),
        ],
    );
    let after = pagination::decode_after::<LeadId>(
        cursors,
        &actor.tenant,
        &scope,
        params.cursor.as_deref(),
    )?;
    let (leads, removed) = match (query.updated_since, after) {
        (Some(since), None) => poll(stores, actor, &query, since, limit + 1).await?,
        _ => (
            stores
                .leads
                .list_leads(&actor.tenant, &query, after, limit + 1)
                .await?,
            Vec::new(),
        ),
    };
    let dealership = stores.dealerships.get_dealership(&actor.tenant).await?;
    let page = pagination::into_page(leads, limit, cursors, &actor.tenant, &scope, |l| {
        l.id.to_string()
    });
    let items = page
        .items
        .into_iter()
        .map(|lead| LeadRow {
            response_clock: dealership.as_ref().and_then(|d| {
                response_clock::clock(
                    &lead,
                    lead.human_contact_at,
                    &d.response_targets,
                    &d.opening_hours,
                    &d.opening_exceptions,
                )
            }),
            lead,
        })
        .collect();
    Ok(LeadPage {
        items,
        next_cursor: page.next_cursor,
        removed,
    })
}

/// A poll's first page: up to `want` leads changed since `since` that
/// `query` lets through, in its order, and the changed ones it no longer
/// lets through. One read of the changed leads serves both; only when more
/// changed than that read covers does the filtered query run as well.
async fn poll(
    stores: &Stores,
    actor: &Actor,
    query: &LeadQuery,
    since: DateTime<Utc>,
    want: usize,
) -> DomainResult<(Vec<Lead>, Vec<LeadId>)> {
    let changed = stores
        .leads
        .changed_leads(&actor.tenant, since, None, REMOVED_WINDOW + 1)
        .await?;
    let complete = changed.len() <= REMOVED_WINDOW;
    let (mut matching, gone): (Vec<Lead>, Vec<Lead>) = changed
        .into_iter()
        .take(REMOVED_WINDOW)
        .partition(|l| query.matches(l));
    let removed = gone.into_iter().map(|l| l.id).collect();
    if !complete {
        let leads = stores
            .leads
            .list_leads(&actor.tenant, query, None, want)
            .await?;
        return Ok((leads, removed));
    }
    // Read in the order of change; the list is in the order of age.
    if query.oldest_first {
        matching.sort_unstable_by_key(|l| l.id);
    } else {
        matching.sort_unstable_by_key(|l| std::cmp::Reverse(l.id));
    }
    matching.truncate(want);
    Ok((matching, removed))
}
