//! Follow-up sequences on SQLite. Due
//! steps come from a partial index on `due_at` (finished sequences are not
//! in it).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::rows::{docs, expect_one_row, one_doc, tid, to_doc};
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::automation::FollowUp;
use norvalt_core::ports::FollowUpStore;
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, RuleId, StoreResult, TenantId};

/// The columns of a follow-up row, in the order both writes bind them.
fn follow_up_row(tenant: &TenantId, f: &FollowUp) -> StoreResult<Vec<Value>> {
    Ok(vec![
        tid(tenant).into(),
        f.lead_id.to_string().into(),
        f.rule_id.to_string().into(),
        (f.version as i64).into(),
        f.due_at.as_ref().map(sortable).into(),
        to_doc(f)?.into(),
    ])
}

#[async_trait]
impl FollowUpStore for SqliteStore {
    async fn insert_follow_up(&self, tenant: &TenantId, f: &FollowUp) -> StoreResult<()> {
        let row = follow_up_row(tenant, f)?;
        self.write(move |c| {
            c.execute(
                "INSERT INTO follow_ups (dealership_id, lead_id, rule_id, version, due_at, doc)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params_from_iter(row),
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_follow_up(
        &self,
        tenant: &TenantId,
        rule: RuleId,
        lead: LeadId,
    ) -> StoreResult<Option<FollowUp>> {
        let args = vec![
            tid(tenant).into(),
            lead.to_string().into(),
            rule.to_string().into(),
        ];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM follow_ups WHERE dealership_id = ?1 AND lead_id = ?2 AND rule_id = ?3",
                args,
            )
        })
        .await
    }

    async fn update_follow_up(&self, tenant: &TenantId, f: &FollowUp) -> StoreResult<()> {
        let row = follow_up_row(tenant, f)?;
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE follow_ups SET version = ?4, due_at = ?5, doc = ?6
                     WHERE dealership_id = ?1 AND lead_id = ?2 AND rule_id = ?3 AND version = ?4 - 1",
                    params_from_iter(row),
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn list_lead_follow_ups(
        &self,
        tenant: &TenantId,
        lead: LeadId,
    ) -> StoreResult<Vec<FollowUp>> {
        let args = vec![tid(tenant).into(), lead.to_string().into()];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM follow_ups WHERE dealership_id = ?1 AND lead_id = ?2 ORDER BY rule_id",
                args,
            )
        })
        .await
    }

    async fn due_follow_ups(&self, now: DateTime<Utc>, limit: usize) -> StoreResult<Vec<FollowUp>> {
        let args = vec![sortable(&now).into(), (limit as i64).into()];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM follow_ups WHERE due_at IS NOT NULL AND due_at <= ?1
                 ORDER BY due_at LIMIT ?2",
                args,
            )
        })
        .await
    }
}
