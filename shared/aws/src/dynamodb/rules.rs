//! Follow-up rules.

use async_trait::async_trait;

use super::DynamoStore;
use super::items::*;
use norvalt_core::model::AutomationRule;
use norvalt_core::ports::RuleStore;
use norvalt_core::{RuleId, StoreResult, TenantId};

#[async_trait]
impl RuleStore for DynamoStore {
    async fn insert_rule(&self, tenant: &TenantId, r: &AutomationRule) -> StoreResult<()> {
        self.put_new(item(
            r,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("RULE#{}", r.id))),
            ],
        )?)
        .await
    }

    async fn get_rule(&self, tenant: &TenantId, id: RuleId) -> StoreResult<Option<AutomationRule>> {
        self.get_doc(tenant_pk(tenant), format!("RULE#{id}")).await
    }

    async fn list_rules(&self, tenant: &TenantId) -> StoreResult<Vec<AutomationRule>> {
        self.query_prefix(tenant, "RULE#").await
    }

    async fn update_rule(&self, tenant: &TenantId, r: &AutomationRule) -> StoreResult<()> {
        let item = item(
            r,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("RULE#{}", r.id))),
            ],
        )?;
        self.put_versioned(item, r.version).await
    }

    async fn delete_rule(&self, tenant: &TenantId, id: RuleId) -> StoreResult<bool> {
        self.delete(tenant_pk(tenant), format!("RULE#{id}")).await
    }
}
