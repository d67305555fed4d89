//! `followups` (EventBridge, every 5 minutes): runs every follow-up step
//! that is due. Each (rule, lead, step) runs at most once, however often the
//! job overlaps itself or is retried: a claim `auto:<rule>:<lead>:<step>`
//! is taken before the step acts, and customer messages carry the claim's
//! message id into the send queue, whose own claim sends each message once.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::Serialize;

use super::triggers::{self, Event};
use crate::ai::ReplyContext;
use crate::automation::merge::MergeValues;
use crate::automation::{FollowUp, StopReason};
use crate::error::DomainError;
use crate::ids::{DealershipId, LeadId, MessageId, RuleId};
use crate::jobs::{self, Envelope, FollowUpWrite, JobError, LeadEvent};
use crate::metrics::Metric;
use crate::model::rule::{Action, AssignTo};
use crate::model::{AutomationRule, Channel, Dealership, Direction, Lead, Message, SenderType};
use crate::outbound::{ClaimRecord, ClaimState, claims, suppression};
use crate::phone::is_mobile;
use crate::ports::{StoreError, Stores};
use crate::queue::Queue;
use crate::service::assignment;
use crate::tenancy::TenantId;

/// Due sequences read per query.
const BATCH: usize = 200;

/// The name follow-up messages are signed with in the conversation.
pub const SENDER_NAME: &str = "Automatisk oppfølging";

pub struct FollowUpRunner {
    pub stores: Stores,
    pub queue: Arc<dyn Queue>,
    /// Sequences worked on at once.
    pub concurrency: usize,
}

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunReport {
    /// Steps that acted (or found their action already done).
    pub ran: usize,
    /// Sequences that ended before their step (reply, close, opt-out …).
    pub stopped: usize,
    /// Steps another run is working on, or already moved on.
    pub skipped: usize,
    /// Steps that failed and will be tried again next run.
    pub failed: usize,
}

enum StepResult {
    Ran,
    Stopped,
    Skipped,
}

/// What a step's action came to.
enum Acted {
    Done(String),
    /// The step had nothing to do for this lead (no phone, no reps …).
    Skipped(String),
    Stop(StopReason),
}

fn claim_key(f: &FollowUp) -> String {
    format!("auto:{}:{}:{}", f.rule_id, f.lead_id, f.next_step)
}

impl FollowUpRunner {
    /// Runs every step due at `now` (the job passes the clock; ops and tests
    /// may pass another instant).
    pub async fn run_due(&self, now: DateTime<Utc>) -> Result<RunReport, StoreError> {
        let mut report = RunReport::default();
        // Sequences this run has finished with; the index may still list
        // them for a moment (DynamoDB GSIs are eventually consistent).
        let mut seen: HashSet<(DealershipId, RuleId, LeadId)> = HashSet::new();
        loop {
            let batch: Vec<FollowUp> = self
                .stores
                .follow_ups
                .due_follow_ups(now, BATCH)
                .await?
                .into_iter()
                .filter(|f| seen.insert((f.dealership_id, f.rule_id, f.lead_id)))
                .collect();
            if batch.is_empty() {
                break;
            }
            let results: Vec<_> = futures_util::stream::iter(batch)
                .map(|f| async move { self.run_one(f, now).await })
                .buffer_unordered(self.concurrency.max(1))
                .collect()
                .await;
            for result in results {
                match result {
                    Ok(StepResult::Ran) => report.ran += 1,
                    Ok(StepResult::Stopped) => report.stopped += 1,
                    Ok(StepResult::Skipped) => report.skipped += 1,
                    Err(e) => {
                        tracing::warn!(error = %e, "follow-up step failed; next run tries again");
                        report.failed += 1;
                    }
                }
            }
        }
        Metric::count("FollowUpSteps", report.ran).emit();
        if report.failed > 0 {
            Metric::count("FollowUpFailures", report.failed).emit();
        }
        Ok(report)
    }

