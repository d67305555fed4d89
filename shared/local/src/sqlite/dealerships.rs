//! Dealerships and the routing records (form key, Facebook page, inbound
//! address, Clerk organisation, SMS number).
use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::rows::*;
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::model::Dealership;
use norvalt_core::ports::{DealershipStore, RouteKind, RoutingStore};
use norvalt_core::{DealershipId, StoreError, StoreResult, TenantId};

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
