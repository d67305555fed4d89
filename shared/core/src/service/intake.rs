//! `lead-intake`: one capture envelope in, exactly one outcome out — a new
//! lead, a merge into the customer's existing lead, a lead for review, or a
//! recorded skip. Safe to run any number of times for the same envelope.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};

use super::MAX_WRITE_ATTEMPTS;
use crate::capture::dedup::ContactClaim;
use crate::capture::email::{self, MailKind};
use crate::capture::facebook;
use crate::capture::sources::{
    LeadAdsClient, LeadAdsError, RawMailStore, SecretStore, legacy_page_token_secret,
    page_token_secret,
};
use crate::capture::{
    Capture, CaptureCommit, CaptureEnvelope, CaptureOutcome, CaptureRecord, ContactKey,
    ContactRecord, LeadCandidate, LeadWrite,
};
use crate::config::{ConfigError, Env};
use crate::ids::{DealershipId, LeadId};
use crate::jobs::{self, AiJob, Delivery, Envelope, JobError, JobHandler, LeadEvent};
use crate::metrics::Metric;
use crate::model::{Channel, Direction, Lead, LeadSource, LeadStatus, Message, SenderType};
use crate::outbound::shared_sms;
use crate::ports::{RouteKind, StoreError, Stores};
use crate::queue::Queue;
use crate::tenancy::{self, TenantId};

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
            return Ok(IntakeResult::Repeat { dealership_id });
        }

        let (source, found) = match &envelope.job {
            Capture::Form(f) => (LeadSource::Website, Found::Lead(f.lead.clone())),
            Capture::Facebook(f) => {
                let dealership = self
                    .stores
                    .dealerships
                    .get_dealership(&tenant)
                    .await
                    .map_err(retry)?;
                let questions = dealership
                    .map(|d| d.capture.facebook_questions)
                    .unwrap_or_default();
                let mut token = self
                    .secrets
                    .secret(&page_token_secret(dealership_id, &f.page_id))
                    .await
                    .map_err(retry)?;
                if token.is_none() {
                    // Stored before tokens were kept per dealership.
                    token = self
                        .secrets
                        .secret(&legacy_page_token_secret(&f.page_id))
                        .await
                        .map_err(retry)?;
                }
                let token = token.ok_or_else(|| {
                    JobError::Dead(format!(
                        "no page access token stored for Facebook page {}",
                        f.page_id
                    ))
                })?;
                let lead = self
                    .lead_ads
                    .fetch_lead(&f.leadgen_id, &token)
                    .await
                    .map_err(|e| match e {
                        LeadAdsError::Transient(_) => JobError::Retry(e.to_string()),
                        LeadAdsError::TokenRejected(_) => JobError::Dead(format!(
                            "{e} (page {}): renew the page token in the secret store, then redrive",
                            f.page_id
                        )),
                        LeadAdsError::Permanent(_) => JobError::Dead(e.to_string()),
                    })?;
                (
                    LeadSource::Facebook,
                    Found::Lead(facebook::map_lead(&lead, &questions)),
                )
            }
            Capture::Email(e) => {
                let parsed = parsed_mail.expect("parsed above for email");
                let reply = self.reply_target(&e.recipients, &header_recipients(e, Some(&parsed)));
                let found = match parsed.kind {
                    // A customer answering our reply: their lead, whatever
                    // the parser would have made of the mail otherwise.
                    MailKind::Lead(_) | MailKind::NeedsReview { .. } if reply.is_some() => {
                        let (lead_id, _) = reply.expect("checked");
                        Found::Reply(CustomerReply {
                            lead_id,
                            channel: Channel::Email,
                            text: parsed.own_text.clone(),
                            metadata: serde_json::json!({
                                "raw_mail": e.mail_key,
                                "subject": parsed.subject,
                            }),
                        })
                    }
                    MailKind::Lead(mut c) => {
                        c.note("raw_mail", &e.mail_key);
                        if let Some(auth) = &e.auth {
                            c.note("mail_auth", &auth.summary());
                        }
                        // A mail that claims a known importer but fails
                        // DMARC may be forged: a person looks first.
                        match c.metadata.get("importer").and_then(|i| i.as_str()) {
                            Some(importer) if e.auth.as_ref().is_some_and(|a| a.dmarc_failed()) => {
                                let reason = format!(
                                    "DMARC failed for a mail that claims to come from {importer}"
                                );
                                c.note("review_reason", &reason);
                                Found::Review(c)
                            }
                            _ => Found::Lead(c),
                        }
                    }
                    MailKind::NeedsReview {
                        mut candidate,
                        reason,
                    } => {
                        candidate.note("raw_mail", &e.mail_key);
                        candidate.note("review_reason", &reason);
                        Found::Review(candidate)
                    }
                    MailKind::AutoReply(r) => Found::Skip(format!("auto-reply: {r}")),
                    MailKind::Bounce(r) => Found::Skip(format!("bounce: {r}")),
                };
                (LeadSource::Email, found)
            }
            Capture::Sms(m) => (LeadSource::Sms, self.sms(&tenant, m, now).await?),
        };

        let found = self
            .unless_erased(&tenant, found, envelope.enqueued_at)
            .await?;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let commit = match &found {
                Found::Skip(reason) => self.skip(key, reason, now),
                Found::Review(c) => self.review(&tenant, c, source, key, now),
                Found::Lead(c) => self.lead(&tenant, c, source, key, now).await?,
                Found::Reply(r) => {
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
                        jobs::notify(
                            self.queue.as_ref(),
                            dealership_id,
                            lead,
                            LeadEvent::CustomerReply { message_id },
                            &envelope.trace_id,
                            now,
                        )
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

    fn record(
        &self,
        key: &str,
        outcome: CaptureOutcome,
        lead: Option<LeadId>,
        reason: Option<String>,
        now: DateTime<Utc>,
    ) -> CaptureRecord {
        CaptureRecord {
            key: key.to_string(),
            outcome,
            lead_id: lead,
            reason,
            recorded_at: now,
            expires_at: now + self.config.capture_ttl,
        }
    }

    /// An inbound SMS: an opt-out or opt-in keyword, an answer on the lead
    /// the number belongs to, or a new lead.
    async fn sms(
        &self,
        tenant: &TenantId,
        m: &crate::capture::SmsCapture,
        now: DateTime<Utc>,
    ) -> Result<Found, JobError> {
        use crate::outbound::suppression;
        let Ok(from) = crate::validation::phone("from", &m.from) else {
            return Ok(Found::Skip(format!(
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
                return Ok(Found::Skip("opted out of SMS".into()));
            }
            Some(crate::outbound::sms::Keyword::Start) => {
                suppression::lift(&self.stores, tenant, Channel::Sms, &from)
                    .await
                    .map_err(retry)?;
                return Ok(Found::Skip("opted back in to SMS".into()));
            }
            None => {}
        }
        let metadata = serde_json::json!({"message_sid": m.message_sid, "to": m.to});
        Ok(match existing {
            Some(lead_id) => Found::Reply(CustomerReply {
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
                Found::Lead(c)
            }
        })
    }

    /// A capture received before its person was erased (a redriven dead
    /// letter, a late retry) must not bring them back: it becomes a skip.
    /// Replies get the same check in [`Self::reply`], which reads the lead.
    async fn unless_erased(
        &self,
        tenant: &TenantId,
        found: Found,
        received_at: DateTime<Utc>,
    ) -> Result<Found, JobError> {
        // A reply is checked where its lead is read (`reply`).
        let (Found::Lead(candidate) | Found::Review(candidate)) = &found else {
            return Ok(found);
        };
        for identifier in [&candidate.customer_email, &candidate.customer_phone]
            .into_iter()
            .flatten()
        {
            let erased = crate::service::gdpr::erased_at(&self.stores, tenant, identifier)
                .await
                .map_err(retry)?;
            if erased.is_some_and(|at| at >= received_at) {
                return Ok(Found::Skip(
                    "a capture received before its person was erased".into(),
                ));
            }
        }
        Ok(found)
    }

    fn is_shared_number(&self, to: &str) -> bool {
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

    /// The lead and dealership slug of a genuine reply address among the
    /// recipients (`svar+<lead>.<sig>@<slug>.<mail domain>`).
    fn reply_target(&self, envelope: &[String], headers: &[String]) -> Option<(LeadId, String)> {
        if self.config.link_key.is_empty() {
            return None;
        }
        envelope.iter().chain(headers).find_map(|address| {
            let lead =
                crate::outbound::links::lead_of_reply_address(&self.config.link_key, address)?;
            let domain = address.rsplit_once('@')?.1;
            let slug = domain.split('.').next()?.to_lowercase();
            Some((lead, slug))
        })
    }

    /// A customer's answer to our message: added to the conversation of the
    /// lead, which is marked as answered by the customer.
    async fn reply(
        &self,
        tenant: &TenantId,
        reply: &CustomerReply,
        key: &str,
        received_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<CaptureCommit, JobError> {
        let lead_id = reply.lead_id;
        let Some(mut lead) = self
            .stores
            .leads
            .get_lead(tenant, lead_id)
            .await
            .map_err(retry)?
        else {
            return Ok(self.skip(key, "reply to a lead that no longer exists", now));
        };
        if lead.erased_at.is_some_and(|at| at >= received_at) {
            return Ok(self.skip(key, "a reply received before its lead was erased", now));
        }
        let message = Message {
            id: crate::ids::MessageId::new_at(now),
            lead_id,
            dealership_id: tenant.dealership_id(),
            channel: reply.channel,
            direction: Direction::Inbound,
            sender: lead.customer_name.clone().unwrap_or_else(|| "Kunde".into()),
            sender_type: SenderType::Customer,
            message_content: bounded_text(&reply.text),
            metadata: reply.metadata.clone(),
            created_at: now,
        };
        lead.customer_replied_at = Some(now);
        lead.last_contact_at = Some(now);
        lead.version += 1;
        lead.updated_at = now;
        Ok(CaptureCommit {
            capture: self.record(key, CaptureOutcome::Replied, Some(lead_id), None, now),
            lead: Some(LeadWrite::Update(lead)),
            message: Some(message),
            contacts: Vec::new(),
            now,
        })
    }

    fn skip(&self, key: &str, reason: &str, now: DateTime<Utc>) -> CaptureCommit {
        CaptureCommit {
            capture: self.record(
                key,
                CaptureOutcome::Skipped,
                None,
                Some(reason.to_string()),
                now,
            ),
            lead: None,
            message: None,
            contacts: Vec::new(),
            now,
        }
    }

    /// A lead for a person to finish: never merged, never answered by itself.
    fn review(
        &self,
        tenant: &TenantId,
        c: &LeadCandidate,
        source: LeadSource,
        key: &str,
        now: DateTime<Utc>,
    ) -> CaptureCommit {
        let mut lead = c.to_new_lead(tenant.dealership_id(), source, key, now);
        lead.status = LeadStatus::NeedsReview;
        let message = c.to_message(&lead, source, key, now);
        CaptureCommit {
            capture: self.record(key, CaptureOutcome::Review, Some(lead.id), None, now),
            message: Some(message),
            lead: Some(LeadWrite::Insert(lead)),
            contacts: Vec::new(),
            now,
        }
    }

    /// A new lead, or a merge into the customer's live lead within the window.
    async fn lead(
        &self,
        tenant: &TenantId,
        c: &LeadCandidate,
        source: LeadSource,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<CaptureCommit, JobError> {
        let keys = ContactKey::of(c);
        let mut current: Vec<(String, Option<ContactRecord>, Option<Lead>)> = Vec::new();
        for k in &keys {
            let key = k.as_key();
            let record = self
                .stores
                .captures
                .get_contact(tenant, &key)
                .await
                .map_err(retry)?;
            let live = match &record {
                Some(r) if r.expires_at > now => self
                    .stores
                    .leads
                    .get_lead(tenant, r.lead_id)
                    .await
                    .map_err(retry)?
                    .filter(|l| !l.is_deleted()),
                _ => None,
            };
            current.push((key, record, live));
        }
        let expires_at = now + self.config.dedup_window;
        let existing = current.iter().find_map(|(_, _, live)| live.clone());
        let (lead, write, outcome) = match existing {
            Some(mut lead) => {
                c.merge_into(&mut lead, source, key, now);
                (
                    lead.clone(),
                    LeadWrite::Update(lead),
                    CaptureOutcome::Merged,
                )
            }
            None => {
                let lead = c.to_new_lead(tenant.dealership_id(), source, key, now);
                (
                    lead.clone(),
                    LeadWrite::Insert(lead),
                    CaptureOutcome::Created,
                )
            }
        };
        // Claim every contact key that no other live lead holds and that is
        // the lead's own (a merge's new details are not, until a rep accepts).
        let own_keys: Vec<String> = ContactKey::of_contact(
            lead.customer_email.as_deref(),
            lead.customer_phone.as_deref(),
        )
        .iter()
        .map(ContactKey::as_key)
        .collect();
        let contacts = current
            .into_iter()
            .filter(|(key, _, _)| own_keys.contains(key))
            .filter(|(_, _, live)| live.as_ref().is_none_or(|l| l.id == lead.id))
            .map(|(key, record, _)| ContactClaim {
                record: ContactRecord {
                    key,
                    lead_id: lead.id,
                    expires_at,
                },
                replaces: record.map(|r| r.lead_id),
            })
            .collect();
        Ok(CaptureCommit {
            capture: self.record(key, outcome, Some(lead.id), None, now),
            message: Some(c.to_message(&lead, source, key, now)),
            lead: Some(write),
            contacts,
            now,
        })
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

/// The recipients a mail's headers name, where they may route it: IMAP and
/// the CLI have no envelope, SES has one and only it counts (headers are
/// whatever the sender wrote).
fn header_recipients(
    e: &crate::capture::EmailCapture,
    mail: Option<&email::ParsedMail>,
) -> Vec<String> {
    match e.via {
        crate::capture::MailVia::Ses => Vec::new(),
        _ => mail.map(|m| m.recipients.clone()).unwrap_or_default(),
    }
}

/// A customer's answer to one of our messages, by email or SMS.
struct CustomerReply {
    lead_id: LeadId,
    channel: Channel,
    text: String,
    metadata: serde_json::Value,
}

enum Found {
    Reply(CustomerReply),
    Lead(LeadCandidate),
    Review(LeadCandidate),
    Skip(String),
}

/// A reply as stored: at most 10 000 characters, never empty.
fn bounded_text(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return "(tomt svar)".into();
    }
    text.chars().take(10_000).collect()
}
