//! Which webhook events a changed lead owes: `lead.created` the first time
//! the scan sees it, `lead.updated` for each version seen after that, and
//! `message.created`, `appointment.booked` and `appointment.changed` for
//! what was written since the scan's window began. Each event's key names
//! what it is about, so finding it again (the scan's overlap) sends nothing
//! twice.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use crate::integrations::webhooks::{WebhookEvent, WebhookEventType};
use crate::model::{Appointment, Lead};
use crate::outbound::claims::{ClaimRecord, ClaimState};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;

/// An event found for the lead, before it goes to each endpoint.
pub(super) struct FoundEvent {
    pub key: String,
    pub subject_id: String,
    pub event: WebhookEvent,
}

/// The record of the last lead version the scan sent events for.
fn seen_key(lead: &Lead) -> String {
    format!("whlead:{}", lead.id)
}

/// A record as an event's `data`.
pub(super) fn json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).expect("a record serialises")
}

/// Whether any of `wanted` is an appointment's event (the caller then
/// reads the lead's appointments).
pub(super) fn wants_appointments(wanted: &BTreeSet<WebhookEventType>) -> bool {
    wanted.contains(&WebhookEventType::AppointmentBooked)
        || wanted.contains(&WebhookEventType::AppointmentChanged)
}

/// The events `lead` owes the event types in `wanted`; `written` when the
/// lead itself was written since `since` (not only its conversation or
/// appointments). `appointments` are the lead's, read by the caller when
/// [`wants_appointments`].
pub(super) async fn events_of(
    stores: &Stores,
    tenant: &TenantId,
    lead: &Lead,
    written: bool,
    since: DateTime<Utc>,
    wanted: &BTreeSet<WebhookEventType>,
    appointments: &[Appointment],
) -> Result<Vec<FoundEvent>, StoreError> {
    let mut found = Vec::new();
    if written {
        let seen = stores.claims.get_claim(tenant, &seen_key(lead)).await?;
        let seen_version = seen.and_then(|c| c.value.parse::<u64>().ok());
        // A lead first seen that came in before the window is not new: it
        // changed (webhooks were set up after it came in, or its record
        // lapsed after 90 quiet days).
        let created = seen_version.is_none() && lead.created_at >= since;
        let owed = seen_version.is_none_or(|v| v < lead.version);
        let (kind, key, timestamp) = if created {
            (
                WebhookEventType::LeadCreated,
                format!("lead.created:{}", lead.id),
                lead.created_at,
            )
        } else {
            (
                WebhookEventType::LeadUpdated,
                format!("lead.updated:{}:{}", lead.id, lead.version),
                lead.updated_at,
            )
        };
        if owed && wanted.contains(&kind) {
            found.push(FoundEvent {
                key,
                subject_id: lead.id.to_string(),
                event: WebhookEvent {
                    event_type: kind,
                    timestamp,
                    data: json(lead),
                },
            });
        }
    }
    if wanted.contains(&WebhookEventType::MessageCreated) {
        for message in stores.conversations.all_messages(tenant, lead.id).await? {
            if message.created_at >= since {
                found.push(FoundEvent {
                    key: format!("message.created:{}", message.id),
                    subject_id: message.id.to_string(),
                    event: WebhookEvent {
                        event_type: WebhookEventType::MessageCreated,
                        timestamp: message.created_at,
                        data: json(&message),
                    },
                });
            }
        }
    }
    if wants_appointments(wanted) {
        for a in appointments {
            if a.updated_at < since {
                continue;
            }
            let (kind, key) = if a.version <= 1 {
                (
                    WebhookEventType::AppointmentBooked,
                    format!("appointment.booked:{}", a.id),
                )
            } else {
                (
                    WebhookEventType::AppointmentChanged,
                    format!("appointment.changed:{}:{}", a.id, a.version),
                )
            };
            if wanted.contains(&kind) {
                found.push(FoundEvent {
                    key,
                    subject_id: a.id.to_string(),
                    event: WebhookEvent {
                        event_type: kind,
                        timestamp: a.updated_at,
                        data: json(&a),
                    },
                });
            }
        }
    }
    Ok(found)
}

/// Records that the scan sent events for the lead up to its version.
pub(super) async fn mark_seen(
    stores: &Stores,
    tenant: &TenantId,
    lead: &Lead,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut record = ClaimRecord::new(seen_key(lead), lead.version.to_string(), now);
    record.state = ClaimState::Done;
    if let Some(existing) = stores.claims.claim(tenant, &record).await? {
        if existing
            .value
            .parse::<u64>()
            .is_ok_and(|v| v >= lead.version)
        {
            return Ok(());
        }
        record.claimed_at = existing.claimed_at;
        stores
            .claims
            .update_claim(tenant, &record, existing.claimed_at)
            .await?;
    }
    Ok(())
}
