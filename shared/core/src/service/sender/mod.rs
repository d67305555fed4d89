//! `sender` (send queue): delivers one stored outbound message by email or
//! SMS, exactly once. The send key is claimed before the provider is called
//! and marked done after; see [`crate::outbound::claims`] for what happens
//! to a claim whose holder crashed.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::config::{self, ConfigError, Env};
use crate::jobs::{Delivery, Envelope, JobError, JobHandler, MessageJob, SendJob};
use crate::metrics::Metric;
use crate::model::{Channel, Lead, LeadStatus, Message};
use crate::outbound::shared_sms;
use crate::outbound::sms::segments;
use crate::outbound::{
    ClaimRecord, ClaimState, Mailer, OutboundSms, Receipt, SendError, SmsSender, claims,
    suppression,
};
use crate::ports::{StoreError, Stores};
use crate::service::MAX_WRITE_ATTEMPTS;
use crate::tenancy::TenantId;

mod compose;
mod notices;

#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Where unsubscribe links point (`NORVALT_PUBLIC_URL`).
    pub public_url: String,
    /// The verified sending domain; dealership subdomains receive replies
    /// (`NORVALT_MAIL_DOMAIN`).
    pub mail_domain: String,
    /// Signs unsubscribe links and reply addresses (`NORVALT_LINK_KEY`).
    pub link_key: Vec<u8>,
    /// Where notices link to (`NORVALT_DASHBOARD_URL`).
    pub dashboard_url: String,
    /// What one SMS segment costs under the platform's SMS contract
    /// (`NORVALT_SMS_SEGMENT_PRICE_NOK`); `None`: segments are counted, cost
    /// is not.
    pub sms_segment_price_nok: Option<f64>,
}

impl SenderConfig {
    /// `NORVALT_PUBLIC_URL`, `NORVALT_DASHBOARD_URL` (both required),
    /// `NORVALT_MAIL_DOMAIN` and `NORVALT_SMS_SEGMENT_PRICE_NOK` (a decimal
    /// comma is fine); the link key comes from the secret store.
    pub fn from_env(env: &Env, link_key: Vec<u8>) -> Result<Self, ConfigError> {
        let price = sms_segment_price(env)?;
        Ok(Self {
            public_url: env.required_url("NORVALT_PUBLIC_URL")?,
            mail_domain: env.required("NORVALT_MAIL_DOMAIN")?,
            link_key,
            dashboard_url: env.required_url("NORVALT_DASHBOARD_URL")?,
            sms_segment_price_nok: price,
        })
    }
}

/// `NORVALT_SMS_SEGMENT_PRICE_NOK` (a decimal comma is fine), when given.
pub fn sms_segment_price(env: &Env) -> Result<Option<f64>, ConfigError> {
    env.optional("NORVALT_SMS_SEGMENT_PRICE_NOK")
        .map(|v| {
            v.replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|p| p.is_finite() && *p >= 0.0)
                .ok_or_else(|| {
                    config::error(
                        "NORVALT_SMS_SEGMENT_PRICE_NOK",
                        &format!("is not a price in NOK ({v:?})"),
                    )
                })
        })
        .transpose()
}

pub struct Sender {
    pub stores: Stores,
    pub mailer: Arc<dyn Mailer>,
    pub sms: Arc<dyn SmsSender>,
    pub config: SenderConfig,
}

/// How one send job ended, for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent(String),
    /// The claim was already done: a repeat delivery.
    AlreadySent,
    /// Unsubscribed, bounced or opted out.
    Suppressed,
    /// The lead or message is gone.
    Nothing,
}

#[async_trait]
impl JobHandler for Sender {
    async fn handle(&self, delivery: &Delivery) -> Result<(), JobError> {
        let envelope = Envelope::<SendJob>::parse(&delivery.body)?;
        // Written only by services that found the tenant by routing or auth.
        let tenant = TenantId::mint(envelope.dealership_id);
        let key = &envelope.idempotency_key;
        let now = crate::time::now();
        match &envelope.job {
            SendJob::Notice(notice) => self.notify(&tenant, key, notice, now).await,
            SendJob::Message(job) => match self.send(&tenant, key, job, now).await {
                Ok(outcome) => {
                    tracing::info!(lead_id = %job.lead_id, outcome = ?outcome, "send job done");
                    Ok(())
                }
                Err(JobError::Dead(reason)) => {
                    Metric::count("JobErrors", 1)
                        .property("dealership_id", tenant.to_string())
                        .emit();
                    Err(JobError::Dead(reason))
                }
                Err(retry) => Err(retry),
            },
        }
    }
}

