//! The platform's shared SMS number. Dealerships without a number of their
//! own text customers from it, so an answer or a STOPP sent to it does not
//! say which dealership it is for. Each dealership records, in its own
//! partition, when it last texted a customer from the shared number
//! (`shared-sms:<sha256 of the number>`, no number in clear); an answer goes
//! to the dealership that texted that customer last, and a STOPP is
//! honoured by every dealership that texted them.
//!
//! Finding them reads one record per dealership in the registry: cheap at
//! hundreds of dealerships, and only for texts to the shared number.

use chrono::{DateTime, Utc};

use crate::ports::{StoreResult, Stores};
use crate::tenancy::TenantId;

fn key(customer: &str) -> String {
    format!("shared-sms:{}", super::claims::address_digest(customer))
}

/// Records that `tenant` texted `customer` from the shared number at `now`.
pub async fn record_sent(
    stores: &Stores,
    tenant: &TenantId,
    customer: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    super::claims::stamp(stores, tenant, &key(customer), "shared_sms", now).await
}

/// Every dealership that texted `customer` from the shared number, the one
/// that did so last first.
pub async fn dealerships_that_texted(
    stores: &Stores,
    customer: &str,
) -> StoreResult<Vec<TenantId>> {
    let key = key(customer);
    let mut found = Vec::new();
    for id in stores.dealerships.list_dealership_ids().await? {
        // A registry walk on the platform's behalf: the tenant is the record's.
        let tenant = TenantId::mint(id);
        if let Some(record) = stores.claims.get_claim(&tenant, &key).await? {
            found.push((record.updated_at, tenant));
        }
    }
    found.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    Ok(found.into_iter().map(|(_, t)| t).collect())
}
