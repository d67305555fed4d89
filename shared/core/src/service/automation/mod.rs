//! Automation rules and follow-up sequences: the API's use cases (rules
//! CRUD and the dry run), what sets a sequence off ([`triggers`]) and the
//! scheduled job that runs due steps ([`runner`]).

pub mod escalation;
pub mod runner;
pub mod triggers;

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Oslo;
use serde::Serialize;
use utoipa::ToSchema;

use super::MAX_WRITE_ATTEMPTS;
use crate::ai::{ReplyModel, opening};
use crate::automation::followup::{self, step_channel};
use crate::automation::{FollowUp, StopReason};
use crate::error::{DEALERSHIP_NOT_FOUND, DomainError, DomainResult, RULE_NOT_FOUND};
use crate::ids::{LeadId, RuleId, UserId};
use crate::model::{AutomationRule, Channel, NewRule, RulePatch, Trigger};
use crate::outbound::suppression;
use crate::permissions::{Actor, Permission};
use crate::phone::is_mobile;
use crate::ports::{StoreError, Stores};
use crate::service::reply_writer::{reply_context, write_follow_up};

pub use runner::{FollowUpRunner, RunReport};

async fn team(stores: &Stores, actor: &Actor) -> DomainResult<Vec<UserId>> {
    Ok(stores
        .users
        .list_users(&actor.tenant)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

pub async fn create(
    stores: &Stores,
    actor: &Actor,
    input: NewRule,
    now: DateTime<Utc>,
) -> DomainResult<AutomationRule> {
    actor.require(Permission::ManageAutomations)?;
    let users = team(stores, actor).await?;
    let rule = input.into_rule(actor.tenant.dealership_id(), &users, now)?;
    stores.rules.insert_rule(&actor.tenant, &rule).await?;
    Ok(rule)
}

/// The dealership's rules, oldest first (a dealership has a handful).
pub async fn list(stores: &Stores, actor: &Actor) -> DomainResult<Vec<AutomationRule>> {
    actor.require(Permission::ReadAutomations)?;
    Ok(stores.rules.list_rules(&actor.tenant).await?)
}

pub async fn get(stores: &Stores, actor: &Actor, id: RuleId) -> DomainResult<AutomationRule> {
    actor.require(Permission::ReadAutomations)?;
    stores
        .rules
        .get_rule(&actor.tenant, id)
        .await?
        .ok_or(RULE_NOT_FOUND)
}

pub async fn update(
    stores: &Stores,
    actor: &Actor,
    id: RuleId,
    patch: RulePatch,
    now: DateTime<Utc>,
) -> DomainResult<AutomationRule> {
    actor.require(Permission::ManageAutomations)?;
    let users = team(stores, actor).await?;
    for _ in 0..MAX_WRITE_ATTEMPTS {
        let current = stores
            .rules
            .get_rule(&actor.tenant, id)
            .await?
            .ok_or(RULE_NOT_FOUND)?;
        let next = patch.clone().apply(&current, &users, now)?;
        match stores.rules.update_rule(&actor.tenant, &next).await {
            Ok(()) => return Ok(next),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict {
        code: "write_conflict",
        message: "The rule is being changed by others; try again".into(),
    })
}

/// Sequences in progress end at their next step (`rule_inactive`).
pub async fn delete(stores: &Stores, actor: &Actor, id: RuleId) -> DomainResult<()> {
    actor.require(Permission::ManageAutomations)?;
    if stores.rules.delete_rule(&actor.tenant, id).await? {
        Ok(())
    } else {
        Err(RULE_NOT_FOUND)
    }
}

/// `POST /api/automations/{id}/test`: what the rule would do to a lead.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRun {
    pub rule_id: RuleId,
    pub lead_id: LeadId,
    /// Whether the rule's conditions hold for the lead as it is now.
    pub conditions_match: bool,
    /// When the trigger counts from: the lead's running sequence if it has
    /// one, its arrival for `new_lead`, otherwise now.
    pub armed_at: DateTime<Utc>,
    /// Why the sequence would end before its next step, if it would.
    pub would_stop: Option<StopReason>,
    pub steps: Vec<DryRunStep>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRunStep {
    pub index: usize,
    pub action: String,
    pub due_at: DateTime<Utc>,
    /// The same instant on the Oslo clock (RFC 3339 with offset).
    pub due_at_oslo: String,
    /// In words, as a rep reads it ("mandag 30.11.2026 kl. 08:00").
    pub due_text: String,
    pub channel: Option<Channel>,
    /// Why the step would do nothing for this lead.
    pub would_skip: Option<String>,
    pub subject: Option<String>,
    pub message: Option<String>,
    /// `template`, `model` or `fallback`, for message steps.
    pub written_by: Option<String>,
}

/// Computes every step's time and renders every message, sending nothing.
pub async fn dry_run(
    stores: &Stores,
    model: Option<&dyn ReplyModel>,
    model_budget: Duration,
    actor: &Actor,
    rule_id: RuleId,
    lead_id: LeadId,
    now: DateTime<Utc>,
) -> DomainResult<DryRun> {
    actor.require(Permission::ManageAutomations)?;
    let tenant = &actor.tenant;
    let rule = stores
        .rules
        .get_rule(tenant, rule_id)
        .await?
        .ok_or(RULE_NOT_FOUND)?;
    let lead = super::lead_records::load_live(stores, tenant, lead_id).await?;
    let dealership = stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    let quiet = &dealership.reply.quiet_hours;
    let running = stores
        .follow_ups
        .get_follow_up(tenant, rule.id, lead.id)
        .await?;
    let armed_at = match (&running, &rule.trigger) {
        (Some(f), _) => f.armed_at,
        (None, Trigger::NewLead {}) => lead.created_at,
        (None, _) => now,
    };
    let probe = running
        .clone()
        .unwrap_or_else(|| FollowUp::start(&rule, &lead, armed_at, quiet, now));
    let conversation = stores
        .conversations
        .list_messages(tenant, lead.id, None, 200)
        .await?;
    let mut steps = Vec::with_capacity(rule.steps.len());
    for (index, due_at) in followup::plan(&rule, armed_at, quiet)
        .into_iter()
        .enumerate()
    {
        let step = &rule.steps[index];
        let channel = step_channel(step);
        let mut out = DryRunStep {
            index,
            action: step.action.kind().into(),
            due_at,
            due_at_oslo: due_at.with_timezone(&Oslo).to_rfc3339(),
            due_text: opening::oslo_text(due_at),
            channel,
            would_skip: None,
            subject: None,
            message: None,
            written_by: None,
        };
        if let Some(channel) = channel {
            let address = match channel {
                Channel::Sms if !dealership.reply.sms_enabled => {
                    Err("SMS is off for the dealership")
                }
                Channel::Sms => match lead.customer_phone.as_deref().filter(|p| is_mobile(p)) {
                    None => Err("no mobile number"),
                    Some(p) if !dealership.reply.may_text_automatically(p) => {
                        Err("automatic SMS do not go to that country")
                    }
                    Some(p) => Ok(p),
                },
                _ => lead.customer_email.as_deref().ok_or("no email address"),
            };
            match address {
                Err(reason) => out.would_skip = Some(reason.into()),
                Ok(address) => {
                    if suppression::is_suppressed(stores, tenant, channel, address).await? {
                        out.would_skip = Some("the customer opted out of this channel".into());
                    }
                    match runner::render_template(&dealership, &lead, &step.action, channel, now) {
                        Some((text, subject)) => {
                            out.message = Some(text);
                            out.subject = subject;
                            out.written_by = Some("template".into());
                        }
                        None => {
                            let ctx = reply_context(
                                stores,
                                tenant,
                                &dealership,
                                &lead,
                                conversation.clone(),
                                channel,
                                due_at,
                            )
                            .await?;
                            let written = write_follow_up(model, model_budget, &ctx).await;
                            out.written_by = Some(
                                if written.is_fallback() {
                                    "fallback"
                                } else {
                                    "model"
                                }
                                .into(),
                            );
                            out.message = Some(ctx.signed_in(&written.text, written.language));
                        }
                    }
                }
            }
        }
        steps.push(out);
    }
    Ok(DryRun {
        rule_id: rule.id,
        lead_id: lead.id,
        conditions_match: rule.conditions.matches(&lead),
        armed_at,
        would_stop: probe.stop_reason(Some(&rule), &lead),
        steps,
    })
}