    /// Runs sequences that a trigger made due at once (a `new_lead` rule's
    /// first step without delay), so a lead is assigned in seconds rather
    /// than at the next scheduled run.
    pub async fn run_now(&self, due: Vec<FollowUp>, now: DateTime<Utc>) -> Result<(), JobError> {
        for f in due {
            self.run_one(f, now).await?;
        }
        Ok(())
    }

    async fn run_one(&self, listed: FollowUp, now: DateTime<Utc>) -> Result<StepResult, JobError> {
        // The job's own index led here; the tenant is the record's.
        let tenant = TenantId::mint(listed.dealership_id);
        let stores = &self.stores;
        let Some(mut f) = stores
            .follow_ups
            .get_follow_up(&tenant, listed.rule_id, listed.lead_id)
            .await?
        else {
            return Ok(StepResult::Skipped);
        };
        if f.due_at.is_none_or(|due| due > now) {
            return Ok(StepResult::Skipped);
        }
        let rule = stores.rules.get_rule(&tenant, f.rule_id).await?;
        let lead = stores.leads.get_lead(&tenant, f.lead_id).await?;
        let dealership = stores.dealerships.get_dealership(&tenant).await?;
        let (Some(lead), Some(dealership)) = (lead, dealership) else {
            return self.stop(&tenant, f, StopReason::LeadDeleted, now).await;
        };
        if let Some(reason) = f.stop_reason(rule.as_ref(), &lead) {
            return self.stop(&tenant, f, reason, now).await;
        }
        let rule = rule.expect("stop_reason stops a missing rule");
        let quiet = dealership.reply.quiet_hours.clone();
        let Some(step) = rule.steps.get(f.next_step) else {
            // The rule lost steps since this sequence started.
            return self.stop(&tenant, f, StopReason::Completed, now).await;
        };

        let key = claim_key(&f);
        let mine = ClaimRecord::new(&key, MessageId::new_at(now).to_string(), now);
        let claim = match stores.claims.claim(&tenant, &mine).await? {
            None => mine,
            Some(done) if done.state != ClaimState::Claimed => done,
            Some(busy) if !busy.expired(now) => return Ok(StepResult::Skipped),
            // Its holder stopped mid-step. Every action is safe to repeat
            // under the same message id, so take it over.
            Some(stale) => match claims::take_over(stores, &tenant, &stale, now).await? {
                Some(taken) => taken,
                None => return Ok(StepResult::Skipped),
            },
        };
        let acted = if claim.state == ClaimState::Claimed {
            let message_id = claim.message_id()?;
            let step_ctx = StepContext {
                tenant: &tenant,
                dealership: &dealership,
                rule: &rule,
                lead: &lead,
                follow_up: &f,
                message_id,
                now,
            };
            let acted = match self.act(&step_ctx, &step.action).await {
                Ok(acted) => acted,
                Err(e) => {
                    stores
                        .claims
                        .release_claim(&tenant, &key, claim.claimed_at)
                        .await?;
                    return Err(e);
                }
            };
            let (state, detail) = match &acted {
                Acted::Done(d) => (ClaimState::Done, d.clone()),
                Acted::Skipped(d) => (ClaimState::Done, format!("skipped: {d}")),
                Acted::Stop(reason) => (ClaimState::Failed, format!("{reason:?}")),
            };
            let mut finished = claim.clone();
            finished.state = state;
            finished.detail = Some(detail);
            finished.updated_at = now;
            stores
                .claims
                .update_claim(&tenant, &finished, claim.claimed_at)
                .await?;
            acted
        } else {
            // Acted in an earlier run that stopped before moving on.
            match claim.state {
                ClaimState::Failed => Acted::Stop(StopReason::OptedOut),
                _ => Acted::Done(claim.detail.clone().unwrap_or_else(|| "done".into())),
            }
        };
        match acted {
            Acted::Stop(reason) => self.stop(&tenant, f, reason, now).await,
            Acted::Done(outcome) | Acted::Skipped(outcome) => {
                f.advance(&rule, outcome, &quiet, now);
                let saved = self.save(&tenant, &f).await?;
                Ok(if saved {
                    StepResult::Ran
                } else {
                    StepResult::Skipped
                })
            }
        }
    }

