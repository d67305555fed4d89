//! Texts to the dealership's number: STOPP and START (Norwegian opt-out
//! keywords Twilio does not handle), answers from a customer we texted,
//! and new inquiries by SMS.

use chrono::{DateTime, Utc};

use super::classify::{Classified, CustomerReply};
use super::{Intake, retry};
use crate::capture::{ContactKey, LeadCandidate};
use crate::ids::LeadId;
use crate::jobs::{self, JobError};
use crate::model::{Channel, Direction, Message, SenderType};
use crate::outbound::shared_sms;
use crate::tenancy::TenantId;

impl Intake {
    /// An inbound SMS: an opt-out or opt-in keyword, an answer on the lead
    /// the number belongs to, or a new lead.
    pub(super) async fn sms(
        &self,
        tenant: &TenantId,
        m: &crate::capture::SmsCapture,
        now: DateTime<Utc>,
    ) -> Result<Classified, JobError> {
        use crate::outbound::suppression;
        let Ok(from) = crate::validation::phone("from", &m.from) else {
            return Ok(Classified::Skip(format!(
                "SMS from an unusable number {}",
                m.from
            )));
        };
        let existing = self.live_lead_of(tenant, &from, now).await?;
        match crate::outbound::sms::keyword(&m.body) {
            Some(crate::outbound::sms::Keyword::Stop) => {
                // A STOPP to the shared number stops every dealership that
                // texted this customer from it; one confirmation is enough.
                let mut stopping = vec![*tenant];
                if self.is_shared_number(&m.to) {
                    stopping.extend(
                        shared_sms::dealerships_that_texted(&self.stores, &from)
                            .await
                            .map_err(retry)?
                            .into_iter()
                            .filter(|t| t != tenant),
                    );
                }
                let mut newly = false;
                for t in &stopping {
                    let first_time = suppression::suppress_new(
                        &self.stores,
                        t,
                        Channel::Sms,
                        &from,
                        "sms_stop",
                        now,
                    )
                    .await
                    .map_err(retry)?;
                    newly |= t == tenant && first_time;
                }
                if newly && let Some(lead) = existing {
                    self.confirm_opt_out(tenant, lead, now).await?;
                }
                return Ok(Classified::Skip("opted out of SMS".into()));
            }
            Some(crate::outbound::sms::Keyword::Start) => {
                suppression::lift(&self.stores, tenant, Channel::Sms, &from)
                    .await
                    .map_err(retry)?;
                return Ok(Classified::Skip("opted back in to SMS".into()));
            }
            None => {}
        }
        let metadata = serde_json::json!({"message_sid": m.message_sid, "to": m.to});
        Ok(match existing {
            Some(lead_id) => Classified::Reply(CustomerReply {
                lead_id,
                channel: Channel::Sms,
                text: m.body.clone(),
                metadata,
            }),
            None => {
                let mut c = LeadCandidate::default();
                c.offer_phone(&from);
                c.offer_message(&m.body);
                c.note("message_sid", &m.message_sid);
                Classified::Lead(c)
            }
        })
    }

    pub(super) fn is_shared_number(&self, to: &str) -> bool {
        self.config
            .shared_sms_number
            .as_deref()
            .is_some_and(|shared| crate::phone::parse(to).as_deref() == Some(shared))
    }

    /// The live lead a phone number belongs to in this dealership.
    async fn live_lead_of(
        &self,
        tenant: &TenantId,
        phone: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<LeadId>, JobError> {
        let key = ContactKey::Phone(phone.to_string()).as_key();
        let Some(contact) = self
            .stores
            .captures
            .get_contact(tenant, &key)
            .await
            .map_err(retry)?
        else {
            return Ok(None);
        };
        if contact.expires_at <= now {
            return Ok(None);
        }
        let lead = self
            .stores
            .leads
            .get_lead(tenant, contact.lead_id)
            .await
            .map_err(retry)?;
        Ok(lead.filter(|l| !l.is_deleted()).map(|l| l.id))
    }

    /// One SMS confirming the opt-out, on the lead's conversation; it is
    /// the one message the suppression lets through.
    async fn confirm_opt_out(
        &self,
        tenant: &TenantId,
        lead_id: LeadId,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let name = self
            .stores
            .dealerships
            .get_dealership(tenant)
            .await
            .map_err(retry)?
            .map(|d| d.name)
            .unwrap_or_default();
        let message = Message {
            id: crate::ids::MessageId::new_at(now),
            lead_id,
            dealership_id: tenant.dealership_id(),
            channel: Channel::Sms,
            direction: Direction::Outbound,
            sender: name.clone(),
            sender_type: SenderType::System,
            message_content: format!(
                "Du er nå meldt av SMS fra {name}. Send START for å melde deg på igjen."
            ),
            metadata: serde_json::json!({"kind": crate::outbound::sms::OPT_OUT_CONFIRMATION}),
            created_at: now,
        };
        self.stores
            .conversations
            .insert_message(tenant, &message)
            .await
            .map_err(retry)?;
        jobs::send_message(
            self.queue.as_ref(),
            tenant.dealership_id(),
            lead_id,
            message.id,
            "sms-opt-out",
            now,
        )
        .await?;
        Ok(())
    }
}
