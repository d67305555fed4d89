//! The port implementations. Keys are built here and only here, from the
//! tenant each call is given.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::DynamoStore;
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

pub(super) type Item = HashMap<String, AttributeValue>;

pub(super) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(super) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

const DEALERSHIP_REGISTRY: &str = "DEALERSHIPS";

pub(super) fn tenant_pk(t: &TenantId) -> String {
    format!("DEALER#{}", t.dealership_id())
}

fn route_pk(kind: RouteKind, key: &str) -> String {
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

#[async_trait]
impl DealershipStore for DynamoStore {
    async fn insert_dealership(&self, tenant: &TenantId, d: &Dealership) -> StoreResult<()> {
        if d.id != tenant.dealership_id() {
            return Err(StoreError::Backend(
                "dealership id does not match the tenant".into(),
            ));
        }
        // The profile and its entry in the registry the scheduled jobs
        // read (one `DEALERSHIPS` partition: a Query, never a Scan).
        let profile = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item(
                d,
                [("pk", s(tenant_pk(tenant))), ("sk", s("PROFILE"))],
            )?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(backend)?;
        let registry = Put::builder()
            .table_name(&self.table)
            .item("pk", s(DEALERSHIP_REGISTRY))
            .item("sk", s(d.id.to_string()))
            .build()
            .map_err(backend)?;
        self.client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(profile).build())
            .transact_items(TransactWriteItem::builder().put(registry).build())
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_transaction_canceled_exception()))
    }

    async fn list_dealership_ids(&self) -> StoreResult<Vec<DealershipId>> {
        self.registry(DEALERSHIP_REGISTRY).await
    }

    async fn update_dealership(&self, tenant: &TenantId, d: &Dealership) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item(
                d,
                [("pk", s(tenant_pk(tenant))), ("sk", s("PROFILE"))],
            )?))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    async fn get_dealership(&self, tenant: &TenantId) -> StoreResult<Option<Dealership>> {
        self.get_doc(tenant_pk(tenant), "PROFILE".into()).await
    }
}

#[async_trait]
impl UserStore for DynamoStore {
    /// The user and its Clerk-id lookup item are written in one transaction,
    /// so a Clerk user belongs to a dealership at most once.
    async fn insert_user(&self, tenant: &TenantId, u: &User) -> StoreResult<()> {
        let pk = tenant_pk(tenant);
        let put = |sk: String| -> StoreResult<TransactWriteItem> {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item(u, [("pk", s(pk.clone())), ("sk", s(sk))])?))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(backend)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        self.client
            .transact_write_items()
            .transact_items(put(format!("USER#{}", u.id))?)
            .transact_items(put(format!("CLERKUSER#{}", u.clerk_user_id))?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_transaction_canceled_exception()))
    }

    async fn get_user(&self, tenant: &TenantId, id: UserId) -> StoreResult<Option<User>> {
        self.get_doc(tenant_pk(tenant), format!("USER#{id}")).await
    }

    async fn find_user_by_clerk_id(
        &self,
        tenant: &TenantId,
        clerk_user_id: &str,
    ) -> StoreResult<Option<User>> {
        self.get_doc(tenant_pk(tenant), format!("CLERKUSER#{clerk_user_id}"))
            .await
    }

    async fn list_users(&self, tenant: &TenantId) -> StoreResult<Vec<User>> {
        self.query_prefix(tenant, "USER#").await
    }

    async fn update_user(&self, tenant: &TenantId, u: &User) -> StoreResult<()> {
        // Both items (by id, by Clerk id) change together or not at all.
        let pk = tenant_pk(tenant);
        let previous = u.version - 1;
        // Users stored before versions existed count as version 1.
        let condition = if previous == 1 {
            "attribute_exists(pk) AND (attribute_not_exists(version) OR version = :previous)"
        } else {
            "attribute_exists(pk) AND version = :previous"
        };
        let put = |sk: String| -> StoreResult<TransactWriteItem> {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(item(u, [("pk", s(pk.clone())), ("sk", s(sk))])?))
                .condition_expression(condition)
                .expression_attribute_values(":previous", n(previous))
                .build()
                .map_err(backend)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        self.client
            .transact_write_items()
            .transact_items(put(format!("USER#{}", u.id))?)
            .transact_items(put(format!("CLERKUSER#{}", u.clerk_user_id))?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_transaction_canceled_exception()))
    }
}

