//! The inbox's shared set-up (`GET/PATCH /api/inbox-setup`): tags, canned
//! replies and shared views. Everyone in the dealership reads it; managers
//! and admins change it, each list replaced whole and validated whole, and
//! the change is audited by list name.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::audit::AuditEntry;
use crate::error::{DEALERSHIP_NOT_FOUND, DomainResult};
use crate::ids::{CannedReplyId, TagId, ViewId};
use crate::model::inbox::{self, CannedReply, InboxSetup, SavedView, Tag, TagColour};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;
use crate::validation::{self, FieldErrors};

const MAX_TAGS: usize = 50;
const MAX_CANNED: usize = 100;
const MAX_VIEWS: usize = 30;
const MAX_VIEW_QUERY: usize = 500;

/// Absent lists stay; a list sent is the new list. An entry without an id
/// is new; one with an id must be one the list already has.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InboxSetupPatch {
    pub tags: Option<Vec<TagInput>>,
    pub canned_replies: Option<Vec<CannedReplyInput>>,
    pub views: Option<Vec<ViewInput>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    pub id: Option<TagId>,
    pub name: String,
    pub colour: TagColour,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedReplyInput {
    pub id: Option<CannedReplyId>,
    pub title: String,
    pub body: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewInput {
    pub id: Option<ViewId>,
    pub name: String,
    /// The inbox URL's query string, e.g. `status=new&assigned=me`.
    pub query: String,
}

pub async fn get(stores: &Stores, actor: &Actor) -> DomainResult<InboxSetup> {
    actor.require(Permission::ReadLeads)?;
    let dealership = stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    Ok(dealership.inbox)
}

pub async fn update(
    stores: &Stores,
    actor: &Actor,
    patch: InboxSetupPatch,
    now: DateTime<Utc>,
) -> DomainResult<InboxSetup> {
    actor.require(Permission::ManageInbox)?;
    let mut dealership = stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    let mut e = FieldErrors::new();
    let mut next = dealership.inbox.clone();
    if let Some(tags) = &patch.tags {
        next.tags = validate_tags(&mut e, &dealership.inbox.tags, tags, now);
    }
    if let Some(replies) = &patch.canned_replies {
        next.canned_replies =
            validate_canned(&mut e, &dealership.inbox.canned_replies, replies, now);
    }
    if let Some(views) = &patch.views {
        next.views = validate_views(&mut e, "views", &dealership.inbox.views, views, now);
    }
    e.finish(())?;
    let changed: Vec<&str> = [
        ("tags", next.tags != dealership.inbox.tags),
        (
            "canned_replies",
            next.canned_replies != dealership.inbox.canned_replies,
        ),
        ("views", next.views != dealership.inbox.views),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect();
    if changed.is_empty() {
        return Ok(next);
    }
    dealership.inbox = next;
    dealership.updated_at = now;
    stores
        .dealerships
        .update_dealership(&actor.tenant, &dealership)
        .await?;
    crate::service::account::audit(
        stores,
        actor,
        AuditEntry::new(
            actor,
            "inbox_setup.updated",
            Some(format!("dealership:{}", dealership.id)),
            serde_json::json!({ "lists": changed }),
            now,
        ),
    )
    .await?;
    Ok(dealership.inbox)
}

/// An id the list may keep (one it has), or a new one.
fn keep_id<T: Copy + PartialEq>(
    e: &mut FieldErrors,
    field: &str,
    given: Option<T>,
    known: impl Fn(T) -> bool,
    seen: &mut Vec<T>,
    fresh: impl Fn() -> T,
) -> T {
    let id = match given {
        Some(id) if !known(id) => {
            e.add(&format!("{field}.id"), "is not one of this list's ids");
            id
        }
        Some(id) => id,
        None => fresh(),
    };
    if seen.contains(&id) {
        e.add(&format!("{field}.id"), "is listed twice");
    }
    seen.push(id);
    id
}

fn validate_tags(
    e: &mut FieldErrors,
    current: &[Tag],
    tags: &[TagInput],
    now: DateTime<Utc>,
) -> Vec<Tag> {
    if tags.len() > MAX_TAGS {
        e.add("tags", format!("at most {MAX_TAGS} tags"));
    }
    let mut ids = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (i, t) in tags.iter().enumerate() {
        let field = format!("tags[{i}]");
        let id = keep_id(
            e,
            &field,
            t.id,
            |id| current.iter().any(|c| c.id == id),
            &mut ids,
            || TagId::new_at(now),
        );
        let name = e.check(validation::required_text(
            &format!("{field}.name"),
            Some(&t.name),
            40,
        ));
        if let Some(name) = name {
            let folded = name.to_lowercase();
            if names.contains(&folded) {
                e.add(&format!("{field}.name"), "another tag has this name");
            }
            names.push(folded);
            out.push(Tag {
                id,
                name,
                colour: t.colour,
            });
        }
    }
    out
}

fn validate_canned(
    e: &mut FieldErrors,
    current: &[CannedReply],
    replies: &[CannedReplyInput],
    now: DateTime<Utc>,
) -> Vec<CannedReply> {
    if replies.len() > MAX_CANNED {
        e.add("canned_replies", format!("at most {MAX_CANNED} replies"));
    }
    let mut ids = Vec::new();
    let mut out = Vec::new();
    for (i, r) in replies.iter().enumerate() {
        let field = format!("canned_replies[{i}]");
        let id = keep_id(
            e,
            &field,
            r.id,
            |id| current.iter().any(|c| c.id == id),
            &mut ids,
            || CannedReplyId::new_at(now),
        );
        let title = e.check(validation::required_text(
            &format!("{field}.title"),
            Some(&r.title),
            80,
        ));
        let body = e
            .check(validation::text(
                &format!("{field}.body"),
                Some(&r.body),
                2000,
                true,
            ))
            .flatten();
        let Some(body) = body else {
            e.add(&format!("{field}.body"), "is required");
            continue;
        };
        let unknown: Vec<&str> = inbox::fields_in(&body)
            .into_iter()
            .filter(|f| !inbox::REPLY_FIELDS.contains(f))
            .collect();
        if !unknown.is_empty() {
            e.add(
                &format!("{field}.body"),
                format!(
                    "unknown field {}; the fields are {}",
                    inbox::braced(&unknown),
                    inbox::braced(&inbox::REPLY_FIELDS)
                ),
            );
        }
        if let Some(title) = title {
            out.push(CannedReply { id, title, body });
        }
    }
    out
}

/// Saved views: a name and the inbox URL's query string, whose keys must
/// be the inbox's own (`model::inbox::VIEW_KEYS`). Shared by the
/// dealership's views and each user's own.
pub fn validate_views(
    e: &mut FieldErrors,
    list: &str,
    current: &[SavedView],
    views: &[ViewInput],
    now: DateTime<Utc>,
) -> Vec<SavedView> {
    if views.len() > MAX_VIEWS {
        e.add(list, format!("at most {MAX_VIEWS} views"));
    }
    let mut ids = Vec::new();
    let mut out = Vec::new();
    for (i, v) in views.iter().enumerate() {
        let field = format!("{list}[{i}]");
        let id = keep_id(
            e,
            &field,
            v.id,
            |id| current.iter().any(|c| c.id == id),
            &mut ids,
            || ViewId::new_at(now),
        );
        let name = e.check(validation::required_text(
            &format!("{field}.name"),
            Some(&v.name),
            40,
        ));
        let query = v.query.trim().trim_start_matches('?');
        if let Err(message) = check_view_query(query) {
            e.add(&format!("{field}.query"), message);
        }
        if let Some(name) = name {
            out.push(SavedView {
                id,
                name,
                query: query.to_string(),
            });
        }
    }
    out
}

/// A URL query string of the inbox's keys, each at most once, percent-
/// encoded (printable ASCII only).
fn check_view_query(query: &str) -> Result<(), String> {
    if query.len() > MAX_VIEW_QUERY {
        return Err(format!("must be at most {MAX_VIEW_QUERY} characters"));
    }
    if !query.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("must be a URL query string (percent-encoded)".into());
    }
    let mut seen = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let key = pair.split('=').next().unwrap_or_default();
        if !inbox::VIEW_KEYS.contains(&key) {
            return Err(format!(
                "unknown filter {key:?}; the filters are {}",
                inbox::VIEW_KEYS.join(", ")
            ));
        }
        if seen.contains(&key) {
            return Err(format!("{key:?} is given twice"));
        }
        seen.push(key);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_view_query_holds_the_inbox_keys_once_each() {
        assert!(check_view_query("status=new&assigned=me&sort=oldest").is_ok());
        assert!(check_view_query("q=%C3%B8st").is_ok());
        assert!(check_view_query("").is_ok());
        assert!(check_view_query("status=new&status=won").is_err());
        assert!(check_view_query("dealership_id=x").is_err());
        assert!(check_view_query("q=øst").is_err());
        assert!(check_view_query(&"q=a".repeat(200)).is_err());
    }
}
