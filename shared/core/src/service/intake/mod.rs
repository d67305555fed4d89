//! `lead-intake`: one capture envelope in, exactly one outcome out — a new
//! lead, a merge into the customer's existing lead, a lead for review, or a
//! recorded skip. Safe to run any number of times for the same envelope.
//!
//! [`Intake::process`] is the loop: find the dealership, see whether the
//! envelope was handled before, [`classify`] it (one function per channel,
//! SMS keywords in [`sms`]), then [`commit`] the outcome and ask for the
//! first reply or tell the team.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::MAX_WRITE_ATTEMPTS;
use crate::capture::email::{self};
use crate::capture::sources::{LeadAdsClient, RawMailStore, SecretStore};
use crate::capture::{Capture, CaptureEnvelope, CaptureOutcome, CaptureRecord};
use crate::config::{ConfigError, Env};
use crate::ids::{DealershipId, LeadId};
use crate::jobs::{self, AiJob, Delivery, Envelope, JobError, JobHandler, LeadEvent};
use crate::metrics::Metric;
use crate::outbound::shared_sms;
use crate::ports::{RouteKind, StoreError, Stores};
use crate::queue::Queue;
use crate::tenancy::{self, TenantId};
use classify::{Classified, header_recipients};

#[derive(Debug, Clone)]
pub struct IntakeConfig {
    /// Same customer (email or phone) within this window → one lead.
    pub dedup_window: Duration,
    /// How long a capture is remembered for idempotency.
    pub capture_ttl: Duration,
    /// Verifies the per-lead reply addresses (`svar+…@<slug>.<domain>`) of
    /// our outbound mail; `NORVALT_LINK_KEY`.
    pub link_key: Vec<u8>,
    /// The platform's shared SMS number (E.164; `TWILIO_FROM` when it is a
    /// number): texts to it are routed by who texted the sender last.
    pub shared_sms_number: Option<String>,
}

impl IntakeConfig {
    /// The defaults, with `NORVALT_LINK_KEY`, `NORVALT_DEDUP_WINDOW_DAYS`,
    /// `NORVALT_IDEMPOTENCY_RETENTION_DAYS` (how long capture records are
    /// kept, then dropped by TTL) and `TWILIO_FROM` when they are given.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let mut config = Self::default();
        if let Some(key) = env.optional("NORVALT_LINK_KEY") {
            config.link_key = key.as_bytes().to_vec();
        }
        if let Some(days) = env.days("NORVALT_DEDUP_WINDOW_DAYS")? {
            config.dedup_window = Duration::days(days);
        }
        if let Some(days) = env.days("NORVALT_IDEMPOTENCY_RETENTION_DAYS")? {
            config.capture_ttl = Duration::days(days);
        }
        // An alphanumeric sender or a Messaging Service (MG…) is no number
        // a customer can text back to; only a number routes replies.
        config.shared_sms_number = env
            .optional("TWILIO_FROM")
            .and_then(|n| crate::phone::parse(&n));
        Ok(config)
    }
}

impl Default for IntakeConfig {
    fn default() -> Self {
        Self {
            dedup_window: Duration::days(30),
            capture_ttl: Duration::days(90),
            link_key: Vec::new(),
            shared_sms_number: None,
        }
    }
}

/// What one envelope came to, for logs and tests.
#[derive(Debug, Clone, PartialEq)]
pub enum IntakeResult {
    Stored {
        dealership_id: DealershipId,
        outcome: CaptureOutcome,
        lead_id: Option<LeadId>,
    },
    /// The idempotency key was seen before.
    Repeat { dealership_id: DealershipId },
}

pub struct Intake {
    pub stores: Stores,
    pub queue: Arc<dyn Queue>,
    pub mail: Arc<dyn RawMailStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub lead_ads: Arc<dyn LeadAdsClient>,
    pub config: IntakeConfig,
}

#[async_trait]
impl JobHandler for Intake {
    async fn handle(&self, delivery: &Delivery) -> Result<(), JobError> {
        self.process(&delivery.body, crate::time::now()).await?;
        Ok(())
    }
}

