//! The two ways every service reads and changes one lead: the live lead
//! (a deleted one is not found), and a read-change-write that retries when
//! a concurrent writer won. Below every service that touches leads, so none
//! of them needs another for it.

use chrono::{DateTime, Utc};

use super::MAX_WRITE_ATTEMPTS;
use crate::error::{DomainError, DomainResult, LEAD_NOT_FOUND};
use crate::ids::LeadId;
use crate::model::Lead;
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;

/// Reads the live lead, applies `change`, and writes it back conditionally on
/// the version read; retries when a concurrent writer won, so no update is lost.
pub async fn modify(
    stores: &Stores,
    tenant: &TenantId,
    id: LeadId,
    now: DateTime<Utc>,
    change: impl Fn(&mut Lead) -> DomainResult<()>,
) -> DomainResult<Lead> {
    for _ in 0..MAX_WRITE_ATTEMPTS {
        let mut lead = load_live(stores, tenant, id).await?;
        change(&mut lead)?;
        lead.version += 1;
        lead.updated_at = now;
        match stores.leads.update_lead(tenant, &lead).await {
            Ok(()) => return Ok(lead),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict {
        code: "write_conflict",
        message: "The lead is being changed by others; try again".into(),
    })
}

pub async fn load_live(stores: &Stores, tenant: &TenantId, id: LeadId) -> DomainResult<Lead> {
    match stores.leads.get_lead(tenant, id).await? {
        Some(lead) if !lead.is_deleted() => Ok(lead),
        _ => Err(LEAD_NOT_FOUND),
    }
}
