//! A turn in the conversation (`ai.turn`, ai queue): the customer answered,
//! and the AI answers (mode `auto`), writes a draft for a rep (`draft`), or
//! hands the lead to a person — never a template pretending to converse.
//!
//! Exactly once: the turn's claim (`turn:<lead>:<message>`) fixes the id of
//! what it writes, so a redelivered job finds its work done, or finishes
//! it under the same id. Debounced: the job waits out the dealership's
//! window, and only the job of the customer's latest message answers (all
//! of them at once).

mod booking;
mod decide;
mod rules;

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::booking::confirm::confirm;
use super::handover::{HandoverDecision, hand_over};
use super::lead_records::modify;
use super::reply_writer::reply_context;
use crate::ai::turn::TurnIntent;
use crate::ai::{ReplyContext, ReplyModel, handover};
use crate::error::DomainError;
use crate::ids::{AppointmentId, MessageId};
use crate::jobs::{self, JobError, TurnJob};
use crate::metrics::Metric;
use crate::model::{
    AiDraft, ConversationMode, Dealership, Direction, HandoverReason, Lead, Message, SenderType,
};
use crate::outbound::links::BookingLinks;
use crate::outbound::{ClaimRecord, ClaimState, claims};
use crate::ports::Stores;
use crate::queue::Queue;
use crate::tenancy::TenantId;
use booking::Visit;
use decide::Decision;
use rules::{customer_words_since_we_wrote, quiet_reason, turn_channel};

/// What a turn came to, for logs and tests.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnOutcome {
    Answered(MessageId),
    /// The customer named a free time: booked, confirmed, and the lead
    /// given to its rep.
    Booked(AppointmentId),
    Drafted(MessageId),
    HandedOver(HandoverReason),
    /// Nothing to do, and why.
    Quiet(&'static str),
}

pub struct Turns<'a> {
    pub stores: &'a Stores,
    pub queue: &'a dyn Queue,
    pub model: Option<&'a dyn ReplyModel>,
    /// What one model attempt may take; a turn makes at most two.
    pub attempt_budget: Duration,
    /// The booking page's links, offered when a customer wants to come in.
    pub links: &'a BookingLinks,
    /// For the confirmation's `.ics` UID.
    pub mail_domain: &'a str,
}

