//! Follow-up sequences and counters on DynamoDB. A sequence lives in its
//! dealership's partition (`FOLLOWUP#<lead>#<rule>`, so a lead's sequences
//! are one prefix query). While a step is due it also carries the sparse
//! `due` index keys: one `FOLLOWUP_DUE` partition sorted by due time, which
//! the scheduled job queries up to "now"; a finished sequence drops out of
//! the index.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, NaiveDate, Utc};

use super::DynamoStore;
use super::stores::{Item, PartitionQuery, backend, decode, item, n, s, tenant_pk};
use norvalt_core::analytics::DailyRollup;
use norvalt_core::automation::FollowUp;
use norvalt_core::ports::{AnalyticsStore, CounterStore, FollowUpStore};
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, RuleId, StoreError, StoreResult, TenantId};

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

#[async_trait]
impl CounterStore for DynamoStore {
    async fn increment(&self, tenant: &TenantId, name: &str) -> StoreResult<u64> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(tenant_pk(tenant)))
            .key("sk", s(format!("COUNTER#{name}")))
            .update_expression("ADD #v :one")
            .expression_attribute_names("#v", "value")
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(backend)?;
        match out.attributes.as_ref().and_then(|a| a.get("value")) {
            Some(AttributeValue::N(v)) => v.parse().map_err(backend),
            _ => Err(StoreError::Backend(
                "counter update returned no value".into(),
            )),
        }
    }
}

#[async_trait]
impl AnalyticsStore for DynamoStore {
    async fn put_rollup(&self, tenant: &TenantId, rollup: &DailyRollup) -> StoreResult<()> {
        let day = rollup
            .day
            .ok_or_else(|| StoreError::Backend("a roll-up without its day".into()))?;
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                rollup,
                [
                    ("pk", s(tenant_pk(tenant))),
                    ("sk", s(format!("ROLLUP#{day}"))),
                ],
            )?))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn list_rollups(
        &self,
        tenant: &TenantId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DailyRollup>> {
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND sk BETWEEN :from AND :to",
            filter: None,
            values: [
                (":pk".to_string(), s(tenant_pk(tenant))),
                (":from".to_string(), s(format!("ROLLUP#{from}"))),
                (":to".to_string(), s(format!("ROLLUP#{to}"))),
            ]
            .into_iter()
            .collect(),
            names: Default::default(),
            newest_first: false,
            page_size: 400,
        };
        self.query(q, usize::MAX)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn get_rollup_cursor(&self, tenant: &TenantId) -> StoreResult<Option<DateTime<Utc>>> {
        let Some(item) = self.get(tenant_pk(tenant), "ROLLUP_CURSOR".into()).await? else {
            return Ok(None);
        };
        match item.get("at") {
            Some(AttributeValue::S(at)) => DateTime::parse_from_rfc3339(at)
                .map(|t| Some(t.to_utc()))
                .map_err(backend),
            _ => Ok(None),
        }
    }

    async fn save_rollup_cursor(&self, tenant: &TenantId, at: DateTime<Utc>) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(tenant_pk(tenant)))
            .item("sk", s("ROLLUP_CURSOR"))
            .item("at", s(sortable(&at)))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