#[async_trait]
impl AuditStore for DynamoStore {
    async fn append_audit(&self, tenant: &TenantId, entry: &AuditEntry) -> StoreResult<()> {
        self.put_new(item(
            entry,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("AUDIT#{}", entry.id))),
            ],
        )?)
        .await
    }

    async fn list_audit(
        &self,
        tenant: &TenantId,
        before: Option<AuditId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>> {
        let to = before
            .map(|b| format!("AUDIT#{b}"))
            .unwrap_or_else(|| "AUDIT$".into());
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND sk BETWEEN :from AND :to",
            filter: before.map(|_| "id <> :before".to_string()),
            values: [
                (":pk".to_string(), s(tenant_pk(tenant))),
                (":from".to_string(), s("AUDIT#")),
                (":to".to_string(), s(to)),
            ]
            .into_iter()
            .chain(before.map(|b| (":before".to_string(), s(b.to_string()))))
            .collect(),
            names: HashMap::new(),
            newest_first: true,
            page_size: (limit + 2) as i32,
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}

pub(super) fn lead_item(tenant: &TenantId, l: &Lead) -> StoreResult<Item> {
    let mut keys = vec![
        ("pk", s(tenant_pk(tenant))),
        ("sk", s(format!("LEAD#{}", l.id))),
        ("created_sort", s(sortable(&l.created_at))),
        ("updated_sort", s(sortable(&l.updated_at))),
        ("search_text", s(l.search_text())),
        ("is_deleted", AttributeValue::Bool(l.is_deleted())),
    ];
    // Deleted leads leave the status index (a sparse GSI).
    if !l.is_deleted() {
        keys.push((
            "gsi1pk",
            s(format!(
                "{}#STATUS#{}",
                tenant_pk(tenant),
                l.status.as_str()
            )),
        ));
        keys.push(("gsi1sk", s(format!("LEAD#{}", l.id))));
    }
    item(l, keys)
}

pub(super) fn message_item(tenant: &TenantId, m: &Message) -> StoreResult<Item> {
    let sk = format!("MSG#{}#{}", m.lead_id, m.id);
    item(m, [("pk", s(tenant_pk(tenant))), ("sk", s(sk))])
}

#[async_trait]
impl LeadStore for DynamoStore {
    async fn insert_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()> {
        self.put_new(lead_item(tenant, lead)?).await
    }

    async fn get_lead(&self, tenant: &TenantId, id: LeadId) -> StoreResult<Option<Lead>> {
        self.get_doc(tenant_pk(tenant), format!("LEAD#{id}")).await
    }

    async fn list_leads(
        &self,
        tenant: &TenantId,
        query: &LeadQuery,
        after: Option<LeadId>,
        limit: usize,
    ) -> StoreResult<Vec<Lead>> {
        let mut values: Item = HashMap::new();
        // Newest first and older than the cursor: ids are time-ordered, so a
        // key range does the paging ("LEAD#" sorts before every lead key,
        // "LEAD$" after).
        values.insert(":from".into(), s("LEAD#"));
        values.insert(
            ":to".into(),
            s(after
                .map(|a| format!("LEAD#{a}"))
                .unwrap_or_else(|| "LEAD$".into())),
        );
        let (index, key_condition) = match query.status {
            Some(status) => {
                values.insert(
                    ":pk".into(),
                    s(format!("{}#STATUS#{}", tenant_pk(tenant), status.as_str())),
                );
                (
                    Some("gsi1"),
                    "gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to",
                )
            }
            None => {
                values.insert(":pk".into(), s(tenant_pk(tenant)));
                (None, "pk = :pk AND sk BETWEEN :from AND :to")
            }
        };
        let mut names = HashMap::new();
        let mut filters = Vec::new();
        if !query.include_deleted {
            filters.push("is_deleted = :false".to_string());
            values.insert(":false".into(), AttributeValue::Bool(false));
        }
        if let Some(a) = after {
            filters.push("id <> :after".into());
            values.insert(":after".into(), s(a.to_string()));
        }
        if let Some(src) = query.source {
            filters.push("#source = :source".into());
            names.insert("#source".to_string(), "source".to_string());
            values.insert(":source".into(), s(src.as_str()));
        }
        if let Some(user) = query.assigned_to {
            filters.push("assigned_to = :assigned".into());
            values.insert(":assigned".into(), s(user.to_string()));
        }
        if let Some(t) = query.created_after {
            filters.push("created_sort >= :created_after".into());
            values.insert(":created_after".into(), s(sortable(&t)));
        }
        if let Some(t) = query.created_before {
            filters.push("created_sort < :created_before".into());
            values.insert(":created_before".into(), s(sortable(&t)));
        }
        if let Some(t) = query.updated_since {
            filters.push("updated_sort >= :updated_since".into());
            values.insert(":updated_since".into(), s(sortable(&t)));
        }
        if let Some(q) = &query.search {
            filters.push("contains(search_text, :search)".into());
            values.insert(":search".into(), s(q.clone()));
        }
        let selective =
            filters.len() > usize::from(!query.include_deleted) + usize::from(after.is_some());
        let q = PartitionQuery {
            index,
            key_condition,
            filter: (!filters.is_empty()).then(|| filters.join(" AND ")),
            values,
            names,
            newest_first: true,
            page_size: if selective { 200 } else { (limit + 2) as i32 },
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn update_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()> {
        self.put_versioned(lead_item(tenant, lead)?, lead.version)
            .await
    }
}

#[async_trait]
impl ConversationStore for DynamoStore {
    async fn insert_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        self.put_new(message_item(tenant, m)?).await
    }

    async fn update_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(message_item(tenant, m)?))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    async fn get_message(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        id: MessageId,
    ) -> StoreResult<Option<Message>> {
        self.get_doc(tenant_pk(tenant), format!("MSG#{lead}#{id}"))
            .await
    }

    async fn list_messages(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        // "$" sorts right after "#": the range ends past every message of the lead.
        let from = match after {
            Some(a) => format!("MSG#{lead}#{a}$"),
            None => format!("MSG#{lead}#"),
        };
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND sk BETWEEN :from AND :to",
            filter: None,
            values: HashMap::from([
                (":pk".into(), s(tenant_pk(tenant))),
                (":from".into(), s(from)),
                (":to".into(), s(format!("MSG#{lead}$"))),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: limit as i32,
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}

#[async_trait]
impl VehicleStore for DynamoStore {
    async fn insert_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        self.put_new(item(
            v,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("VEHICLE#{}", v.id))),
            ],
        )?)
        .await
    }

    async fn get_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<Option<Vehicle>> {
        self.get_doc(tenant_pk(tenant), format!("VEHICLE#{id}"))
            .await
    }

    async fn list_vehicles(
        &self,
        tenant: &TenantId,
        status: Option<VehicleStatus>,
        after: Option<VehicleId>,
        limit: usize,
    ) -> StoreResult<Vec<Vehicle>> {
        let mut values: Item = HashMap::from([
            (":pk".into(), s(tenant_pk(tenant))),
            (":from".into(), s("VEHICLE#")),
            (
                ":to".into(),
                s(after
                    .map(|a| format!("VEHICLE#{a}"))
                    .unwrap_or_else(|| "VEHICLE$".into())),
            ),
        ]);
        let mut filters = Vec::new();
        let mut names = HashMap::new();
        if let Some(a) = after {
            filters.push("id <> :after");
            values.insert(":after".into(), s(a.to_string()));
        }
        if let Some(st) = status {
            filters.push("#status = :status");
            names.insert("#status".to_string(), "status".to_string());
            values.insert(":status".into(), s(st.as_str()));
        }
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND sk BETWEEN :from AND :to",
            filter: (!filters.is_empty()).then(|| filters.join(" AND ")),
            values,
            names,
            newest_first: true,
            page_size: 200,
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }

    async fn update_vehicle(&self, tenant: &TenantId, v: &Vehicle) -> StoreResult<()> {
        let item = item(
            v,
            [
                ("pk", s(tenant_pk(tenant))),
                ("sk", s(format!("VEHICLE#{}", v.id))),
            ],
        )?;
        self.put_versioned(item, v.version).await
    }

    async fn delete_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<bool> {
        self.delete(tenant_pk(tenant), format!("VEHICLE#{id}"))
            .await
    }
}

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

