//! `GET /api/gdpr/export`: everything held about one person, as one
//! document: their leads, messages and notes, sends, follow-ups, opt-outs.

use chrono::{DateTime, Utc};

use crate::audit::AuditEntry;
use crate::error::{DEALERSHIP_NOT_FOUND, DomainResult};
use crate::ids::MessageId;
use crate::model::{Channel, Direction};
use crate::outbound::{ClaimRecord, suppression};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;

use super::*;

/// `GET /api/gdpr/export` (admin).
pub async fn export(
    stores: &Stores,
    actor: &Actor,
    subject: Subject,
    now: DateTime<Utc>,
) -> DomainResult<Export> {
    actor.require(Permission::ManageDealership)?;
    let tenant = &actor.tenant;
    let dealership = stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    let found = find(stores, tenant, &subject).await?;
    let mut leads = Vec::new();
    for lead in found.leads {
        let messages = stores.conversations.all_messages(tenant, lead.id).await?;
        let mut sends = Vec::new();
        for m in messages
            .iter()
            .filter(|m| m.direction == Direction::Outbound)
        {
            if let Some(claim) = stores
                .claims
                .get_claim(tenant, &format!("send:{}", m.id))
                .await?
            {
                sends.push(send_record(m.id, &claim));
            }
        }
        let follow_ups = stores
            .follow_ups
            .list_lead_follow_ups(tenant, lead.id)
            .await?;
        leads.push(LeadRecord {
            lead,
            messages,
            sends,
            follow_ups,
        });
    }
    let mut opt_outs = Vec::new();
    for (channel, address) in [(Channel::Email, &found.email), (Channel::Sms, &found.phone)] {
        if let Some(a) = address
            && suppression::is_suppressed(stores, tenant, channel, a).await?
        {
            opt_outs.push(channel);
        }
    }
    crate::service::account::audit(
        stores,
        actor,
        AuditEntry::new(
            actor,
            "gdpr.exported",
            None,
            serde_json::json!({ "leads": leads.len() }),
            now,
        ),
    )
    .await?;
    Ok(Export {
        exported_at: now,
        dealership: dealership.name,
        email: found.email,
        phone: found.phone,
        leads,
        opt_outs,
    })
}

fn send_record(message_id: MessageId, claim: &ClaimRecord) -> SendRecord {
    SendRecord {
        message_id,
        state: format!("{:?}", claim.state).to_lowercase(),
        at: claim.updated_at,
        detail: claim.detail.clone(),
    }
}
