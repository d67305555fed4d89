//! A turn in the conversation (`ai.turn`, ai queue): the customer answered,
//! and the AI answers (mode `auto`), writes a draft for a rep (`draft`), or
//! hands the lead to a person — never a template pretending to converse.
//!
//! Exactly once: the turn's claim (`turn:<lead>:<message>`) fixes the id of
//! what it writes, so a redelivered job finds its work done, or finishes
//! it under the same id. Debounced: the job waits out the dealership's
//! window, and only the job of the customer's latest message answers (all
//! of them at once).

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::booking::confirm::confirm;
use super::handover::{HandoverDecision, hand_over};
use super::lead_records::modify;
use super::reply_writer::{reply_channel, reply_context};
use super::turn_booking::{self, Visit};
use crate::ai::turn::TurnIntent;
use crate::ai::{ReplyContext, ReplyModel, guardrails, handover, prompt, turn};
use crate::error::DomainError;
use crate::ids::{AppointmentId, MessageId};
use crate::jobs::{self, JobError, TurnJob};
use crate::metrics::Metric;
use crate::model::{
    AiDraft, Channel, ConversationMode, Dealership, Direction, HandoverReason, Lead, LeadStatus,
    Message, SenderType,
};
use crate::outbound::links::BookingLinks;
use crate::outbound::{ClaimRecord, ClaimState, claims};
use crate::ports::Stores;
use crate::queue::Queue;
use crate::tenancy::TenantId;

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

