//! Users of a dealership and its audit log.
use async_trait::async_trait;
use rusqlite::params;

use super::rows::*;
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::audit::AuditEntry;
use norvalt_core::model::User;
use norvalt_core::ports::{AuditStore, UserStore};
use norvalt_core::{AuditId, StoreResult, TenantId, UserId};

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
