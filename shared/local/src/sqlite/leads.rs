//! Leads: the inbox filters, search, stale-write checks.
use async_trait::async_trait;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::rows::*;
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::model::{ChangeMark, Lead, LeadQuery};
use norvalt_core::ports::LeadStore;
use norvalt_core::time::sortable;
use norvalt_core::{LeadId, StoreResult, TenantId};

pub(super) fn lead_columns(tenant: &TenantId, l: &Lead) -> StoreResult<Vec<Value>> {
    Ok(vec![
        tid(tenant).into(),
        l.id.to_string().into(),
        l.status.as_str().to_string().into(),
        l.source.as_str().to_string().into(),
        l.assigned_to.map(|u| u.to_string()).into(),
        sortable(&l.created_at).into(),
        i64::from(l.is_deleted()).into(),
        l.search_text().into(),
        (l.version as i64).into(),
        to_doc(l)?.into(),
        sortable(&l.updated_at).into(),
    ])
}

/// Inserts a lead row from [`lead_columns`]; `Conflict` when the id exists.
pub(super) fn insert_lead_row(c: &rusqlite::Connection, cols: Vec<Value>) -> StoreResult<()> {
    c.execute(
        "INSERT INTO leads (dealership_id, id, status, source, assigned_to, created_at, deleted, search_text, version, doc, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params_from_iter(cols),
    )
    .map(|_| ())
    .map_err(conflict_or_backend)
}

/// Replaces a lead row if its stored version is `version - 1`; `Conflict` otherwise.
pub(super) fn update_lead_row(
    c: &rusqlite::Connection,
    mut cols: Vec<Value>,
    version: u64,
) -> StoreResult<()> {
    cols.push(((version - 1) as i64).into());
    let changed = c
        .execute(
            "UPDATE leads SET status = ?3, source = ?4, assigned_to = ?5, created_at = ?6, deleted = ?7,
                    search_text = ?8, version = ?9, doc = ?10, updated_at = ?11
             WHERE dealership_id = ?1 AND id = ?2 AND version = ?12",
            params_from_iter(cols),
        )
        .map_err(backend)?;
    expect_one_row(changed)
}

#[async_trait]
impl LeadStore for SqliteStore {
    async fn insert_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()> {
        let cols = lead_columns(tenant, lead)?;
        self.write(move |c| insert_lead_row(c, cols)).await
    }

    async fn get_lead(&self, tenant: &TenantId, id: LeadId) -> StoreResult<Option<Lead>> {
        let args = vec![tid(tenant).into(), id.to_string().into()];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM leads WHERE dealership_id = ?1 AND id = ?2",
                args,
            )
        })
        .await
    }

    async fn list_leads(
        &self,
        tenant: &TenantId,
        query: &LeadQuery,
        after: Option<LeadId>,
        limit: usize,
    ) -> StoreResult<Vec<Lead>> {
        let mut sql = String::from("SELECT doc FROM leads WHERE dealership_id = ?");
        if !query.include_deleted {
            sql.push_str(" AND deleted = 0");
        }
        let mut args: Vec<Value> = vec![tid(tenant).into()];
        let mut filter = |clause: &str, value: Value| {
            sql.push_str(clause);
            args.push(value);
        };
        if let Some(s) = query.status {
            filter(" AND status = ?", s.as_str().to_string().into());
        }
        if let Some(s) = query.source {
            filter(" AND source = ?", s.as_str().to_string().into());
        }
        if let Some(a) = query.assigned_to {
            filter(" AND assigned_to = ?", a.to_string().into());
        }
        if let Some(t) = query.created_after {
            filter(" AND created_at >= ?", sortable(&t).into());
        }
        if let Some(t) = query.created_before {
            filter(" AND created_at < ?", sortable(&t).into());
        }
        if let Some(t) = query.updated_since {
            filter(" AND updated_at >= ?", sortable(&t).into());
        }
        if let Some(q) = &query.search {
            filter(" AND instr(search_text, ?) > 0", q.clone().into());
        }
        if let Some(wanted) = query.needs_human {
            // A lead that needs no person has `"handover": null` (or none).
            filter(
                " AND (json_extract(doc, '$.handover') IS NOT NULL) = ?",
                i64::from(wanted).into(),
            );
        }
        if let Some(wanted) = query.overdue {
            filter(
                " AND (json_extract(doc, '$.overdue_at') IS NOT NULL) = ?",
                i64::from(wanted).into(),
            );
        }
        if let Some(wanted) = query.unassigned {
            filter(" AND (assigned_to IS NULL) = ?", i64::from(wanted).into());
        }
        if let Some(tag) = query.tag {
            filter(
                " AND EXISTS (SELECT 1 FROM json_each(doc, '$.tags') WHERE value = ?)",
                tag.to_string().into(),
            );
        }
        let (older_or_newer, order) = if query.oldest_first {
            (" AND id > ?", " ORDER BY id ASC LIMIT ?")
        } else {
            (" AND id < ?", " ORDER BY id DESC LIMIT ?")
        };
        if let Some(after) = after {
            filter(older_or_newer, after.to_string().into());
        }
        filter(order, (limit as i64).into());
        self.read(move |c| docs(c, &sql, args)).await
    }

    async fn update_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()> {
        let cols = lead_columns(tenant, lead)?;
        let version = lead.version;
        self.write(move |c| update_lead_row(c, cols, version)).await
    }

    async fn changed_leads(
        &self,
        tenant: &TenantId,
        since: chrono::DateTime<chrono::Utc>,
        after: Option<ChangeMark>,
        limit: usize,
    ) -> StoreResult<Vec<Lead>> {
        let mut args: Vec<Value> = vec![tid(tenant).into(), sortable(&since).into()];
        let mut sql =
            String::from("SELECT doc FROM leads WHERE dealership_id = ? AND updated_at >= ?");
        if let Some(mark) = after {
            sql.push_str(" AND (updated_at, id) > (?, ?)");
            args.push(sortable(&mark.updated_at).into());
            args.push(mark.id.to_string().into());
        }
        sql.push_str(" ORDER BY updated_at, id LIMIT ?");
        args.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
        self.read(move |c| docs(c, &sql, args)).await
    }
}