/// What the turn decided, with the record of why.
enum Decision {
    Answer {
        text: String,
        why: Value,
        /// What the customer wants and any time they named: a visit is
        /// booked or offered.
        intent: TurnIntent,
        proposed: Option<chrono::NaiveDateTime>,
    },
    HandOver {
        decision: HandoverDecision,
        why: Value,
    },
    /// Nothing to say, and why.
    Quiet(&'static str),
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
        let mode = lead.ai_mode.unwrap_or(dealership.conversation.mode);
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
                    turn_booking::arrange(
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

    /// The model's answer when it is safe and no trigger calls for a
    /// person; a handover otherwise. Two attempts at most.
    async fn decide(
        &self,
        ctx: &ReplyContext,
        dealership: &Dealership,
        lead: &Lead,
        answers: MessageId,
    ) -> Decision {
        let settings = &dealership.conversation;
        let triggers = &settings.handover;
        let latest_words = customer_words_since_we_wrote(&ctx.conversation);
        let rule_reason = handover::from_customer(&latest_words).filter(|r| triggers.allows(*r));
        let mut why = json!({
            "answers": answers,
            "language": ctx.language,
            "facts": facts_used(ctx),
            "guardrail": Value::Null,
            "handover": Value::Null,
        });
        let hand_over = |reason: HandoverReason,
                         detail: Option<String>,
                         summary: Option<String>,
                         by: &str,
                         mut why: Value| {
            why["handover"] = json!({"reason": reason, "by": by, "detail": detail});
            Decision::HandOver {
                decision: HandoverDecision {
                    reason,
                    summary: summary
                        .unwrap_or_else(|| handover::plain_summary(ctx, reason, detail.as_deref())),
                    detail,
                    answers: Some(answers),
                },
                why,
            }
        };

        let turns_in_a_row = ai_turns_in_a_row(&ctx.conversation, lead);
        if turns_in_a_row >= settings.max_ai_turns as usize && triggers.no_progress {
            let detail = format!("{turns_in_a_row} AI-svar på rad uten at en selger har vært inne");
            return hand_over(HandoverReason::NoProgress, Some(detail), None, "rule", why);
        }
        let Some(model) = self.model else {
            // Without a model the team's reply notice is the answer; only
            // the customer's own words can still call for a handover.
            return match rule_reason {
                Some(reason) => hand_over(reason, None, None, "rule", why),
                None => Decision::Quiet("no model is configured"),
            };
        };

        let request = prompt::conversation_turn(ctx, model.model_id());
        let mut rejections: Vec<String> = Vec::new();
        for attempt in 1..=2u32 {
            let started = Instant::now();
            let answer = match model.complete(&request, self.attempt_budget).await {
                Ok(a) => a,
                Err(e) => {
                    // The adapter retried within its budget: the model is down.
                    rejections.push(e.to_string());
                    break;
                }
            };
            why["model"] = json!({
                "model": answer.model,
                "prompt_version": request.prompt_version,
                "input_tokens": answer.input_tokens,
                "output_tokens": answer.output_tokens,
                "latency_ms": started.elapsed().as_millis() as u64,
                "attempt": attempt,
            });
            let read = match turn::read(answer.structured.as_ref()) {
                Ok(read) => read,
                Err(e) => {
                    rejections.push(e.to_string());
                    continue;
                }
            };
            why["intent"] = json!(read.intent);
            if let Some(t) = read.proposed_time {
                why["proposed_time"] = json!(t.format("%Y-%m-%dT%H:%M").to_string());
            }
            let model_reason = read
                .intent
                .handover()
                .or(read.needs_human.then_some(HandoverReason::ModelAsked))
                .filter(|r| triggers.allows(*r));
            if let Some(reason) = rule_reason.or(model_reason) {
                let by = if rule_reason.is_some() {
                    "rule"
                } else {
                    "model"
                };
                return hand_over(reason, read.handover_reason, read.summary, by, why);
            }
            let verdict = if answer.truncated {
                Err(guardrails::Rejection::Truncated)
            } else {
                guardrails::check_turn(&read.reply, ctx)
            };
            match verdict {
                Ok(()) => {
                    why["guardrail"] = json!({"passed": true, "rejected_before": rejections});
                    return Decision::Answer {
                        text: read.reply,
                        why,
                        intent: read.intent,
                        proposed: read.proposed_time,
                    };
                }
                Err(rejection) => {
                    Metric::count("GuardrailRejections", 1)
                        .property("dealership_id", ctx.dealership.id.to_string())
                        .property("rule", rejection.to_string())
                        .emit();
                    rejections.push(format!("guardrail: {rejection}"));
                }
            }
        }
        why["guardrail"] = json!({"passed": false, "rejected": rejections});
        let reason = rule_reason.unwrap_or(HandoverReason::ModelFailed);
        hand_over(reason, Some(rejections.join("; ")), None, "rule", why)
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
        let done = ClaimRecord {
            state: ClaimState::Done,
            updated_at: now,
            ..claim.clone()
        };
        match self
            .stores
            .claims
            .update_claim(tenant, &done, claim.claimed_at)
            .await
        {
            // Taken over by a later delivery, which closes it itself.
            Ok(()) | Err(crate::ports::StoreError::Conflict) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// Why a turn must say nothing, if it must not: the lead is closed, the
/// mode is off, a person has it (handed over, or wrote to the customer
/// since the AI last did and nobody handed it back), or a later message
/// from the customer has its own turn coming.
pub fn quiet_reason(
    lead: &Lead,
    mode: ConversationMode,
    conversation: &[Message],
    answers: MessageId,
) -> Option<&'static str> {
    if lead.is_deleted() {
        return Some("the lead is deleted");
    }
    if matches!(
        lead.status,
        LeadStatus::Won | LeadStatus::Lost | LeadStatus::NeedsReview
    ) {
        return Some("the lead is closed or under review");
    }
    if mode == ConversationMode::Off {
        return Some("the AI is off for this lead");
    }
    if lead.handover.is_some() {
        return Some("the lead is with a person");
    }
    let latest_from_customer = conversation
        .iter()
        .rev()
        .find(|m| m.sender_type == SenderType::Customer && m.direction == Direction::Inbound);
    match latest_from_customer {
        None => return Some("the customer's message is gone"),
        Some(m) if m.id != answers => {
            if conversation.iter().any(|m| m.id == answers) {
                return Some("a later message from the customer gets the answer");
            }
            return Some("the customer's message is gone");
        }
        Some(_) => {}
    }
    let last_ours = conversation.iter().rev().find(|m| {
        m.direction == Direction::Outbound
            && matches!(m.sender_type, SenderType::Ai | SenderType::Human)
    });
    if let Some(m) = last_ours
        && m.sender_type == SenderType::Human
        && lead
            .handed_back
            .as_ref()
            .is_none_or(|b| m.created_at > b.at)
    {
        return Some("a person is talking to the customer");
    }
    None
}

/// The channel to answer on: the one the customer wrote on, when we can
/// send there; otherwise the lead's usual reply channel.
fn turn_channel(lead: &Lead, dealership: &Dealership, wrote_on: Channel) -> Option<Channel> {
    match wrote_on {
        Channel::Email if lead.customer_email.is_some() => Some(Channel::Email),
        Channel::Sms if lead.customer_phone.is_some() && dealership.reply.sms_enabled => {
            Some(Channel::Sms)
        }
        _ => reply_channel(lead, &dealership.reply),
    }
}

/// Everything the customer wrote since our last message to them.
fn customer_words_since_we_wrote(conversation: &[Message]) -> String {
    let mut texts: Vec<&str> = conversation
        .iter()
        .rev()
        .take_while(|m| m.direction != Direction::Outbound)
        .filter(|m| m.sender_type == SenderType::Customer)
        .map(|m| m.message_content.as_str())
        .collect();
    texts.reverse();
    texts.join("\n")
}

/// AI turns (not the first reply or follow-ups) since a person last wrote
/// to the customer or gave the lead back.
fn ai_turns_in_a_row(conversation: &[Message], lead: &Lead) -> usize {
    conversation
        .iter()
        .rev()
        .filter(|m| {
            lead.handed_back
                .as_ref()
                .is_none_or(|b| m.created_at > b.at)
        })
        .take_while(|m| m.sender_type != SenderType::Human)
        .filter(|m| m.sender_type == SenderType::Ai && m.metadata.get("turn").is_some())
        .count()
}

/// What the model was shown, for "Hvorfor?".
fn facts_used(ctx: &ReplyContext) -> Value {
    json!({
        "vehicles": ctx.vehicles.iter().map(crate::ai::context::vehicle_line).collect::<Vec<_>>(),
        "open_now": ctx.open_now(),
        "next_opening": ctx.next_opening_text(),
        "messages": ctx.conversation.len(),
    })
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
