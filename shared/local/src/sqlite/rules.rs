//! Follow-up rules.
use async_trait::async_trait;
use rusqlite::params;

use super::rows::*;
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::model::AutomationRule;
use norvalt_core::ports::RuleStore;
use norvalt_core::{RuleId, StoreResult, TenantId};

#[async_trait]
impl RuleStore for SqliteStore {
    async fn insert_rule(&self, tenant: &TenantId, r: &AutomationRule) -> StoreResult<()> {
        let (t, id, v, doc) = (tid(tenant), r.id.to_string(), r.version as i64, to_doc(r)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO rules (dealership_id, id, version, doc) VALUES (?1, ?2, ?3, ?4)",
                params![t, id, v, doc],
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_rule(&self, tenant: &TenantId, id: RuleId) -> StoreResult<Option<AutomationRule>> {
        let args = vec![tid(tenant).into(), id.to_string().into()];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM rules WHERE dealership_id = ?1 AND id = ?2",
                args,
            )
        })
        .await
    }

    async fn list_rules(&self, tenant: &TenantId) -> StoreResult<Vec<AutomationRule>> {
        let args = vec![tid(tenant).into()];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM rules WHERE dealership_id = ?1 ORDER BY id",
                args,
            )
        })
        .await
    }

    async fn update_rule(&self, tenant: &TenantId, r: &AutomationRule) -> StoreResult<()> {
        let (t, id, v, doc) = (tid(tenant), r.id.to_string(), r.version as i64, to_doc(r)?);
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE rules SET version = ?3, doc = ?4 WHERE dealership_id = ?1 AND id = ?2 AND version = ?3 - 1",
                    params![t, id, v, doc],
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn delete_rule(&self, tenant: &TenantId, id: RuleId) -> StoreResult<bool> {
        let (t, id) = (tid(tenant), id.to_string());
        self.write(move |c| {
            c.execute(
                "DELETE FROM rules WHERE dealership_id = ?1 AND id = ?2",
                params![t, id],
            )
            .map(|n| n == 1)
            .map_err(backend)
        })
        .await
    }
}
