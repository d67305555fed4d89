//! Analytics roll-ups: one record per dealership and Oslo day.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};

use super::DynamoStore;
use super::items::{
    CHANGE_INDEX, ChangeKind, PartitionQuery, backend, change_pk, decode, item, s, tenant_pk,
};
use norvalt_core::analytics::{DailyRollup, RollupCursor};
use norvalt_core::ports::AnalyticsStore;
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, StoreError, StoreResult, TenantId};

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

    async fn get_rollup_cursor(&self, tenant: &TenantId) -> StoreResult<Option<RollupCursor>> {
        self.get_doc(tenant_pk(tenant), "ROLLUP_CURSOR".into())
            .await
    }

    async fn save_rollup_cursor(
        &self,
        tenant: &TenantId,
        cursor: &RollupCursor,
    ) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                cursor,
                [("pk", s(tenant_pk(tenant))), ("sk", s("ROLLUP_CURSOR"))],
            )?))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn leads_active_since(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
    ) -> StoreResult<BTreeSet<LeadId>> {
        let mut leads = BTreeSet::new();
        for (kind, id_attribute) in [(ChangeKind::Lead, "id"), (ChangeKind::Activity, "lead_id")] {
            let q = PartitionQuery {
                index: Some(CHANGE_INDEX),
                key_condition: "chpk = :pk AND chsk > :from",
                filter: None,
                values: HashMap::from([
                    (":pk".into(), s(change_pk(tenant, kind))),
                    (":from".into(), s(sortable(&since))),
                ]),
                names: HashMap::new(),
                newest_first: false,
                page_size: 500,
            };
            for item in self.query(q, usize::MAX).await? {
                if let Some(AttributeValue::S(id)) = item.get(id_attribute) {
                    leads.insert(
                        id.parse()
                            .map_err(|e: uuid::Error| StoreError::Backend(e.to_string()))?,
                    );
                }
            }
        }
        Ok(leads)
    }
}
