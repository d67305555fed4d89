//! Analytics roll-ups: one record per dealership and Oslo day.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, NaiveDate, Utc};

use super::DynamoStore;
use super::items::{PartitionQuery, backend, decode, item, s, tenant_pk};
use norvalt_core::analytics::DailyRollup;
use norvalt_core::ports::AnalyticsStore;
use norvalt_core::time::sortable;
use norvalt_core::{StoreError, StoreResult, TenantId};

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
