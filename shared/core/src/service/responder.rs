//! `ai-responder` (ai queue): writes the first reply to a new lead and puts
//! it on the send queue. The model writes it when one is configured and its
//! answer passes the guardrails; otherwise the template does. A claim per
//! lead (`reply:<lead>:first`) makes any number of deliveries of the job
//! produce one reply message and one send job.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ai::{ReplyContext, ReplyModel, fallback, prompt};
use crate::ids::{LeadId, MessageId};
use crate::jobs::{
    self, AiJob, Delivery, Envelope, FollowUpWrite, JobError, JobHandler, LeadEvent,
};
use crate::metrics::Metric;
use crate::model::{Channel, Direction, Lead, Message, SenderType};
use crate::outbound::ClaimRecord;
use crate::outbound::links::BookingLinks;
use crate::ports::{StoreError, Stores};
use crate::queue::Queue;
use crate::service::automation::runner::{self, FollowUpRunner};
use crate::service::automation::triggers::{self, Event};
use crate::service::reply_writer::{reply_channel, reply_context, write_follow_up, write_reply};
use crate::service::turns::Turns;
use crate::tenancy::TenantId;

/// Default of [`Responder::analysis_delay_secs`].
pub const ANALYSIS_DELAY_SECS: u32 = 60;

/// How long the model may take, of the job's 30 s, leaving time to fall
/// back and enqueue.
pub const MODEL_BUDGET: Duration = Duration::from_secs(20);

pub struct Responder {
    pub stores: Stores,
    pub queue: Arc<dyn Queue>,
    /// `None`: the template writes every reply (no API key configured).
    pub model: Option<Arc<dyn ReplyModel>>,
    /// How long the model may take, retries included ([`MODEL_BUDGET`]).
    pub model_budget: Duration,
    /// The model's analysis of a new lead waits this long, so that in a
    /// burst every first reply comes before any analysis ([`ANALYSIS_DELAY_SECS`]).
    pub analysis_delay_secs: u32,
    /// The booking page's links, offered in conversation turns.
    pub booking_links: BookingLinks,
    /// The mail domain (a booking confirmation's `.ics` UID).
    pub mail_domain: String,
}

#[async_trait]
impl JobHandler for Responder {
    async fn handle(&self, delivery: &Delivery) -> Result<(), JobError> {
        let envelope = Envelope::<AiJob>::parse(&delivery.body)?;
        let tenant = TenantId::mint(envelope.dealership_id);
        let trace = &envelope.trace_id;
        let now = crate::time::now();
        match &envelope.job {
            AiJob::FirstReply(job) => self.first_reply(&tenant, job.lead_id, trace, now).await?,
            AiJob::AnalyzeLead(job) => self.refine_analysis(&tenant, job.lead_id, now).await?,
            AiJob::WriteFollowUp(write) => self.follow_up_job(&tenant, write, trace, now).await?,
            AiJob::ConversationTurn(job) => {
                let outcome = self.turns().take(&tenant, job, trace, now).await?;
                tracing::info!(lead_id = %job.lead_id, ?outcome, "conversation turn");
            }
        }
        Ok(())
    }
}

