//! The port implementations. Each builds its SQL from the tenant it is given;
//! no statement touches a row without `dealership_id = ?` bound to it.

use async_trait::async_trait;
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::audit::AuditEntry;
use norvalt_core::model::{
    AutomationRule, Dealership, Lead, LeadQuery, Message, User, Vehicle, VehicleStatus,
};
use norvalt_core::ports::{
    AuditStore, ConversationStore, DealershipStore, LeadStore, RouteKind, RoutingStore, RuleStore,
    UserStore, VehicleStore,
};
use norvalt_core::time::sortable;
use norvalt_core::{
    AuditId, DealershipId, LeadId, MessageId, RuleId, StoreError, StoreResult, TenantId, UserId,
    VehicleId,
};

pub(super) fn to_doc<T: Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(backend)
}

pub(super) fn from_doc<T: DeserializeOwned>(doc: String) -> StoreResult<T> {
    serde_json::from_str(&doc).map_err(backend)
}

pub(super) fn tid(t: &TenantId) -> String {
    t.dealership_id().to_string()
}

/// Runs a query whose single column is a JSON document and decodes each row.
pub(super) fn docs<T: DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: Vec<Value>,
) -> StoreResult<Vec<T>> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let rows = stmt
        .query_map(params_from_iter(args), |r| r.get::<_, String>(0))
        .map_err(backend)?;
    rows.map(|r| r.map_err(backend).and_then(from_doc))
        .collect()
}

/// Runs a query whose single column is a dealership id (the registries).
pub(super) fn dealership_ids(
    conn: &rusqlite::Connection,
    sql: &str,
) -> StoreResult<Vec<DealershipId>> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend)?;
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(backend)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(backend)?;
    ids.iter()
        .map(|id| {
            id.parse()
                .map_err(|_| StoreError::Backend(format!("bad dealership id {id}")))
        })
        .collect()
}

pub(super) fn one_doc<T: DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: Vec<Value>,
) -> StoreResult<Option<T>> {
    Ok(docs(conn, sql, args)?.into_iter().next())
}

/// `UPDATE … WHERE version = new - 1` touched nothing: stale or missing.
pub(super) fn expect_one_row(changed: usize) -> StoreResult<()> {
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict)
    }
}

