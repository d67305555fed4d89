//! Capture records on DynamoDB: a [`CaptureCommit`] is one
//! `TransactWriteItems` whose conditions are exactly
//! [`ContactClaim::allows`] and the capture key's absence, so a lost race
//! cancels the whole transaction (`Conflict`) and intake reads again.
//!
//! [`ContactClaim::allows`]: norvalt_core::capture::dedup::ContactClaim::allows

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use chrono::{DateTime, TimeZone, Utc};

use super::DynamoStore;
use super::conversations::message_item;
use super::items::{Item, PartitionQuery, backend, conditional, n, s, tenant_pk};
use super::leads::lead_item;
use norvalt_core::capture::{CaptureCommit, CaptureRecord, ContactRecord, LeadWrite};
use norvalt_core::ports::CaptureStore;
use norvalt_core::{StoreError, StoreResult, TenantId};

fn epoch(t: &DateTime<Utc>) -> AttributeValue {
    n(t.timestamp())
}

fn expires(item: &Item) -> Option<DateTime<Utc>> {
    match item.get("expires_at") {
        Some(AttributeValue::N(v)) => v
            .parse()
            .ok()
            .and_then(|secs| Utc.timestamp_opt(secs, 0).single()),
        _ => None,
    }
}

fn put(table: &str, item: Item, condition: &str, values: Item) -> StoreResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition)
        .set_expression_attribute_values((!values.is_empty()).then_some(values))
        .build()
        .map_err(backend)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

#[async_trait]
impl CaptureStore for DynamoStore {
    async fn forget_lead(
        &self,
        tenant: &TenantId,
        lead: norvalt_core::LeadId,
        contact_keys: &[String],
    ) -> StoreResult<()> {
        for key in contact_keys {
            self.delete(tenant_pk(tenant), format!("CONTACT#{key}"))
                .await?;
        }
        // The partition's capture records, filtered to this lead: an admin's
        // rare request, one partition, never a Scan.
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND begins_with(sk, :prefix)",
            filter: Some("contains(doc, :lead) OR lead_id = :lead".into()),
            values: HashMap::from([
                (":pk".to_string(), s(tenant_pk(tenant))),
                (":prefix".to_string(), s("C")),
                (":lead".to_string(), s(lead.to_string())),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: 500,
        };
        for item in self.query(q, usize::MAX).await? {
            if let Some(AttributeValue::S(sk)) = item.get("sk")
                && (sk.starts_with("CAPTURE#") || sk.starts_with("CONTACT#"))
            {
                self.delete(tenant_pk(tenant), sk.clone()).await?;
            }
        }
        Ok(())
    }

    async fn get_capture(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> StoreResult<Option<CaptureRecord>> {
        let Some(item) = self
            .get(tenant_pk(tenant), format!("CAPTURE#{key}"))
            .await?
        else {
            return Ok(None);
        };
        if expires(&item).is_some_and(|e| e <= norvalt_core::time::now()) {
            return Ok(None);
        }
        match item.get("doc") {
            Some(AttributeValue::S(doc)) => serde_json::from_str(doc).map(Some).map_err(backend),
            _ => Err(StoreError::Backend(
                "capture record without a document".into(),
            )),
        }
    }

    async fn get_contact(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> StoreResult<Option<ContactRecord>> {
        let Some(item) = self
            .get(tenant_pk(tenant), format!("CONTACT#{key}"))
            .await?
        else {
            return Ok(None);
        };
        let lead_id = match item.get("lead_id") {
            Some(AttributeValue::S(id)) => id.parse().map_err(backend)?,
            _ => return Err(StoreError::Backend("contact record without a lead".into())),
        };
        let expires_at = expires(&item)
            .ok_or_else(|| StoreError::Backend("contact record without expiry".into()))?;
        Ok(Some(ContactRecord {
            key: key.to_string(),
            lead_id,
            expires_at,
        }))
    }

    async fn commit_capture(&self, tenant: &TenantId, commit: &CaptureCommit) -> StoreResult<()> {
        let pk = tenant_pk(tenant);
        let now = epoch(&commit.now);
        let mut items = Vec::new();

        let capture = HashMap::from([
            ("pk".to_string(), s(pk.clone())),
            (
                "sk".to_string(),
                s(format!("CAPTURE#{}", commit.capture.key)),
            ),
            (
                "doc".to_string(),
                s(serde_json::to_string(&commit.capture).map_err(backend)?),
            ),
            ("expires_at".to_string(), epoch(&commit.capture.expires_at)),
        ]);
        items.push(put(
            &self.table,
            capture,
            "attribute_not_exists(pk) OR expires_at <= :now",
            HashMap::from([(":now".to_string(), now.clone())]),
        )?);

        match &commit.lead {
            Some(LeadWrite::Insert(lead)) => items.push(put(
                &self.table,
                lead_item(tenant, lead)?,
                "attribute_not_exists(pk)",
                HashMap::new(),
            )?),
            Some(LeadWrite::Update(lead)) => items.push(put(
                &self.table,
                lead_item(tenant, lead)?,
                "version = :previous",
                HashMap::from([(":previous".to_string(), n(lead.version - 1))]),
            )?),
            None => {}
        }
        if let Some(message) = &commit.message {
            items.push(put(
                &self.table,
                message_item(tenant, message)?,
                "attribute_not_exists(pk)",
                HashMap::new(),
            )?);
        }
        for claim in &commit.contacts {
            let record = HashMap::from([
                ("pk".to_string(), s(pk.clone())),
                ("sk".to_string(), s(format!("CONTACT#{}", claim.record.key))),
                ("lead_id".to_string(), s(claim.record.lead_id.to_string())),
                ("expires_at".to_string(), epoch(&claim.record.expires_at)),
            ]);
            let mut values = HashMap::from([
                (":now".to_string(), now.clone()),
                (":mine".to_string(), s(claim.record.lead_id.to_string())),
            ]);
            let mut condition =
                String::from("attribute_not_exists(pk) OR expires_at <= :now OR lead_id = :mine");
            if let Some(replaces) = claim.replaces {
                condition.push_str(" OR lead_id = :replaces");
                values.insert(":replaces".to_string(), s(replaces.to_string()));
            }
            items.push(put(&self.table, record, &condition, values)?);
        }

        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_transaction_canceled_exception()))
    }
}
