//! Follow-up sequences on DynamoDB. A sequence lives in its
//! dealership's partition (`FOLLOWUP#<lead>#<rule>`, so a lead's sequences
//! are one prefix query). While a step is due it also carries the sparse
//! `due` index keys: one `FOLLOWUP_DUE` partition sorted by due time, which
//! the scheduled job queries up to "now"; a finished sequence drops out of
//! the index.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::items::{Item, backend, decode, item, s, tenant_pk};
use norvalt_core::automation::FollowUp;
use norvalt_core::ports::FollowUpStore;
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, RuleId, StoreResult, TenantId};

pub const DUE_INDEX: &str = "due";
const DUE_PK: &str = "FOLLOWUP_DUE";

fn sk(lead: LeadId, rule: RuleId) -> String {
    format!("FOLLOWUP#{lead}#{rule}")
}

fn follow_up_item(tenant: &TenantId, f: &FollowUp) -> StoreResult<Item> {
    let mut keys = vec![
        ("pk", s(tenant_pk(tenant))),
        ("sk", s(sk(f.lead_id, f.rule_id))),
    ];
    if let Some(due) = &f.due_at {
        keys.push(("duepk", s(DUE_PK)));
        keys.push((
            "duesk",
            s(format!(
                "{}#{}#{}#{}",
                sortable(due),
                f.dealership_id,
                f.lead_id,
                f.rule_id
            )),
        ));
    }
    item(f, keys)
}

#[async_trait]
impl FollowUpStore for DynamoStore {
    async fn insert_follow_up(&self, tenant: &TenantId, f: &FollowUp) -> StoreResult<()> {
        self.put_new(follow_up_item(tenant, f)?).await
    }

    async fn get_follow_up(
        &self,
        tenant: &TenantId,
        rule: RuleId,
        lead: LeadId,
    ) -> StoreResult<Option<FollowUp>> {
        self.get_doc(tenant_pk(tenant), sk(lead, rule)).await
    }

    async fn update_follow_up(&self, tenant: &TenantId, f: &FollowUp) -> StoreResult<()> {
        self.put_versioned(follow_up_item(tenant, f)?, f.version)
            .await
    }

    async fn list_lead_follow_ups(
        &self,
        tenant: &TenantId,
        lead: LeadId,
    ) -> StoreResult<Vec<FollowUp>> {
        self.query_prefix(tenant, &format!("FOLLOWUP#{lead}#"))
            .await
    }

    async fn due_follow_ups(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<FollowUp>> {
        // `~` sorts after `#`: every key whose time is at or before `now`.
        let bound = format!("{}~", sortable(&now));
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        while found.len() < limit {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(DUE_INDEX)
                .key_condition_expression("duepk = :pk AND duesk <= :bound")
                .expression_attribute_values(":pk", s(DUE_PK))
                .expression_attribute_values(":bound", s(bound.clone()))
                .limit((limit - found.len()).min(500) as i32)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                found.push(decode(item)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(found)
    }
}