#[async_trait]
impl DealershipStore for SqliteStore {
    async fn insert_dealership(&self, tenant: &TenantId, d: &Dealership) -> StoreResult<()> {
        if d.id != tenant.dealership_id() {
            return Err(StoreError::Backend(
                "dealership id does not match the tenant".into(),
            ));
        }
        let (id, doc) = (tid(tenant), to_doc(d)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO dealerships (id, doc) VALUES (?1, ?2)",
                params![id, doc],
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn list_dealership_ids(&self) -> StoreResult<Vec<DealershipId>> {
        self.read(|c| dealership_ids(c, "SELECT id FROM dealerships ORDER BY id"))
            .await
    }

    async fn update_dealership(&self, tenant: &TenantId, d: &Dealership) -> StoreResult<()> {
        let (id, doc) = (tid(tenant), to_doc(d)?);
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE dealerships SET doc = ?2 WHERE id = ?1",
                    params![id, doc],
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn get_dealership(&self, tenant: &TenantId) -> StoreResult<Option<Dealership>> {
        let id = tid(tenant);
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM dealerships WHERE id = ?1",
                vec![id.into()],
            )
        })
        .await
    }
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn insert_user(&self, tenant: &TenantId, u: &User) -> StoreResult<()> {
        let (t, id, clerk, doc) = (
            tid(tenant),
            u.id.to_string(),
            u.clerk_user_id.clone(),
            to_doc(u)?,
        );
        self.write(move |c| {
            c.execute(
                "INSERT INTO users (dealership_id, id, clerk_user_id, doc) VALUES (?1, ?2, ?3, ?4)",
                params![t, id, clerk, doc],
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_user(&self, tenant: &TenantId, id: UserId) -> StoreResult<Option<User>> {
        let args = vec![tid(tenant).into(), id.to_string().into()];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM users WHERE dealership_id = ?1 AND id = ?2",
                args,
            )
        })
        .await
    }

    async fn find_user_by_clerk_id(
        &self,
        tenant: &TenantId,
        clerk_user_id: &str,
    ) -> StoreResult<Option<User>> {
        let args = vec![tid(tenant).into(), clerk_user_id.to_string().into()];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM users WHERE dealership_id = ?1 AND clerk_user_id = ?2",
                args,
            )
        })
        .await
    }

    async fn list_users(&self, tenant: &TenantId) -> StoreResult<Vec<User>> {
        let args = vec![tid(tenant).into()];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM users WHERE dealership_id = ?1 ORDER BY id",
                args,
            )
        })
        .await
    }

    async fn update_user(&self, tenant: &TenantId, u: &User) -> StoreResult<()> {
        let (t, id, v, doc) = (tid(tenant), u.id.to_string(), u.version as i64, to_doc(u)?);
        self.write(move |c| {
            // Users stored before versions existed count as version 1.
            let changed = c
                .execute(
                    "UPDATE users SET doc = ?3 WHERE dealership_id = ?1 AND id = ?2
                     AND COALESCE(json_extract(doc, '$.version'), 1) = ?4 - 1",
                    params![t, id, doc, v],
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, tenant: &TenantId, entry: &AuditEntry) -> StoreResult<()> {
        let (t, id, doc) = (tid(tenant), entry.id.to_string(), to_doc(entry)?);
        self.write(move |c| {
            c.execute(
                "INSERT INTO audit_log (dealership_id, id, doc) VALUES (?1, ?2, ?3)",
                params![t, id, doc],
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn list_audit(
        &self,
        tenant: &TenantId,
        before: Option<AuditId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>> {
        // Past every id when there is no cursor ("~" sorts after hex digits).
        let before = before.map_or_else(|| "~".to_string(), |b| b.to_string());
        let args = vec![tid(tenant).into(), before.into(), (limit as i64).into()];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM audit_log WHERE dealership_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                args,
            )
        })
        .await
    }
}

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
        if let Some(after) = after {
            filter(" AND id < ?", after.to_string().into());
        }
        filter(" ORDER BY id DESC LIMIT ?", (limit as i64).into());
        self.read(move |c| docs(c, &sql, args)).await
    }

    async fn update_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()> {
        let cols = lead_columns(tenant, lead)?;
        let version = lead.version;
        self.write(move |c| update_lead_row(c, cols, version)).await
    }
}

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn update_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        let (t, lead, id, doc) = (
            tid(tenant),
            m.lead_id.to_string(),
            m.id.to_string(),
            to_doc(m)?,
        );
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE messages SET doc = ?4 WHERE dealership_id = ?1 AND lead_id = ?2 AND id = ?3",
                    params![t, lead, id, doc],
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn insert_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        let (t, lead, id, doc) = (
            tid(tenant),
            m.lead_id.to_string(),
            m.id.to_string(),
            to_doc(m)?,
        );
        self.write(move |c| {
            c.execute(
                "INSERT INTO messages (dealership_id, lead_id, id, doc) VALUES (?1, ?2, ?3, ?4)",
                params![t, lead, id, doc],
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_message(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        id: MessageId,
    ) -> StoreResult<Option<Message>> {
        let args = vec![
            tid(tenant).into(),
            lead.to_string().into(),
            id.to_string().into(),
        ];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM messages WHERE dealership_id = ?1 AND lead_id = ?2 AND id = ?3",
                args,
            )
        })
        .await
    }

    async fn list_messages(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let args = vec![
            tid(tenant).into(),
            lead.to_string().into(),
            after.map(|a| a.to_string()).unwrap_or_default().into(),
            (limit as i64).into(),
        ];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM messages WHERE dealership_id = ?1 AND lead_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
                args,
            )
        })
        .await
    }
}

