//! Leads: the inbox by status and date (gsi1), overdue leads (the `due`
//! index, under the dealership's own key), changed leads (the change
//! index), search, stale-write checks.
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::DynamoStore;
use super::items::*;
use norvalt_core::model::{ChangeMark, Lead, LeadQuery};
use norvalt_core::ports::LeadStore;
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, StoreResult, TenantId};

pub(super) fn lead_item(tenant: &TenantId, l: &Lead) -> StoreResult<Item> {
    let sk = format!("LEAD#{}", l.id);
    // Deleted leads stay in the change index: a poll learns they left.
    let [chpk, chsk] = change_keys(tenant, ChangeKind::Lead, &l.updated_at, &sk);
    let mut keys = vec![
        ("pk", s(tenant_pk(tenant))),
        ("sk", s(sk)),
        chpk,
        chsk,
        ("created_sort", s(sortable(&l.created_at))),
        ("updated_sort", s(sortable(&l.updated_at))),
        ("search_text", s(l.search_text())),
        ("is_deleted", AttributeValue::Bool(l.is_deleted())),
        ("needs_human", AttributeValue::Bool(l.handover.is_some())),
    ];
    // Deleted leads leave the status index (a sparse GSI).
    if !l.is_deleted() {
        keys.push((
            "gsi1pk",
            s(format!(
                "{}#STATUS#{}",
                tenant_pk(tenant),
                l.status.as_str()
            )),
        ));
        keys.push(("gsi1sk", s(format!("LEAD#{}", l.id))));
        // Overdue live leads also sit in the due index, under their
        // dealership's key: the "Forfalt" view reads only those.
        if l.overdue_at.is_some() {
            keys.push(("duepk", s(overdue_pk(tenant))));
            keys.push(("duesk", s(format!("LEAD#{}", l.id))));
        }
    }
    item(l, keys)
}

/// Narrows the key range (`:from`, `:to`) to the ids minted in the
/// query's creation range; false when nothing is left of it.
fn narrow_to_created(values: &mut Item, query: &LeadQuery) -> bool {
    let key = |at| format!("LEAD#{}", LeadId::first_at(at));
    let current = |values: &Item, name: &str| match values.get(name) {
        Some(AttributeValue::S(v)) => v.clone(),
        _ => String::new(),
    };
    let from = match query.created_after {
        Some(t) => current(values, ":from").max(key(t)),
        None => current(values, ":from"),
    };
    let to = match query.created_before {
        Some(t) => current(values, ":to").min(key(t)),
        None => current(values, ":to"),
    };
    let open = from <= to;
    values.insert(":from".into(), s(from));
    values.insert(":to".into(), s(to));
    open
}

fn overdue_pk(tenant: &TenantId) -> String {
    format!("{}#OVERDUE", tenant_pk(tenant))
}

#[async_trait]
impl LeadStore for DynamoStore {
    async fn insert_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()> {
        self.put_new(lead_item(tenant, lead)?).await
    }

    async fn get_lead(&self, tenant: &TenantId, id: LeadId) -> StoreResult<Option<Lead>> {
        self.get_doc(tenant_pk(tenant), format!("LEAD#{id}")).await
    }