impl Sender {
    async fn send(
        &self,
        tenant: &TenantId,
        key: &str,
        payload: &MessageJob,
        now: DateTime<Utc>,
    ) -> Result<SendOutcome, JobError> {
        let Some(lead) = self.stores.leads.get_lead(tenant, payload.lead_id).await? else {
            return Ok(SendOutcome::Nothing);
        };
        if lead.is_deleted() {
            return Ok(SendOutcome::Nothing);
        }
        let message = self
            .stores
            .conversations
            .get_message(tenant, lead.id, payload.message_id)
            .await?;
        let Some(message) = message else {
            return Err(JobError::Retry(format!(
                "message {} is not stored yet",
                payload.message_id
            )));
        };
        let Some(dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(SendOutcome::Nothing);
        };
        let address = match message.channel {
            Channel::Email => lead.customer_email.clone(),
            Channel::Sms => lead.customer_phone.clone(),
            other => {
                return Err(JobError::Dead(format!("cannot send on channel {other:?}")));
            }
        };
        let Some(address) = address else {
            return Err(JobError::Dead(
                "the lead has no address on this channel".into(),
            ));
        };

        let mine = ClaimRecord::new(key, message.id.to_string(), now);
        let claimed_at = match self.stores.claims.claim(tenant, &mine).await? {
            None => mine.claimed_at,
            Some(existing) => match existing.state {
                ClaimState::Done => {
                    // A delivery that sent and then failed to record it.
                    self.mark_answered(tenant, lead.id, existing.updated_at, now)
                        .await?;
                    return Ok(SendOutcome::AlreadySent);
                }
                ClaimState::Failed => return Ok(SendOutcome::Nothing),
                ClaimState::Claimed if !existing.expired(now) => {
                    return Err(JobError::Retry(
                        "another delivery of this send is in progress".into(),
                    ));
                }
                ClaimState::Claimed => {
                    match self
                        .take_over(tenant, &lead, &message, existing, now)
                        .await?
                    {
                        Some(claimed_at) => claimed_at,
                        None => return Ok(SendOutcome::AlreadySent),
                    }
                }
            },
        };
        // Checked after claiming, so an opt-out that lands meanwhile still
        // stops the send.
        let confirms_opt_out =
            message.metadata["kind"] == crate::outbound::sms::OPT_OUT_CONFIRMATION;
        if !confirms_opt_out
            && suppression::is_suppressed(&self.stores, tenant, message.channel, &address).await?
        {
            self.close_claim(
                tenant,
                &mine,
                claimed_at,
                ClaimState::Failed,
                "suppressed",
                now,
            )
            .await?;
            return Ok(SendOutcome::Suppressed);
        }
        let result = match message.channel {
            Channel::Sms => {
                let sms = OutboundSms {
                    send_key: key.to_owned(),
                    to: address.clone(),
                    from: dealership.reply.sms_number.clone(),
                    body: message.message_content.clone(),
                };
                let (_, count) = segments(&sms.body);
                let sent = self.sms.send_sms(&sms).await;
                if sent.is_ok() && sms.from.is_none() {
                    // From the shared number: its answers and STOPPs are
                    // routed by who texted this customer.
                    // Never an error here: the SMS is out, and a retry must
                    // not risk a second one.
                    if let Err(e) =
                        shared_sms::record_sent(&self.stores, tenant, &address, now).await
                    {
                        tracing::warn!(error = %e, "could not record a shared-number SMS");
                    }
                }
                if sent.is_ok() {
                    Metric::count("SmsSegments", count)
                        .property("dealership_id", tenant.to_string())
                        .emit();
                    if let Some(price) = self.config.sms_segment_price_nok {
                        Metric::new(
                            "SmsCostNok",
                            price * count as f64,
                            crate::metrics::Unit::Count,
                        )
                        .property("dealership_id", tenant.to_string())
                        .emit();
                    }
                }
                // What the send cost goes on the claim record.
                let cost = self
                    .config
                    .sms_segment_price_nok
                    .map(|p| format!(" cost_nok={:.2}", p * count as f64))
                    .unwrap_or_default();
                sent.map(|r| (r, format!(" segments={count}{cost}")))
            }
            _ => {
                let email = self.compose_email(&dealership, &lead, &message, &address, key, now);
                self.mailer
                    .send_email(&email)
                    .await
                    .map(|r| (r, String::new()))
            }
        };
        match result {
            Ok((Receipt { provider_id }, cost)) => {
                let detail = format!("{provider_id}{cost}");
                self.close_claim(tenant, &mine, claimed_at, ClaimState::Done, &detail, now)
                    .await?;
                self.mark_answered(tenant, lead.id, now, now).await?;
                Metric::count("Sends", 1)
                    .dimension("Channel", channel_name(message.channel))
                    .property("dealership_id", tenant.to_string())
                    .emit();
                Metric::new(
                    "CaptureToFirstResponse",
                    (now - lead.created_at).num_milliseconds() as f64 / 1000.0,
                    crate::metrics::Unit::Seconds,
                )
                .property("dealership_id", tenant.to_string())
                .emit();
                Ok(SendOutcome::Sent(provider_id))
            }
            Err(SendError::Transient(reason)) => {
                self.stores
                    .claims
                    .release_claim(tenant, key, claimed_at)
                    .await?;
                Err(JobError::Retry(reason))
            }
            Err(SendError::Permanent(reason)) => {
                self.close_claim(tenant, &mine, claimed_at, ClaimState::Failed, &reason, now)
                    .await?;
                Err(JobError::Dead(format!("provider refused: {reason}")))
            }
        }
    }