impl Responder {
    /// The ai queue is written only by intake and the follow-up runner,
    /// which found the tenant through a routing record: `tenant` is minted
    /// from the envelope.
    pub async fn first_reply(
        &self,
        tenant: &TenantId,
        lead_id: LeadId,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let Some(lead) = self.stores.leads.get_lead(tenant, lead_id).await? else {
            tracing::warn!(%lead_id, "lead to answer is gone");
            return Ok(());
        };
        if lead.is_deleted() {
            return Ok(());
        }
        let Some(dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(());
        };
        // Follow-up rules for new leads start here (this job runs once per
        // lead, at least once); a first step without delay runs right away.
        let due = triggers::fire(
            &self.stores,
            tenant,
            &lead,
            Event::NewLead,
            lead.created_at,
            now,
        )
        .await?;
        if !due.is_empty() {
            self.follow_ups().run_now(due, now).await?;
        }
        // The team hears about every new lead, answered automatically or not.
        jobs::notify(
            self.queue.as_ref(),
            tenant.dealership_id(),
            lead_id,
            LeadEvent::NewLead,
            trace_id,
            now,
        )
        .await?;
        let Some(channel) = reply_channel(&lead, &dealership.reply) else {
            Metric::count("RepliesWithoutChannel", 1)
                .property("dealership_id", tenant.to_string())
                .emit();
            tracing::info!(%lead_id, "no email, and no SMS for this lead: left for a sales rep");
            return Ok(());
        };

        let reply_key = format!("reply:{lead_id}:first");
        let existing = self.stores.claims.get_claim(tenant, &reply_key).await?;
        let conversation = self
            .stores
            .conversations
            .list_messages(tenant, lead_id, None, 200)
            .await?;
        let message_id = match existing {
            Some(claim) => claim.message_id()?,
            None => {
                let ctx = reply_context(
                    &self.stores,
                    tenant,
                    &dealership,
                    &lead,
                    conversation.clone(),
                    channel,
                    now,
                )
                .await?;
                let written = write_reply(self.model.as_deref(), self.model_budget, &ctx).await;
                let message = Message {
                    id: MessageId::new_at(now),
                    lead_id,
                    dealership_id: tenant.dealership_id(),
                    channel,
                    direction: Direction::Outbound,
                    sender: "AI".into(),
                    sender_type: SenderType::Ai,
                    message_content: ctx.signed_in(&written.text, written.language),
                    metadata: written.metadata,
                    created_at: now,
                };
                let claim = ClaimRecord::new(&reply_key, message.id.to_string(), now);
                match self.stores.claims.claim(tenant, &claim).await? {
                    // Another delivery wrote the reply first: send that one.
                    Some(theirs) => theirs.message_id()?,
                    None => {
                        self.store_message(tenant, &message).await?;
                        message.id
                    }
                }
            }
        };
        let stored = self
            .stores
            .conversations
            .get_message(tenant, lead_id, message_id)
            .await?;
        if stored.is_none() {
            // The claim exists but its message was never stored (the writer
            // crashed in between): nothing has been sent, so write it now.
            self.recover_message(tenant, &lead, &dealership, message_id, channel, now)
                .await?;
        }
        jobs::send_message(
            self.queue.as_ref(),
            tenant.dealership_id(),
            lead_id,
            message_id,
            trace_id,
            now,
        )
        .await?;
        if self.model.is_some() {
            // The model's view of the lead, as its own job: the reply above
            // never waits for it.
            Envelope::analyze_lead(tenant.dealership_id(), lead_id, trace_id, now)
                .enqueue_after(self.queue.as_ref(), self.analysis_delay_secs)
                .await?;
        }
        Ok(())
    }