fn retry(e: impl std::fmt::Display) -> JobError {
    JobError::Retry(e.to_string())
}

mod classify;
mod commit;
mod sms;

impl Intake {
    pub async fn process(&self, body: &str, now: DateTime<Utc>) -> Result<IntakeResult, JobError> {
        let envelope = CaptureEnvelope::parse(body)?;
        let mail = match &envelope.job {
            Capture::Email(e) => Some(
                self.mail
                    .get_mail(&e.mail_key)
                    .await
                    .map_err(retry)?
                    .ok_or_else(|| JobError::Dead(format!("raw mail {} is missing", e.mail_key)))?,
            ),
            _ => None,
        };
        let parsed_mail = mail.as_deref().map(email::parse);
        let tenant = self.tenant_of(&envelope, parsed_mail.as_ref()).await?;
        let dealership_id = tenant.dealership_id();
        let key = &envelope.idempotency_key;

        if let Some(seen) = self
            .stores
            .captures
            .get_capture(&tenant, key)
            .await
            .map_err(retry)?
        {
            // The first run may have stopped before the ai queue heard of it.
            if seen.outcome == CaptureOutcome::Created
                && let Some(lead) = seen.lead_id
            {
                self.request_first_reply(dealership_id, lead, &envelope.trace_id, now)
                    .await?;
            }
            // Likewise the notice and the AI's turn on a customer's answer
            // (each idempotent by its own key).
            if seen.outcome == CaptureOutcome::Replied
                && let (Some(lead), Some(message_id)) = (seen.lead_id, seen.message_id)
            {
                self.after_reply(&tenant, lead, message_id, &envelope.trace_id, now)
                    .await?;
            }
            return Ok(IntakeResult::Repeat { dealership_id });
        }

        let (source, found) = self.classify(&envelope, &tenant, parsed_mail, now).await?;
        let found = self
            .unless_erased(&tenant, found, envelope.enqueued_at)
            .await?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let commit = match &found {
                Classified::Skip(reason) => self.skip(key, reason, now),
                Classified::Review(c) => self.review(&tenant, c, source, key, now),
                Classified::Lead(c) => self.lead(&tenant, c, source, key, now).await?,
                Classified::Reply(r) => {
                    self.reply(&tenant, r, key, envelope.enqueued_at, now)
                        .await?
                }
            };
            let outcome = commit.capture.outcome;
            let lead_id = commit.capture.lead_id;
            let reply_message = commit.message.as_ref().map(|m| m.id);
            match self.stores.captures.commit_capture(&tenant, &commit).await {
                Ok(()) => {
                    if outcome == CaptureOutcome::Created
                        && let Some(lead) = lead_id
                    {
                        self.request_first_reply(dealership_id, lead, &envelope.trace_id, now)
                            .await?;
                    }
                    if outcome == CaptureOutcome::Replied
                        && let (Some(lead), Some(message_id)) = (lead_id, reply_message)
                    {
                        self.after_reply(&tenant, lead, message_id, &envelope.trace_id, now)
                            .await?;
                    }
                    Metric::count("LeadsCaptured", 1)
                        .dimension("Channel", envelope.job.channel())
                        .dimension("Outcome", outcome.as_str())
                        .property("dealership_id", dealership_id.to_string())
                        .property("trace_id", envelope.trace_id.clone())
                        .emit();
                    return Ok(IntakeResult::Stored {
                        dealership_id,
                        outcome,
                        lead_id,
                    });
                }
                Err(StoreError::Conflict) if attempts < MAX_WRITE_ATTEMPTS => {
                    // Another delivery of this capture or an inquiry of the same
                    // customer got there first: look again.
                    if self
                        .stores
                        .captures
                        .get_capture(&tenant, key)
                        .await
                        .map_err(retry)?
                        .is_some()
                    {
                        return Ok(IntakeResult::Repeat { dealership_id });
                    }
                }
                Err(e) => return Err(retry(e)),
            }
        }
    }

    /// The stored outcome of an envelope, once it has been processed (for
    /// tools that enqueue and then report).
    pub async fn outcome_of(
        &self,
        body: &str,
    ) -> Result<Option<(DealershipId, CaptureRecord)>, JobError> {
        let envelope = CaptureEnvelope::parse(body)?;
        let parsed = match &envelope.job {
            Capture::Email(e) => self
                .mail
                .get_mail(&e.mail_key)
                .await
                .map_err(retry)?
                .map(|raw| email::parse(&raw)),
            _ => None,
        };
        let tenant = self.tenant_of(&envelope, parsed.as_ref()).await?;
        let record = self
            .stores
            .captures
            .get_capture(&tenant, &envelope.idempotency_key)
            .await
            .map_err(retry)?;
        Ok(record.map(|r| (tenant.dealership_id(), r)))
    }

    /// The dealership an envelope belongs to, found again from its routing
    /// key: envelopes carry no trusted tenant.
    async fn tenant_of(
        &self,
        envelope: &CaptureEnvelope,
        mail: Option<&email::ParsedMail>,
    ) -> Result<TenantId, JobError> {
        let routes = self.stores.routes.as_ref();
        let resolve = |kind, key: String| async move {
            tenancy::resolve(routes, kind, &key).await.map_err(retry)
        };
        let tenant = match &envelope.job {
            Capture::Form(f) => resolve(RouteKind::FormKey, f.form_key.clone()).await?,
            Capture::Google(g) => resolve(RouteKind::FormKey, g.form_key.clone()).await?,
            Capture::Facebook(f) => resolve(RouteKind::FacebookPage, f.page_id.clone()).await?,
            Capture::Sms(m) => match resolve(RouteKind::SmsNumber, m.to.clone()).await? {
                Some(tenant) => Some(tenant),
                // The shared number: the dealership that texted them last.
                None if self.is_shared_number(&m.to) => match crate::phone::parse(&m.from) {
                    Some(from) => shared_sms::dealerships_that_texted(&self.stores, &from)
                        .await
                        .map_err(retry)?
                        .into_iter()
                        .next(),
                    None => None,
                },
                None => None,
            },
            Capture::Email(e) => {
                let mut found = None;
                let headers = header_recipients(e, mail);
                if let Some((_, slug)) = self.reply_target(&e.recipients, &headers) {
                    found = resolve(RouteKind::Slug, slug).await?;
                }
                if found.is_none()
                    && let Some(slug) = &e.dealership_slug
                {
                    found = resolve(RouteKind::Slug, slug.clone()).await?;
                }
                for address in e.recipients.iter().chain(headers.iter()) {
                    if found.is_some() {
                        break;
                    }
                    found = resolve(RouteKind::InboundEmail, address.clone()).await?;
                }
                found
            }
        };
        tenant.ok_or_else(|| {
            JobError::Dead(format!(
                "no dealership is routed for this {} capture",
                envelope.job.type_name()
            ))
        })
    }

    /// What follows a customer's answer: the team's notice, and the AI's
    /// turn after the dealership's debounce window (the turn itself
    /// decides whether to speak).
    async fn after_reply(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        message_id: crate::ids::MessageId,
        trace: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        jobs::notify(
            self.queue.as_ref(),
            tenant.dealership_id(),
            lead,
            LeadEvent::CustomerReply { message_id },
            trace,
            now,
        )
        .await?;
        let debounce = self
            .stores
            .dealerships
            .get_dealership(tenant)
            .await
            .map_err(retry)?
            .map(|d| d.conversation.debounce_secs)
            .unwrap_or_default();
        Envelope::conversation_turn(tenant.dealership_id(), lead, message_id, trace, now)
            .enqueue_after(self.queue.as_ref(), debounce)
            .await?;
        Ok(())
    }

    async fn request_first_reply(
        &self,
        dealership: DealershipId,
        lead: LeadId,
        trace: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        Envelope::<AiJob>::first_reply(dealership, lead, trace, now)
            .enqueue(self.queue.as_ref())
            .await?;
        Ok(())
    }
}
