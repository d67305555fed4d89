//! Notices to the sales team (a new lead, a customer's answer, an
//! assignment, a rule's notify step): each recipient gets each notice once.

use chrono::{DateTime, Utc};

use crate::jobs::{JobError, LeadEvent, NoticeJob};
use crate::outbound::{ClaimRecord, ClaimState, claims};
use crate::service::notify::{Notice, compose, recipients};
use crate::tenancy::TenantId;

use super::*;

impl Sender {
    /// One notice to each team member who should get it, each once.
    pub(super) async fn notify(
        &self,
        tenant: &TenantId,
        notice_key: &str,
        n: &NoticeJob,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let Some(lead) = self.stores.leads.get_lead(tenant, n.lead_id).await? else {
            return Ok(());
        };
        let Some(dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(());
        };
        let users = self.stores.users.list_users(tenant).await?;
        let reply_text = match &n.event {
            LeadEvent::CustomerReply { message_id } => self
                .stores
                .conversations
                .get_message(tenant, lead.id, *message_id)
                .await?
                .map(|m| m.message_content),
            _ => None,
        };
        let appointment = match &n.event {
            LeadEvent::Appointment { appointment_id, .. } => {
                self.stores
                    .appointments
                    .get_appointment(tenant, *appointment_id)
                    .await?
            }
            _ => None,
        };
        let notice = Notice {
            dealership: &dealership,
            lead: &lead,
            event: &n.event,
            reply_text: reply_text.as_deref(),
            appointment: appointment.as_ref(),
        };
        let mut retry = None;
        for to in recipients(&lead, &dealership, &users, &n.event) {
            let key = format!("{notice_key}:{to}");
            let mine = ClaimRecord::new(&key, lead.id.to_string(), now);
            let ours = match self.stores.claims.claim(tenant, &mine).await? {
                None => true,
                Some(c) if c.state != ClaimState::Claimed || !c.expired(now) => false,
                // A notice is not worth a person's time: after a crash it
                // may go twice rather than not at all.
                Some(stale) => matches!(
                    claims::take_over(&self.stores, tenant, &stale, now).await,
                    Ok(Some(_))
                ),
            };
            if !ours {
                continue;
            }
            let email = compose(
                &notice,
                &to,
                &key,
                &self.config.dashboard_url,
                &self.config.mail_domain,
                now,
            );
            match self.mailer.send_email(&email).await {
                Ok(r) => {
                    self.close_claim(tenant, &mine, now, ClaimState::Done, &r.provider_id, now)
                        .await?;
                }
                Err(e) => {
                    self.stores.claims.release_claim(tenant, &key, now).await?;
                    retry = Some(e.to_string());
                }
            }
        }
        match retry {
            Some(reason) => Err(JobError::Retry(reason)),
            None => Ok(()),
        }
    }
}
