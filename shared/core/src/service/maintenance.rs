//! One-off repairs of stored data after a release tightens a rule, run by an
//! operator (`norvalt maintenance`, on either backend). Each is idempotent:
//! a second run finds nothing to do.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::model::{Lead, LeadQuery};
use crate::ports::{StoreError, StoreResult, Stores};
use crate::tenancy::TenantId;
use crate::validation;

const PAGE: usize = 100;

#[derive(Debug, Default, Serialize)]
pub struct AddressReport {
    pub leads_checked: usize,
    pub emails_quarantined: usize,
}

/// Stored customer emails that are not a bare addr-spec (display text,
/// header breaks, lists: what the stricter check now refuses at capture)
/// are taken off the lead and kept under `unparsed_email`, so no reply is
/// ever addressed to them and the rep still sees what the customer wrote.
pub async fn quarantine_unsafe_emails(
    stores: &Stores,
    now: DateTime<Utc>,
) -> StoreResult<AddressReport> {
    let mut report = AddressReport::default();
    let query = LeadQuery {
        include_deleted: true,
        ..LeadQuery::default()
    };
    for id in stores.dealerships.list_dealership_ids().await? {
        let tenant = TenantId::mint(id);
        let mut after = None;
        loop {
            let page = stores
                .leads
                .list_leads(&tenant, &query, after, PAGE)
                .await?;
            for lead in &page {
                report.leads_checked += 1;
                if quarantine(stores, &tenant, lead.clone(), now).await? {
                    report.emails_quarantined += 1;
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = Some(last.id),
                _ => break,
            }
        }
    }
    Ok(report)
}

/// `true` when the lead's email was unsafe and is now set aside.
async fn quarantine(
    stores: &Stores,
    tenant: &TenantId,
    mut lead: Lead,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    for _ in 0..super::MAX_WRITE_ATTEMPTS {
        let Some(email) = lead.customer_email.clone() else {
            return Ok(false);
        };
        if validation::email("email", &email).is_ok() {
            return Ok(false);
        }
        if !lead.source_metadata.is_object() {
            lead.source_metadata = json!({});
        }
        lead.source_metadata["unparsed_email"] = Value::String(email);
        lead.customer_email = None;
        lead.updated_at = now;
        lead.version += 1;
        match stores.leads.update_lead(tenant, &lead).await {
            Ok(()) => return Ok(true),
            Err(StoreError::Conflict) => match stores.leads.get_lead(tenant, lead.id).await? {
                Some(fresh) => lead = fresh,
                None => return Ok(false),
            },
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}
