//! What every DynamoDB port implementation shares: item encoding, the
//! key layout (`DEALER#<id>` partitions, routing keys), conditional
//! writes and partition queries. Keys are built here and only here, from
//! the tenant each call is given.
use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::DynamoStore;
use norvalt_core::ports::RouteKind;
use norvalt_core::{StoreError, StoreResult, TenantId};

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(super) const DEALERSHIP_REGISTRY: &str = "DEALERSHIPS";

pub(super) fn tenant_pk(t: &TenantId) -> String {
    format!("DEALER#{}", t.dealership_id())
}

/// The change index: what was written when, per dealership. Leads sit
/// under `<tenant>#LEADS` by their last change, messages and appointments
/// under `<tenant>#ACTIVITY` by theirs, so the inbox's polls read leads
/// alone and live analytics read both; each costs what changed, never the
/// partition.
pub(super) const CHANGE_INDEX: &str = "changed";

#[derive(Debug, Clone, Copy)]
pub(super) enum ChangeKind {
    Lead,
    Activity,
}

pub(super) fn change_pk(tenant: &TenantId, kind: ChangeKind) -> String {
    let kind = match kind {
        ChangeKind::Lead => "LEADS",
        ChangeKind::Activity => "ACTIVITY",
    };
    format!("{}#{kind}", tenant_pk(tenant))
}

/// An item's place in the change index: its dealership and kind, then the
/// time it was written and its own sort key (ties in time keep an order).
pub(super) fn change_keys(
    tenant: &TenantId,
    kind: ChangeKind,
    at: &chrono::DateTime<chrono::Utc>,
    sk: &str,
) -> [(&'static str, AttributeValue); 2] {
    [
        ("chpk", s(change_pk(tenant, kind))),
        (
            "chsk",
            s(format!("{}#{sk}", norvalt_core::time::sortable(at))),
        ),
    ]
}

pub(super) fn route_pk(kind: RouteKind, key: &str) -> String {
    format!("ROUTE#{}#{}", kind.as_str(), kind.normalise_key(key))
}

pub(super) fn backend<E: std::error::Error + 'static>(e: E) -> StoreError {
    StoreError::Backend(DisplayErrorContext(e).to_string())
}

/// A record's document plus its key (and any index) attributes.
pub(super) fn item<T: Serialize>(
    value: &T,
    keys: impl IntoIterator<Item = (&'static str, AttributeValue)>,
) -> StoreResult<Item> {
    let mut item: Item = serde_dynamo::to_item(value).map_err(backend)?;
    item.extend(keys.into_iter().map(|(k, v)| (k.to_string(), v)));
    Ok(item)
}

pub(super) fn decode<T: DeserializeOwned>(item: Item) -> StoreResult<T> {
    serde_dynamo::from_item(item).map_err(backend)
}

/// Maps a failed conditional write to `Conflict`.
pub(super) fn conditional<E, R>(
    e: SdkError<E, R>,
    is_condition_failure: impl Fn(&E) -> bool,
) -> StoreError
where
    E: std::error::Error + 'static,
    R: std::fmt::Debug + 'static,
{
    if e.as_service_error().is_some_and(&is_condition_failure) {
        StoreError::Conflict
    } else {
        backend(e)
    }
}

/// One partition query, paged through DynamoDB's own pages until `want`
/// items passed the filter.
pub(super) struct PartitionQuery {
    pub index: Option<&'static str>,
    pub key_condition: &'static str,
    pub filter: Option<String>,
    pub values: Item,
    /// `#name` placeholders for attribute names that are reserved words
    /// (`source`, `status`).
    pub names: HashMap<String, String>,
    pub newest_first: bool,
    /// Items read per DynamoDB page (before filtering).
    pub page_size: i32,
}

impl DynamoStore {
    pub(super) async fn put_new(&self, item: Item) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    /// Replaces an item whose stored `version` is `version - 1`.
    pub(super) async fn put_versioned(&self, item: Item, version: u64) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("version = :previous")
            .expression_attribute_values(":previous", n(version - 1))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    pub(super) async fn get(&self, pk: String, sk: String) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    pub(super) async fn get_doc<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: String,
    ) -> StoreResult<Option<T>> {
        self.get(pk, sk).await?.map(decode).transpose()
    }

    pub(super) async fn delete(&self, pk: String, sk: String) -> StoreResult<bool> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    pub(super) async fn query(&self, q: PartitionQuery, want: usize) -> StoreResult<Vec<Item>> {
        let mut found = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(q.index.map(str::to_string))
                .key_condition_expression(q.key_condition)
                .set_filter_expression(q.filter.clone())
                .set_expression_attribute_values(Some(q.values.clone()))
                .set_expression_attribute_names((!q.names.is_empty()).then(|| q.names.clone()))
                .scan_index_forward(!q.newest_first)
                .limit(q.page_size)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            found.extend(out.items.unwrap_or_default());
            if found.len() >= want {
                found.truncate(want);
                return Ok(found);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(found),
            }
        }
    }

    /// Every item of a tenant whose sort key starts with `prefix`, oldest first.
    pub(super) async fn query_prefix<T: DeserializeOwned>(
        &self,
        tenant: &TenantId,
        prefix: &str,
    ) -> StoreResult<Vec<T>> {
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND begins_with(sk, :prefix)",
            filter: None,
            values: HashMap::from([
                (":pk".into(), s(tenant_pk(tenant))),
                (":prefix".into(), s(prefix)),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: 500,
        };
        self.query(q, usize::MAX)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}