    /// A claim whose holder stopped without finishing. Sending again is only
    /// safe when the provider can say the first attempt did not go out.
    /// `Ok(Some(t))`: the claim is ours now (claimed at `t`); `Ok(None)`: it
    /// had gone out, and that is recorded now.
    async fn take_over(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        message: &Message,
        stale: ClaimRecord,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, JobError> {
        let sent = match message.channel {
            Channel::Sms => self.sms.was_sent(&stale.key).await,
            _ => self.mailer.was_sent(&stale.key).await,
        };
        match sent {
            Some(true) => {
                self.close_claim(
                    tenant,
                    &stale,
                    stale.claimed_at,
                    ClaimState::Done,
                    "confirmed after a crash",
                    now,
                )
                .await?;
                self.mark_answered(tenant, lead.id, now, now).await?;
                Ok(None)
            }
            Some(false) => match claims::take_over(&self.stores, tenant, &stale, now).await? {
                Some(taken) => Ok(Some(taken.claimed_at)),
                None => Err(JobError::Retry(
                    "another delivery took the stale claim".into(),
                )),
            },
            None => {
                Metric::count("SendClaimsUnresolved", 1)
                    .property("dealership_id", tenant.to_string())
                    .emit();
                Err(JobError::Dead(format!(
                    "send {} was claimed at {} and never confirmed, and the provider cannot tell \
                     whether it went out: check the provider's log before redriving",
                    stale.key, stale.claimed_at
                )))
            }
        }
    }

    async fn close_claim(
        &self,
        tenant: &TenantId,
        claim: &ClaimRecord,
        claimed_at: DateTime<Utc>,
        state: ClaimState,
        detail: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut record = claim.clone();
        record.claimed_at = claimed_at;
        record.state = state;
        record.detail = Some(detail.to_string());
        record.updated_at = now;
        self.stores
            .claims
            .update_claim(tenant, &record, claimed_at)
            .await
    }

    /// `first_response_at`, `last_contact_at` and `contacted` for a message
    /// that went out at `sent_at`; then the follow-up rules that count from
    /// our last message (or from `contacted`) are set off. Repeatable.
    async fn mark_answered(
        &self,
        tenant: &TenantId,
        lead_id: crate::ids::LeadId,
        sent_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for _ in 0..MAX_WRITE_ATTEMPTS {
            let Some(mut lead) = self.stores.leads.get_lead(tenant, lead_id).await? else {
                return Ok(());
            };
            let entered_contacted = lead.status == LeadStatus::New;
            let recorded = lead.first_response_at.is_some()
                && lead.last_contact_at.is_some_and(|t| t >= sent_at)
                && !entered_contacted;
            if !recorded {
                lead.first_response_at.get_or_insert(sent_at);
                lead.last_contact_at =
                    Some(lead.last_contact_at.map_or(sent_at, |t| t.max(sent_at)));
                if entered_contacted {
                    lead.status = LeadStatus::Contacted;
                }
                lead.version += 1;
                lead.updated_at = now;
                match self.stores.leads.update_lead(tenant, &lead).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict) => continue,
                    Err(e) => return Err(e),
                }
            }
            use crate::service::automation::triggers::{Event, fire};
            fire(&self.stores, tenant, &lead, Event::Outbound, sent_at, now).await?;
            if entered_contacted {
                fire(&self.stores, tenant, &lead, Event::StatusEntered, now, now).await?;
            }
            return Ok(());
        }
        Err(StoreError::Conflict)
    }
}

fn channel_name(c: Channel) -> &'static str {
    match c {
        Channel::Email => "email",
        Channel::Sms => "sms",
        Channel::Facebook => "facebook",
        Channel::Website => "website",
        Channel::Note => "note",
    }
}
