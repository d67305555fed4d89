//! Leads: the inbox by status and date (gsi1), search, stale-write checks.
use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::DynamoStore;
use super::items::*;
use norvalt_core::model::{Lead, LeadQuery};
use norvalt_core::ports::LeadStore;
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, StoreResult, TenantId};

pub(super) fn lead_item(tenant: &TenantId, l: &Lead) -> StoreResult<Item> {
    let mut keys = vec![
        ("pk", s(tenant_pk(tenant))),
        ("sk", s(format!("LEAD#{}", l.id))),
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
    }
    item(l, keys)
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
        // Newest first and older than the cursor: ids are time-ordered, so a
        // key range does the paging ("LEAD#" sorts before every lead key,
        // "LEAD$" after).
        values.insert(":from".into(), s("LEAD#"));
        values.insert(
            ":to".into(),
            s(after
                .map(|a| format!("LEAD#{a}"))
                .unwrap_or_else(|| "LEAD$".into())),
        );
        let (index, key_condition) = match query.status {
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
            newest_first: true,
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
}