    async fn stop(
        &self,
        tenant: &TenantId,
        mut f: FollowUp,
        reason: StopReason,
        now: DateTime<Utc>,
    ) -> Result<StepResult, JobError> {
        f.stop(reason, now);
        let saved = self.save(tenant, &f).await?;
        Ok(if saved {
            StepResult::Stopped
        } else {
            StepResult::Skipped
        })
    }

    /// `false` when another run moved the sequence first.
    async fn save(&self, tenant: &TenantId, f: &FollowUp) -> Result<bool, StoreError> {
        match self.stores.follow_ups.update_follow_up(tenant, f).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict) => Ok(false),
            Err(e) => Err(e),
        }
    }

    async fn act(&self, c: &StepContext<'_>, action: &Action) -> Result<Acted, JobError> {
        let stores = &self.stores;
        match action {
            Action::SendEmail { .. } | Action::SendSms { .. } => self.send(c, action).await,
            Action::Assign { to } => {
                let user = match to {
                    AssignTo::RoundRobin => {
                        if c.lead.assigned_to.is_some() {
                            return Ok(Acted::Skipped("already assigned".into()));
                        }
                        assignment::next_in_turn(stores, c.tenant).await?
                    }
                    AssignTo::User { user_id } => stores
                        .users
                        .get_user(c.tenant, *user_id)
                        .await?
                        .filter(|u| u.active)
                        .map(|u| u.id),
                };
                let Some(user) = user else {
                    return Ok(Acted::Skipped("no active sales rep to assign".into()));
                };
                let trace = format!("followup:{}", claim_key(c.follow_up));
                match assignment::assign(
                    stores,
                    &*self.queue,
                    c.tenant,
                    c.lead.id,
                    user,
                    &trace,
                    c.now,
                )
                .await
                {
                    Ok(_) => Ok(Acted::Done(format!("assigned to {user}"))),
                    Err(DomainError::Store(e)) => Err(e.into()),
                    Err(DomainError::Queue(e)) => Err(e.into()),
                    Err(other) => Ok(Acted::Skipped(other.to_string())),
                }
            }
            Action::SetStatus { status } => {
                let status = *status;
                match crate::service::lead_records::modify(
                    stores,
                    c.tenant,
                    c.lead.id,
                    c.now,
                    |lead| {
                        lead.set_status(status, c.now);
                        Ok(())
                    },
                )
                .await
                {
                    Ok(lead) => {
                        triggers::fire(stores, c.tenant, &lead, Event::StatusEntered, c.now, c.now)
                            .await?;
                        Ok(Acted::Done(format!("status {}", status.as_str())))
                    }
                    Err(DomainError::Store(e)) => Err(e.into()),
                    Err(DomainError::Queue(e)) => Err(e.into()),
                    Err(other) => Ok(Acted::Skipped(other.to_string())),
                }
            }
            Action::Notify {
                user_id,
                emails,
                note,
            } => {
                jobs::notify(
                    self.queue.as_ref(),
                    c.tenant.dealership_id(),
                    c.lead.id,
                    LeadEvent::FollowUp {
                        rule_id: c.rule.id,
                        step: c.follow_up.next_step,
                        rule_name: c.rule.name.clone(),
                        note: note.clone(),
                        user_id: *user_id,
                        emails: emails.clone(),
                    },
                    &format!("followup:{}", claim_key(c.follow_up)),
                    c.now,
                )
                .await?;
                Ok(Acted::Done("team notified".into()))
            }
        }
    }

    async fn send(&self, c: &StepContext<'_>, action: &Action) -> Result<Acted, JobError> {
        let (channel, address) = match action {
            Action::SendSms { .. } => {
                if !c.dealership.reply.sms_enabled {
                    return Ok(Acted::Skipped("SMS is off for the dealership".into()));
                }
                match c.lead.customer_phone.as_deref().filter(|p| is_mobile(p)) {
                    Some(phone) if !c.dealership.reply.may_text_automatically(phone) => {
                        return Ok(Acted::Skipped(
                            "automatic SMS do not go to that country".into(),
                        ));
                    }
                    Some(phone) => (Channel::Sms, phone),
                    None => return Ok(Acted::Skipped("no mobile number".into())),
                }
            }
            _ => match c.lead.customer_email.as_deref() {
                Some(email) => (Channel::Email, email),
                None => return Ok(Acted::Skipped("no email address".into())),
            },
        };
        if suppression::is_suppressed(&self.stores, c.tenant, channel, address).await? {
            return Ok(Acted::Stop(StopReason::OptedOut));
        }
        let rendered = render_template(c.dealership, c.lead, action, channel, c.now);
        let Some((text, subject)) = rendered else {
            // No template: the reply engine writes it (ai queue), then sends.
            let write = FollowUpWrite {
                lead_id: c.lead.id,
                rule_id: c.rule.id,
                step: c.follow_up.next_step,
                message_id: c.message_id,
                channel,
            };
            Envelope::write_follow_up(
                c.tenant.dealership_id(),
                &claim_key(c.follow_up),
                write,
                c.now,
            )
            .enqueue(self.queue.as_ref())
            .await?;
            return Ok(Acted::Done("queued for the reply engine".into()));
        };
        let message = follow_up_message(
            c.tenant,
            c.lead,
            c.message_id,
            channel,
            text,
            serde_json::json!({
                "automation": {"rule_id": c.rule.id, "step": c.follow_up.next_step},
                "template": true,
                "subject": subject,
            }),
            c.now,
        );
        match self
            .stores
            .conversations
            .insert_message(c.tenant, &message)
            .await
        {
            Ok(()) | Err(StoreError::Conflict) => {}
            Err(e) => return Err(e.into()),
        }
        jobs::send_message(
            self.queue.as_ref(),
            c.tenant.dealership_id(),
            c.lead.id,
            message.id,
            &format!("followup:{}", claim_key(c.follow_up)),
            c.now,
        )
        .await?;
        Ok(Acted::Done(format!("{} queued", channel_word(channel))))
    }
}

