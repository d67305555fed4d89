//! What every SQLite port implementation shares: documents in and out of
//! JSON columns, the tenant column, row checks. Each statement is built
//! from the tenant it is given; none touches a row without
//! `dealership_id = ?` bound to it.
use rusqlite::params_from_iter;
use rusqlite::types::Value;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::backend;
use norvalt_core::{DealershipId, StoreError, StoreResult, TenantId};

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
