//! The reminder the day before an appointment, sent exactly once: on the
//! follow-ups schedule, each booked appointment that starts within a day —
//! and was booked (or last moved) more than a day ahead, so a booking for
//! tomorrow is not reminded right after its confirmation — gets one
//! message. A claim per appointment and sequence fixes the message's id and
//! marks it done once queued; a moved appointment is reminded anew.

use chrono::{DateTime, Duration, Utc};

use super::confirm::confirmation_channel;
use crate::ai::opening::oslo_text;
use crate::ids::MessageId;
use crate::jobs::{self, JobError};
use crate::model::{
    Appointment, AppointmentStatus, Dealership, Direction, Lead, Message, SenderType,
};
use crate::outbound::links::BookingLinks;
use crate::outbound::{ClaimRecord, ClaimState};
use crate::ports::{StoreError, Stores};
use crate::queue::Queue;
use crate::tenancy::TenantId;

/// How long before its start an appointment is reminded.
pub const REMIND_BEFORE: Duration = Duration::hours(24);

pub struct Reminders {
    pub stores: Stores,
    pub queue: std::sync::Arc<dyn Queue>,
    pub links: BookingLinks,
}

/// What a customer reads the day before.
pub fn reminder_text(
    dealership: &Dealership,
    lead: &Lead,
    a: &Appointment,
    link: Option<&str>,
) -> String {
    let hello = lead.hello();
    let place = dealership
        .address
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let manage = link
        .map(|l| format!(" Må du endre eller avbestille: {l}"))
        .unwrap_or_default();
    format!(
        "{hello} En påminnelse om {} {} hos {}{place}. Vi gleder oss til å se deg!{manage}",
        a.kind.label().to_lowercase(),
        oslo_text(a.start),
        dealership.name
    )
}

/// Whether `a` is due a reminder at `now`.
pub fn due(a: &Appointment, now: DateTime<Utc>) -> bool {
    a.status == AppointmentStatus::Booked
        && a.start > now
        && a.start - now <= REMIND_BEFORE
        && a.start - a.updated_at > REMIND_BEFORE
}

impl Reminders {
    /// Sends every reminder that is due; the number sent.
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<usize, JobError> {
        let mut sent = 0;
        for id in self.stores.dealerships.list_dealership_ids().await? {
            // The registry of dealerships is ours: each id is a tenant.
            let tenant = TenantId::mint(id);
            let Some(dealership) = self.stores.dealerships.get_dealership(&tenant).await? else {
                continue;
            };
            let upcoming = self
                .stores
                .appointments
                .appointments_between(&tenant, now, now + REMIND_BEFORE)
                .await?;
            for a in upcoming.iter().filter(|a| due(a, now)) {
                if self.remind(&tenant, &dealership, a, now).await? {
                    sent += 1;
                }
            }
        }
        Ok(sent)
    }

    async fn remind(
        &self,
        tenant: &TenantId,
        dealership: &Dealership,
        a: &Appointment,
        now: DateTime<Utc>,
    ) -> Result<bool, JobError> {
        let key = format!("reminder:{}:{}", a.id, a.sequence);
        let mine = ClaimRecord::new(&key, MessageId::new_at(now).to_string(), now);
        let claim = match self.stores.claims.claim(tenant, &mine).await? {
            None => mine,
            Some(done) if done.state == ClaimState::Done => return Ok(false),
            // An earlier run stopped half-way: finish it under its id.
            Some(earlier) => earlier,
        };
        let Some(lead) = self.stores.leads.get_lead(tenant, a.lead_id).await? else {
            return Ok(false);
        };
        let channel = confirmation_channel(&lead, dealership);
        if let (Some(channel), false) = (channel, lead.is_deleted()) {
            let link = self.links.for_lead(dealership.id, lead.id);
            let message = Message {
                id: claim.message_id()?,
                lead_id: lead.id,
                dealership_id: tenant.dealership_id(),
                channel,
                direction: Direction::Outbound,
                sender: dealership.name.clone(),
                sender_type: SenderType::System,
                message_content: reminder_text(dealership, &lead, a, link.as_deref()),
                metadata: serde_json::json!({
                    "appointment": {"id": a.id, "sequence": a.sequence, "reminder": true},
                    "subject": format!("Påminnelse: {} {}", a.kind.label(), oslo_text(a.start)),
                }),
                created_at: now,
            };
            match self
                .stores
                .conversations
                .insert_message(tenant, &message)
                .await
            {
                Ok(()) | Err(StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
            jobs::send_message(
                self.queue.as_ref(),
                tenant.dealership_id(),
                lead.id,
                message.id,
                &format!("reminder:{}", a.id),
                now,
            )
            .await?;
        }
        crate::outbound::claims::mark_done(&self.stores, tenant, &claim, now).await?;
        Ok(true)
    }
}