#[async_trait]
impl RoutingStore for DynamoStore {
    async fn claim_route(&self, kind: RouteKind, key: &str, tenant: &TenantId) -> StoreResult<()> {
        let dealer = tenant.dealership_id().to_string();
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(route_pk(kind, key)))
            .item("sk", s("ROUTE"))
            .item("dealership_id", s(dealer.clone()))
            .condition_expression("attribute_not_exists(pk) OR dealership_id = :d")
            .expression_attribute_values(":d", s(dealer))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    async fn lookup_route(&self, kind: RouteKind, key: &str) -> StoreResult<Option<DealershipId>> {
        let Some(item) = self.get(route_pk(kind, key), "ROUTE".into()).await? else {
            return Ok(None);
        };
        match item.get("dealership_id") {
            Some(AttributeValue::S(id)) => id.parse().map(Some).map_err(backend),
            _ => Err(StoreError::Backend(
                "routing record without dealership_id".into(),
            )),
        }
    }

    async fn release_route(
        &self,
        kind: RouteKind,
        key: &str,
        tenant: &TenantId,
    ) -> StoreResult<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(route_pk(kind, key)))
            .key("sk", s("ROUTE"))
            .condition_expression("dealership_id = :d")
            .expression_attribute_values(":d", s(tenant.dealership_id().to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Held by another dealership, or already gone: nothing of ours to release.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(backend(e)),
        }
    }
}