    /// Lets the model refine the heuristic analysis intake stored. Once per
    /// lead: a lead already analysed by a model is left alone.
    async fn refine_analysis(
        &self,
        tenant: &TenantId,
        lead_id: LeadId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let Some(model) = &self.model else {
            return Ok(());
        };
        for _ in 0..super::MAX_WRITE_ATTEMPTS {
            let Some(mut lead) = self.stores.leads.get_lead(tenant, lead_id).await? else {
                return Ok(());
            };
            let heuristic = crate::ai::analyse(&lead);
            if lead
                .analysis
                .as_ref()
                .is_some_and(|a| a.analysed_by != "heuristic")
                || lead.is_deleted()
            {
                return Ok(());
            }
            let request = prompt::analysis(&lead, &heuristic, model.model_id());
            let Ok(answer) = model.complete(&request, self.model_budget).await else {
                return Ok(());
            };
            let Some(refined) =
                crate::ai::analysis::refine(&heuristic, &answer.text, &answer.model)
            else {
                return Ok(());
            };
            lead.lead_score = Some(refined.lead_score);
            lead.analysis = Some(refined);
            lead.version += 1;
            lead.updated_at = now;
            match self.stores.leads.update_lead(tenant, &lead).await {
                Ok(()) => return Ok(()),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn turns(&self) -> Turns<'_> {
        Turns {
            stores: &self.stores,
            queue: self.queue.as_ref(),
            model: self.model.as_deref(),
            // Two attempts fit in the job's time, like one first reply.
            attempt_budget: self.model_budget / 2,
            links: &self.booking_links,
            mail_domain: &self.mail_domain,
        }
    }

    fn follow_ups(&self) -> FollowUpRunner {
        FollowUpRunner {
            stores: self.stores.clone(),
            queue: self.queue.clone(),
            concurrency: 1,
        }
    }

    /// A follow-up step without a template: the reply engine writes the
    /// message under the id the step's claim fixed, then it is sent. A
    /// repeated job finds the message stored and only enqueues the send
    /// again (which the send claim makes a no-op).
    async fn follow_up_job(
        &self,
        tenant: &TenantId,
        p: &FollowUpWrite,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let Some(lead) = self.stores.leads.get_lead(tenant, p.lead_id).await? else {
            return Ok(());
        };
        let Some(dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(());
        };
        let conversation = self
            .stores
            .conversations
            .list_messages(tenant, lead.id, None, 200)
            .await?;
        let stored = self
            .stores
            .conversations
            .get_message(tenant, lead.id, p.message_id)
            .await?;
        if stored.is_none() {
            // Between the step and now the customer may have answered or
            // the lead closed: then nothing is written or sent.
            let still_due = self
                .stores
                .follow_ups
                .get_follow_up(tenant, p.rule_id, p.lead_id)
                .await?
                .is_some_and(|f| {
                    !lead.is_deleted()
                        && !matches!(
                            lead.status,
                            crate::model::LeadStatus::Won | crate::model::LeadStatus::Lost
                        )
                        && lead.customer_replied_at.is_none_or(|r| r <= f.armed_at)
                });
            if !still_due {
                return Ok(());
            }
            let ctx = reply_context(
                &self.stores,
                tenant,
                &dealership,
                &lead,
                conversation,
                p.channel,
                now,
            )
            .await?;
            let written = write_follow_up(self.model.as_deref(), self.model_budget, &ctx).await;
            let mut metadata = written.metadata;
            metadata["automation"] = serde_json::json!({"rule_id": p.rule_id, "step": p.step});
            let message = runner::follow_up_message(
                tenant,
                &lead,
                p.message_id,
                p.channel,
                ctx.signed_in(&written.text, written.language),
                metadata,
                now,
            );
            self.store_message(tenant, &message).await?;
        }
        jobs::send_message(
            self.queue.as_ref(),
            tenant.dealership_id(),
            lead.id,
            p.message_id,
            trace_id,
            now,
        )
        .await?;
        Ok(())
    }

    async fn store_message(&self, tenant: &TenantId, message: &Message) -> Result<(), StoreError> {
        match self
            .stores
            .conversations
            .insert_message(tenant, message)
            .await
        {
            Ok(()) | Err(StoreError::Conflict) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn recover_message(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        dealership: &crate::model::Dealership,
        id: MessageId,
        channel: Channel,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let ctx = ReplyContext {
            dealership: dealership.clone(),
            lead: lead.clone(),
            conversation: Vec::new(),
            vehicles: Vec::new(),
            now,
            channel,
            language: dealership.conversation.language.into(),
            appointments: Vec::new(),
        };
        let message = Message {
            id,
            lead_id: lead.id,
            dealership_id: tenant.dealership_id(),
            channel,
            direction: Direction::Outbound,
            sender: "AI".into(),
            sender_type: SenderType::Ai,
            message_content: ctx.signed(&fallback::first_reply(&ctx)),
            metadata: serde_json::json!({
                "prompt_version": fallback::TEMPLATE_VERSION,
                "fallback": true,
                "fallback_reason": "recovered after an interrupted reply",
            }),
            created_at: now,
        };
        self.store_message(tenant, &message).await
    }
}