impl Turns<'_> {
    pub async fn take(
        &self,
        tenant: &TenantId,
        job: &TurnJob,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<TurnOutcome, JobError> {
        let stores = self.stores;
        let Some(lead) = stores.leads.get_lead(tenant, job.lead_id).await? else {
            return Ok(TurnOutcome::Quiet("the lead is gone"));
        };
        let Some(dealership) = stores.dealerships.get_dealership(tenant).await? else {
            return Ok(TurnOutcome::Quiet("the dealership is gone"));
        };
        let mut mode = lead.ai_mode.unwrap_or(dealership.conversation.mode);
        // A lead's own `auto` outlives a downgrade: its plan decides.
        if mode == ConversationMode::Auto
            && !dealership.allows(crate::model::plan::Feature::AutoConversation)
        {
            mode = ConversationMode::Draft;
        }
        let conversation: Vec<Message> = stores
            .conversations
            .all_messages(tenant, lead.id)
            .await?
            .into_iter()
            .filter(Message::is_with_customer)
            .collect();
        if let Some(why) = quiet_reason(&lead, mode, &conversation, job.message_id) {
            Metric::count("AiTurnsSkipped", 1)
                .property("dealership_id", tenant.to_string())
                .property("reason", why)
                .emit();
            return Ok(TurnOutcome::Quiet(why));
        }
        let answers = conversation
            .iter()
            .find(|m| m.id == job.message_id)
            .expect("quiet_reason checked the message is there");
        let Some(channel) = turn_channel(&lead, &dealership, answers.channel) else {
            return Ok(TurnOutcome::Quiet("no channel to answer on"));
        };

        let key = format!("turn:{}:{}", lead.id, job.message_id);
        let mine = ClaimRecord::new(&key, MessageId::new_at(now).to_string(), now);
        let claim = match stores.claims.claim(tenant, &mine).await? {
            None => mine,
            Some(done) if done.state != ClaimState::Claimed => {
                return Ok(TurnOutcome::Quiet("this message was answered"));
            }
            Some(live) if !live.expired(now) => {
                return Err(JobError::Retry(format!("turn {key} is in progress")));
            }
            Some(stale) => claims::take_over(stores, tenant, &stale, now)
                .await?
                .ok_or_else(|| JobError::Retry(format!("turn {key} was taken over")))?,
        };
        let message_id = claim.message_id()?;

        // A holder that stopped half-way: finish what it wrote.
        if let Some(outcome) = self
            .finish_earlier(tenant, &lead, mode, message_id, trace_id, now)
            .await?
        {
            self.close(tenant, &claim, now).await?;
            return Ok(outcome);
        }

        let ctx = reply_context(
            stores,
            tenant,
            &dealership,
            &lead,
            conversation,
            channel,
            now,
        )
        .await?;
        let outcome = match self.decide(&ctx, &dealership, &lead, job.message_id).await {
            Decision::Answer {
                mut text,
                mut why,
                intent,
                proposed,
            } => {
                why["mode"] = json!(mode.as_str());
                let wants_visit = matches!(intent, TurnIntent::TestDrive | TurnIntent::BookingTime)
                    || proposed.is_some();
                let visit = if wants_visit {
                    booking::arrange(
                        stores,
                        tenant,
                        &dealership,
                        &lead,
                        mode,
                        proposed,
                        &customer_words_since_we_wrote(&ctx.conversation),
                        &text,
                        self.links,
                        &key,
                        now,
                    )
                    .await?
                } else {
                    None
                };
                match visit {
                    Some(Visit::Booked(appointment)) => {
                        return self
                            .booked(
                                tenant,
                                &claim,
                                &ctx,
                                &dealership,
                                &lead,
                                appointment,
                                why,
                                trace_id,
                                now,
                            )
                            .await;
                    }
                    Some(Visit::Say(said)) => {
                        why["booking"] = json!({"offered": true});
                        text = said;
                    }
                    None => {}
                }
                if text.trim().is_empty() {
                    // Nothing written (no model, and no time to book or offer).
                    self.close(tenant, &claim, now).await?;
                    return Ok(TurnOutcome::Quiet("no model is configured"));
                }
                let metadata = json!({"turn": why});
                match mode {
                    ConversationMode::Auto => {
                        let message =
                            ai_message(&ctx, message_id, ctx.signed(&text), metadata, now);
                        self.store_and_send(tenant, &message, trace_id, now).await?;
                        TurnOutcome::Answered(message_id)
                    }
                    _ => {
                        let draft = AiDraft {
                            id: message_id,
                            text: ctx.signed(&text),
                            channel,
                            answers: job.message_id,
                            metadata,
                            created_at: now,
                        };
                        self.save_draft(tenant, &lead, draft).await?;
                        TurnOutcome::Drafted(message_id)
                    }
                }
            }
            Decision::HandOver { decision, mut why } => {
                let reason = decision.reason;
                why["mode"] = json!(mode.as_str());
                let handed =
                    hand_over(stores, self.queue, tenant, &lead, decision, trace_id, now).await?;
                let settings = &dealership.conversation;
                if mode == ConversationMode::Auto
                    && settings.send_handover_message
                    && handed.handover.is_some()
                {
                    let text =
                        handover::customer_message(&ctx, settings.handover_message.as_deref());
                    let metadata = json!({"turn": why, "handover_notice": true});
                    let message = ai_message(&ctx, message_id, ctx.signed(&text), metadata, now);
                    self.store_and_send(tenant, &message, trace_id, now).await?;
                }
                TurnOutcome::HandedOver(reason)
            }
            Decision::Quiet(why) => TurnOutcome::Quiet(why),
        };
        self.close(tenant, &claim, now).await?;
        Metric::count("AiTurns", 1)
            .dimension(
                "Outcome",
                match &outcome {
                    TurnOutcome::Answered(_) => "answered",
                    TurnOutcome::Booked(_) => "booked",
                    TurnOutcome::Drafted(_) => "drafted",
                    TurnOutcome::HandedOver(_) => "handed_over",
                    TurnOutcome::Quiet(_) => "quiet",
                },
            )
            .property("dealership_id", tenant.to_string())
            .emit();
        Ok(outcome)
    }

    /// A visit booked in the turn: the confirmation (with its `.ics`) is
    /// the customer's answer, and the rep owns the lead from now on.
    #[allow(clippy::too_many_arguments)]
    async fn booked(
        &self,
        tenant: &TenantId,
        claim: &ClaimRecord,
        ctx: &ReplyContext,
        dealership: &Dealership,
        lead: &Lead,
        appointment: crate::model::Appointment,
        mut why: Value,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<TurnOutcome, JobError> {
        why["booking"] = json!({"appointment_id": appointment.id, "start": appointment.start});
        // The rep owns the lead first, so the booking notice reaches them.
        if dealership.conversation.handover.appointment {
            let reason = HandoverReason::Appointment;
            let detail = format!(
                "{} {} booket av AI-en",
                appointment.kind.label(),
                crate::ai::opening::oslo_text(appointment.start)
            );
            why["handover"] = json!({"reason": reason, "by": "rule", "detail": detail});
            let decision = HandoverDecision {
                reason,
                summary: handover::plain_summary(ctx, reason, Some(&detail)),
                detail: Some(detail),
                answers: why["answers"].as_str().and_then(|a| a.parse().ok()),
            };
            hand_over(
                self.stores,
                self.queue,
                tenant,
                lead,
                decision,
                trace_id,
                now,
            )
            .await?;
        }
        confirm(
            self.stores,
            self.queue,
            tenant,
            dealership,
            lead,
            &appointment,
            self.links,
            self.mail_domain,
            trace_id,
            now,
        )
        .await?;
        self.close(tenant, claim, now).await?;
        Metric::count("AiTurns", 1)
            .dimension("Outcome", "booked")
            .property("dealership_id", tenant.to_string())
            .emit();
        Ok(TurnOutcome::Booked(appointment.id))
    }

    /// When the claim's earlier holder stored its message or draft before
    /// it stopped: send the message again (the send claim keeps it to one)
    /// and report what it did.
    async fn finish_earlier(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        mode: ConversationMode,
        message_id: MessageId,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TurnOutcome>, JobError> {
        if lead.ai_draft.as_ref().is_some_and(|d| d.id == message_id) {
            return Ok(Some(TurnOutcome::Drafted(message_id)));
        }
        let stored = self
            .stores
            .conversations
            .get_message(tenant, lead.id, message_id)
            .await?;
        if stored.is_none() {
            return Ok(None);
        }
        if mode == ConversationMode::Auto {
            jobs::send_message(
                self.queue,
                tenant.dealership_id(),
                lead.id,
                message_id,
                trace_id,
                now,
            )
            .await?;
        }
        Ok(Some(TurnOutcome::Answered(message_id)))
    }

    async fn store_and_send(
        &self,
        tenant: &TenantId,
        message: &Message,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        match self
            .stores
            .conversations
            .insert_message(tenant, message)
            .await
        {
            Ok(()) | Err(crate::ports::StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
        jobs::send_message(
            self.queue,
            tenant.dealership_id(),
            message.lead_id,
            message.id,
            trace_id,
            now,
        )
        .await?;
        Ok(())
    }

    /// The draft replaces an older one: it answers everything so far.
    async fn save_draft(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        draft: AiDraft,
    ) -> Result<(), JobError> {
        match modify(self.stores, tenant, lead.id, draft.created_at, |lead| {
            lead.ai_draft = Some(draft.clone());
            Ok(())
        })
        .await
        {
            Ok(_) | Err(DomainError::NotFound { .. }) => Ok(()),
            Err(e) => Err(JobError::Retry(e.to_string())),
        }
    }

    async fn close(
        &self,
        tenant: &TenantId,
        claim: &ClaimRecord,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        Ok(crate::outbound::claims::mark_done(self.stores, tenant, claim, now).await?)
    }
}

fn ai_message(
    ctx: &ReplyContext,
    id: MessageId,
    content: String,
    metadata: Value,
    now: DateTime<Utc>,
) -> Message {
    Message {
        id,
        lead_id: ctx.lead.id,
        dealership_id: ctx.dealership.id,
        channel: ctx.channel,
        direction: Direction::Outbound,
        sender: "AI".into(),
        sender_type: SenderType::Ai,
        message_content: content,
        metadata,
        created_at: now,
    }
}