#[async_trait]
impl VehicleStore for SqliteStore {
    async fn insert_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        let args: Vec<Value> = vec![
            tid(tenant).into(),
            v.id.to_string().into(),
            v.status.as_str().to_string().into(),
            (v.version as i64).into(),
            to_doc(v)?.into(),
        ];
        self.write(move |c| {
            c.execute(
                "INSERT INTO vehicles (dealership_id, id, status, version, doc) VALUES (?1, ?2, ?3, ?4, ?5)",
                params_from_iter(args),
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<Option<Vehicle>> {
        let args = vec![tid(tenant).into(), id.to_string().into()];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM vehicles WHERE dealership_id = ?1 AND id = ?2",
                args,
            )
        })
        .await
    }

    async fn list_vehicles(
        &self,
        tenant: &TenantId,
        status: Option<VehicleStatus>,
        after: Option<VehicleId>,
        limit: usize,
    ) -> StoreResult<Vec<Vehicle>> {
        let mut sql = String::from("SELECT doc FROM vehicles WHERE dealership_id = ?");
        let mut args: Vec<Value> = vec![tid(tenant).into()];
        if let Some(s) = status {
            sql.push_str(" AND status = ?");
            args.push(s.as_str().to_string().into());
        }
        if let Some(a) = after {
            sql.push_str(" AND id < ?");
            args.push(a.to_string().into());
        }
        sql.push_str(" ORDER BY id DESC LIMIT ?");
        args.push((limit as i64).into());
        self.read(move |c| docs(c, &sql, args)).await
    }

    async fn update_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        let args: Vec<Value> = vec![
            tid(tenant).into(),
            v.id.to_string().into(),
            v.status.as_str().to_string().into(),
            (v.version as i64).into(),
            to_doc(v)?.into(),
            ((v.version - 1) as i64).into(),
        ];
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE vehicles SET status = ?3, version = ?4, doc = ?5
                     WHERE dealership_id = ?1 AND id = ?2 AND version = ?6",
                    params_from_iter(args),
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn delete_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<bool> {
        let (t, id) = (tid(tenant), id.to_string());
        self.write(move |c| {
            c.execute(
                "DELETE FROM vehicles WHERE dealership_id = ?1 AND id = ?2",
                params![t, id],
            )
            .map(|n| n == 1)
            .map_err(backend)
        })
        .await
    }
}

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

#[async_trait]
impl RoutingStore for SqliteStore {
    async fn claim_route(&self, kind: RouteKind, key: &str, tenant: &TenantId) -> StoreResult<()> {
        let (k, key, t) = (kind.as_str(), kind.normalise_key(key), tid(tenant));
        self.write(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let holder: Option<String> = tx
                .query_row(
                    "SELECT dealership_id FROM routes WHERE kind = ?1 AND key = ?2",
                    params![k, key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            match holder {
                Some(h) if h == t => {}
                Some(_) => return Err(StoreError::Conflict),
                None => {
                    tx.execute(
                        "INSERT INTO routes (kind, key, dealership_id) VALUES (?1, ?2, ?3)",
                        params![k, key, t],
                    )
                    .map_err(conflict_or_backend)?;
                }
            }
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn lookup_route(&self, kind: RouteKind, key: &str) -> StoreResult<Option<DealershipId>> {
        let (k, key) = (kind.as_str(), kind.normalise_key(key));
        self.read(move |c| {
            let id: Option<String> = c
                .query_row(
                    "SELECT dealership_id FROM routes WHERE kind = ?1 AND key = ?2",
                    params![k, key],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            id.map(|s| s.parse().map_err(backend)).transpose()
        })
        .await
    }

    async fn release_route(
        &self,
        kind: RouteKind,
        key: &str,
        tenant: &TenantId,
    ) -> StoreResult<()> {
        let (k, key, t) = (kind.as_str(), kind.normalise_key(key), tid(tenant));
        self.write(move |c| {
            c.execute(
                "DELETE FROM routes WHERE kind = ?1 AND key = ?2 AND dealership_id = ?3",
                params![k, key, t],
            )
            .map(|_| ())
            .map_err(backend)
        })
        .await
    }
}
