//! `POST /api/gdpr/erase`: each of the person's leads anonymised in place,
//! messages blanked, records and copies deleted, one hashed suppression
//! left per address.

use chrono::{DateTime, Utc};

use crate::audit::AuditEntry;
use crate::automation::StopReason;
use crate::capture::dedup::ContactKey;
use crate::capture::sources::RawMailStore;
use crate::error::DomainResult;
use crate::ids::LeadId;
use crate::model::{Channel, Direction, Message, SenderType};
use crate::outbound::suppression;
use crate::permissions::{Actor, Permission};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;

use super::*;

/// `POST /api/gdpr/erase` (admin).
pub async fn erase(
    stores: &Stores,
    mail: &dyn RawMailStore,
    copies: &dyn PersonalCopies,
    actor: &Actor,
    subject: Subject,
    now: DateTime<Utc>,
) -> DomainResult<Erasure> {
    actor.require(Permission::ManageDealership)?;
    let tenant = &actor.tenant;
    let found = find(stores, tenant, &subject).await?;
    let mut report = Erasure::default();
    let mut refs = ErasureRefs {
        dealership_id: Some(tenant.dealership_id()),
        ..ErasureRefs::default()
    };
    refs.identifiers
        .extend(found.email.iter().chain(found.phone.iter()).cloned());
    for lead in &found.leads {
        refs.lead_ids.push(lead.id);
        refs.identifiers.extend(
            [
                &lead.customer_name,
                &lead.customer_email,
                &lead.customer_phone,
            ]
            .into_iter()
            .flatten()
            .cloned(),
        );
        let mut raw_mails: Vec<String> = lead.source_metadata["raw_mail"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect();
        let messages = stores.conversations.all_messages(tenant, lead.id).await?;
        for m in messages {
            if let Some(key) = m.metadata["raw_mail"].as_str() {
                raw_mails.push(key.to_string());
            }
            if m.direction == Direction::Outbound {
                refs.send_keys.push(format!("send:{}", m.id));
            }
            stores
                .conversations
                .update_message(tenant, &blank(m))
                .await?;
            report.messages += 1;
        }
        raw_mails.sort();
        raw_mails.dedup();
        for key in raw_mails {
            mail.delete_mail(&key).await.map_err(StoreError::from)?;
            report.raw_mails += 1;
        }
        for mut f in stores
            .follow_ups
            .list_lead_follow_ups(tenant, lead.id)
            .await?
        {
            if !f.is_over() {
                f.stop(StopReason::LeadDeleted, now);
                match stores.follow_ups.update_follow_up(tenant, &f).await {
                    Ok(()) | Err(StoreError::Conflict) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let contact_keys: Vec<String> = ContactKey::of_contact(
            lead.customer_email.as_deref(),
            lead.customer_phone.as_deref(),
        )
        .iter()
        .map(ContactKey::as_key)
        .collect();
        stores
            .captures
            .forget_lead(tenant, lead.id, &contact_keys)
            .await?;
        anonymise(stores, tenant, lead.id, now).await?;
        report.leads += 1;
    }
    // One hashed record per address, so the person is not contacted again,
    // and one marker, so that nothing received before now brings them back.
    for (channel, address) in [(Channel::Email, &found.email), (Channel::Sms, &found.phone)] {
        if let Some(a) = address {
            suppression::forget_legacy(stores, tenant, channel, a).await?;
            suppression::suppress(stores, tenant, channel, a, "erased", now).await?;
            mark_erased(stores, tenant, a, now).await?;
        }
    }
    refs.identifiers.sort();
    refs.identifiers.dedup();
    copies.erase(&refs).await.map_err(StoreError::Backend)?;
    crate::service::account::audit(
        stores,
        actor,
        AuditEntry::new(
            actor,
            "gdpr.erased",
            None,
            serde_json::json!({
                "leads": report.leads,
                "messages": report.messages,
                "raw_mails": report.raw_mails,
            }),
            now,
        ),
    )
    .await?;
    Ok(report)
}

/// The message with its words and any personal metadata gone; what the
/// counts need (who sent it, when, model use) stays.
fn blank(mut m: Message) -> Message {
    const KEEP: [&str; 9] = [
        "prompt_version",
        "model",
        "fallback",
        "input_tokens",
        "output_tokens",
        "latency_ms",
        "automation",
        "author_user_id",
        "kind",
    ];
    let kept: serde_json::Map<String, serde_json::Value> = m
        .metadata
        .as_object()
        .map(|o| {
            o.iter()
                .filter(|(k, _)| KEEP.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    m.metadata = serde_json::Value::Object(kept);
    m.message_content = ERASED.into();
    if m.sender_type == SenderType::Customer {
        m.sender = "Kunde".into();
    }
    m
}

async fn anonymise(
    stores: &Stores,
    tenant: &TenantId,
    id: LeadId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for _ in 0..crate::service::MAX_WRITE_ATTEMPTS {
        let Some(mut lead) = stores.leads.get_lead(tenant, id).await? else {
            return Ok(());
        };
        lead.customer_name = None;
        lead.customer_email = None;
        lead.customer_phone = None;
        lead.initial_message = None;
        lead.source_url = None;
        lead.source_metadata = serde_json::json!({});
        lead.analysis = None;
        // The AI's summary and draft quote the customer.
        lead.handover = None;
        lead.ai_draft = None;
        lead.erased_at = Some(now);
        lead.updated_at = now;
        lead.version += 1;
        match stores.leads.update_lead(tenant, &lead).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}