struct StepContext<'a> {
    tenant: &'a TenantId,
    dealership: &'a Dealership,
    rule: &'a AutomationRule,
    lead: &'a Lead,
    follow_up: &'a FollowUp,
    message_id: MessageId,
    now: DateTime<Utc>,
}

fn channel_word(channel: Channel) -> &'static str {
    match channel {
        Channel::Sms => "SMS",
        _ => "email",
    }
}

/// A template step's text (signed like every reply) and email subject;
/// `None` for a step the reply engine writes.
pub fn render_template(
    dealership: &Dealership,
    lead: &Lead,
    action: &Action,
    channel: Channel,
    now: DateTime<Utc>,
) -> Option<(String, Option<String>)> {
    let values = MergeValues {
        dealership,
        lead,
        rep: None,
    };
    let (body, subject) = match action {
        Action::SendEmail {
            template: Some(t), ..
        } => (values.render(&t.body), Some(values.render(&t.subject))),
        Action::SendSms {
            template: Some(t), ..
        } => (values.render(t), None),
        _ => return None,
    };
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
    Some((ctx.signed(&body), subject))
}

/// A follow-up as it is stored in the conversation before it is sent.
pub fn follow_up_message(
    tenant: &TenantId,
    lead: &Lead,
    id: MessageId,
    channel: Channel,
    text: String,
    metadata: serde_json::Value,
    now: DateTime<Utc>,
) -> Message {
    Message {
        id,
        lead_id: lead.id,
        dealership_id: tenant.dealership_id(),
        channel,
        direction: Direction::Outbound,
        sender: SENDER_NAME.into(),
        sender_type: SenderType::Ai,
        message_content: text,
        metadata,
        created_at: now,
    }
}