    async fn list_leads(
        &self,
        tenant: &TenantId,
        query: &LeadQuery,
        after: Option<LeadId>,
        limit: usize,
    ) -> StoreResult<Vec<Lead>> {
        let mut values: Item = HashMap::new();
        // Newest first and older than the cursor (or oldest first and newer):
        // ids are time-ordered, so a key range does the paging ("LEAD#" sorts
        // before every lead key, "LEAD$" after).
        let cursor = after.map(|a| format!("LEAD#{a}"));
        let (from, to) = if query.oldest_first {
            (cursor.unwrap_or_else(|| "LEAD#".into()), "LEAD$".into())
        } else {
            ("LEAD#".into(), cursor.unwrap_or_else(|| "LEAD$".into()))
        };
        values.insert(":from".into(), s(from));
        values.insert(":to".into(), s(to));
        let (index, key_condition) = match query.status {
            _ if query.overdue == Some(true) && !query.include_deleted => {
                values.insert(":pk".into(), s(overdue_pk(tenant)));
                (
                    Some(super::follow_ups::DUE_INDEX),
                    "duepk = :pk AND duesk BETWEEN :from AND :to",
                )
            }
            Some(status) => {
                values.insert(
                    ":pk".into(),
                    s(format!("{}#STATUS#{}", tenant_pk(tenant), status.as_str())),
                );
                (
                    Some("gsi1"),
                    "gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to",
                )
            }
            None => {
                values.insert(":pk".into(), s(tenant_pk(tenant)));
                (None, "pk = :pk AND sk BETWEEN :from AND :to")
            }
        };
        // A lead's id is minted from its creation time, so a creation range
        // narrows the key range (the filters below still check each lead).
        if index.is_none() && !narrow_to_created(&mut values, query) {
            return Ok(Vec::new());
        }
        let mut names = HashMap::new();
        let mut filters = Vec::new();
        if !query.include_deleted {
            filters.push("is_deleted = :false".to_string());
            values.insert(":false".into(), AttributeValue::Bool(false));
        }
        if let Some(a) = after {
            filters.push("id <> :after".into());
            values.insert(":after".into(), s(a.to_string()));
        }
        if let Some(src) = query.source {
            filters.push("#source = :source".into());
            names.insert("#source".to_string(), "source".to_string());
            values.insert(":source".into(), s(src.as_str()));
        }
        if let Some(user) = query.assigned_to {
            filters.push("assigned_to = :assigned".into());
            values.insert(":assigned".into(), s(user.to_string()));
        }
        if let Some(t) = query.created_after {
            filters.push("created_sort >= :created_after".into());
            values.insert(":created_after".into(), s(sortable(&t)));
        }
        if let Some(t) = query.created_before {
            filters.push("created_sort < :created_before".into());
            values.insert(":created_before".into(), s(sortable(&t)));
        }
        if let Some(t) = query.updated_since {
            filters.push("updated_sort >= :updated_since".into());
            values.insert(":updated_since".into(), s(sortable(&t)));
        }
        if let Some(status) = query.status.filter(|_| index != Some("gsi1")) {
            filters.push("#status = :status".into());
            names.insert("#status".to_string(), "status".to_string());
            values.insert(":status".into(), s(status.as_str()));
        }
        match query.overdue {
            // Read from the index above.
            Some(true) if index.is_some_and(|i| i != "gsi1") => {}
            Some(wanted) => {
                filters.push(if wanted {
                    "attribute_exists(duepk)".into()
                } else {
                    "attribute_not_exists(duepk)".into()
                });
            }
            None => {}
        }
        if let Some(wanted) = query.unassigned {
            // serde_dynamo writes a lead with no rep as `assigned_to: NULL`.
            if wanted {
                filters.push(
                    "(attribute_not_exists(assigned_to) OR attribute_type(assigned_to, :null))"
                        .into(),
                );
                values.insert(":null".into(), s("NULL"));
            } else {
                filters.push("attribute_type(assigned_to, :string)".into());
                values.insert(":string".into(), s("S"));
            }
        }
        if let Some(tag) = query.tag {
            // `tags` is a list of id strings.
            filters.push("contains(tags, :tag)".into());
            values.insert(":tag".into(), s(tag.to_string()));
        }
        if let Some(q) = &query.search {
            filters.push("contains(search_text, :search)".into());
            values.insert(":search".into(), s(q.clone()));
        }
        match query.needs_human {
            Some(true) => {
                filters.push("needs_human = :needs_human".into());
                values.insert(":needs_human".into(), AttributeValue::Bool(true));
            }
            // Leads written before the attribute existed need no person.
            Some(false) => {
                filters.push(
                    "(attribute_not_exists(needs_human) OR needs_human = :needs_human)".into(),
                );
                values.insert(":needs_human".into(), AttributeValue::Bool(false));
            }
            None => {}
        }
        let selective =
            filters.len() > usize::from(!query.include_deleted) + usize::from(after.is_some());
        let q = PartitionQuery {
            index,
            key_condition,
            filter: (!filters.is_empty()).then(|| filters.join(" AND ")),
            values,
            names,
            newest_first: !query.oldest_first,
            page_size: if selective { 200 } else { (limit + 2) as i32 },
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn update_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()> {
        self.put_versioned(lead_item(tenant, lead)?, lead.version)
            .await
    }

    async fn changed_leads(
        &self,
        tenant: &TenantId,
        since: chrono::DateTime<chrono::Utc>,
        after: Option<ChangeMark>,
        limit: usize,
    ) -> StoreResult<Vec<Lead>> {
        // "<time>" sorts before every "<time>#LEAD#<id>" written at it.
        let from = match after {
            Some(mark) => {
                format!("{}#LEAD#{}", sortable(&mark.updated_at), mark.id).max(sortable(&since))
            }
            None => sortable(&since),
        };
        let q = PartitionQuery {
            index: Some(CHANGE_INDEX),
            key_condition: "chpk = :pk AND chsk > :from",
            filter: None,
            values: HashMap::from([
                (":pk".into(), s(change_pk(tenant, ChangeKind::Lead))),
                (":from".into(), s(from)),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: i32::try_from(limit.clamp(1, 1000)).unwrap_or(1000),
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}
