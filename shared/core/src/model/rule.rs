//! Automation rules: when a follow-up sequence starts for a lead (its
//! trigger and conditions) and what it does (ordered steps, each after a
//! delay). The engine that runs them is [`crate::automation`] and
//! [`crate::service::automation`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::lead::{Lead, LeadSource, LeadStatus};
use crate::automation::merge;
use crate::ids::{DealershipId, RuleId, UserId};
use crate::search;
use crate::validation::{self, FieldErrors};

pub const MAX_STEPS: usize = 10;
/// The longest wait before a step: 90 days.
pub const MAX_DELAY_MINUTES: u32 = 90 * 24 * 60;
pub const MAX_TRIGGER_HOURS: u32 = 90 * 24;
pub const MAX_TRIGGER_DAYS: u32 = 365;
pub const MAX_TEMPLATE: usize = 2_000;
pub const MAX_SMS_TEMPLATE: usize = 450;
pub const MAX_NOTIFY_EMAILS: usize = 10;

/// What starts the sequence for a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// A lead arrives (any channel, or typed in by a rep). A struct
    /// variant, so that serde refuses stray fields on it too.
    NewLead {},
    /// The customer has not written for `hours` after our last message.
    NoResponse { hours: u32 },
    /// The lead has been in `status` for `days`.
    TimeBased { status: LeadStatus, days: u32 },
}

impl Trigger {
    pub fn kind(&self) -> &'static str {
        match self {
            Trigger::NewLead {} => "new_lead",
            Trigger::NoResponse { .. } => "no_response",
            Trigger::TimeBased { .. } => "time_based",
        }
    }
}

/// Which leads the rule applies to. Every condition that is set must hold;
/// an empty list means "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Conditions {
    pub sources: Vec<LeadSource>,
    pub statuses: Vec<LeadStatus>,
    /// Text the vehicle interest must contain ("toyota", "bZ4X"), matched
    /// without regard to case or accents.
    pub vehicle_contains: Option<String>,
    pub min_score: Option<u8>,
    pub max_score: Option<u8>,
    pub has_email: Option<bool>,
    pub has_phone: Option<bool>,
}

impl Conditions {
    pub fn matches(&self, lead: &Lead) -> bool {
        let score_ok = |bound: Option<u8>, ok: fn(u8, u8) -> bool| match bound {
            None => true,
            Some(b) => lead.lead_score.is_some_and(|s| ok(s, b)),
        };
        (self.sources.is_empty() || self.sources.contains(&lead.source))
            && (self.statuses.is_empty() || self.statuses.contains(&lead.status))
            && self.vehicle_contains.as_deref().is_none_or(|want| {
                lead.vehicle_interest
                    .as_deref()
                    .is_some_and(|have| search::fold(have).contains(&search::fold(want)))
            })
            && score_ok(self.min_score, |s, b| s >= b)
            && score_ok(self.max_score, |s, b| s <= b)
            && self
                .has_email
                .is_none_or(|want| lead.customer_email.is_some() == want)
            && self
                .has_phone
                .is_none_or(|want| lead.customer_phone.is_some() == want)
    }
}

/// One step of the sequence: `delay_minutes` after the previous step (the
/// first: after the trigger), then `action`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub delay_minutes: u32,
    pub action: Action,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// An email to the customer: the dealership's template when given,
    /// otherwise written by the reply engine (model and guardrails).
    SendEmail {
        #[serde(default)]
        template: Option<EmailTemplate>,
    },
    /// An SMS to the customer, like `send_email`.
    SendSms {
        #[serde(default)]
        template: Option<String>,
    },
    Assign {
        to: AssignTo,
    },
    SetStatus {
        status: LeadStatus,
    },
    /// An email to the team: the named user, else the listed addresses,
    /// else the lead's rep (or, unassigned, whoever gets new-lead notices).
    Notify {
        #[serde(default)]
        user_id: Option<UserId>,
        #[serde(default)]
        emails: Vec<String>,
        #[serde(default)]
        note: Option<String>,
    },
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::SendEmail { .. } => "send_email",
            Action::SendSms { .. } => "send_sms",
            Action::Assign { .. } => "assign",
            Action::SetStatus { .. } => "set_status",
            Action::Notify { .. } => "notify",
        }
    }

    /// Whether the step writes to the customer (and so obeys quiet hours
    /// and opt-outs).
    pub fn messages_customer(&self) -> bool {
        matches!(self, Action::SendEmail { .. } | Action::SendSms { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailTemplate {
    pub subject: String,
    /// Plain text with merge fields ([`merge::FIELDS`]).
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "mode", rename_all = "snake_case", deny_unknown_fields)]
pub enum AssignTo {
    /// The next active sales rep in turn.
    RoundRobin,
    User {
        user_id: UserId,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AutomationRule {
    pub id: RuleId,
    pub dealership_id: DealershipId,
    pub name: String,
    pub is_active: bool,
    pub trigger: Trigger,
    pub conditions: Conditions,
    pub steps: Vec<Step>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// `POST /api/automations`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    pub name: String,
    #[serde(default = "active")]
    pub is_active: bool,
    pub trigger: Trigger,
    #[serde(default)]
    pub conditions: Conditions,
    pub steps: Vec<Step>,
}

fn active() -> bool {
    true
}

/// `PATCH /api/automations/{id}`: absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulePatch {
    pub name: Option<String>,
    pub is_active: Option<bool>,
    pub trigger: Option<Trigger>,
    pub conditions: Option<Conditions>,
    pub steps: Option<Vec<Step>>,
}

/// Who a rule may name: the dealership's users (for `assign` and `notify`).
pub type KnownUsers<'a> = &'a [UserId];

impl NewRule {
    pub fn into_rule(
        self,
        dealership_id: DealershipId,
        users: KnownUsers,
        now: DateTime<Utc>,
    ) -> Result<AutomationRule, FieldErrors> {
        let rule = AutomationRule {
            id: RuleId::new_at(now),
            dealership_id,
            name: self.name,
            is_active: self.is_active,
            trigger: self.trigger,
            conditions: self.conditions,
            steps: self.steps,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        rule.validated(users)
    }
}

impl RulePatch {
    pub fn apply(
        self,
        rule: &AutomationRule,
        users: KnownUsers,
        now: DateTime<Utc>,
    ) -> Result<AutomationRule, FieldErrors> {
        let mut next = rule.clone();
        if let Some(name) = self.name {
            next.name = name;
        }
        if let Some(active) = self.is_active {
            next.is_active = active;
        }
        if let Some(trigger) = self.trigger {
            next.trigger = trigger;
        }
        if let Some(conditions) = self.conditions {
            next.conditions = conditions;
        }
        if let Some(steps) = self.steps {
            next.steps = steps;
        }
        next.updated_at = now;
        next.version += 1;
        next.validated(users)
    }
}

impl AutomationRule {
    /// Cleans and checks every field, naming each bad one.
    pub fn validated(mut self, users: KnownUsers) -> Result<Self, FieldErrors> {
        let mut e = FieldErrors::new();
        if let Some(name) = e.check(validation::required_text("name", Some(&self.name), 120)) {
            self.name = name;
        }
        match &self.trigger {
            Trigger::NewLead {} => {}
            Trigger::NoResponse { hours } => {
                if !(1..=MAX_TRIGGER_HOURS).contains(hours) {
                    e.add(
                        "trigger.hours",
                        format!("must be between 1 and {MAX_TRIGGER_HOURS}"),
                    );
                }
            }
            Trigger::TimeBased { status, days } => {
                if !(1..=MAX_TRIGGER_DAYS).contains(days) {
                    e.add(
                        "trigger.days",
                        format!("must be between 1 and {MAX_TRIGGER_DAYS}"),
                    );
                }
                if matches!(status, LeadStatus::Won | LeadStatus::Lost) {
                    e.add(
                        "trigger.status",
                        "a won or lost lead gets no follow-up; choose an open status",
                    );
                }
            }
        }
        let c = &mut self.conditions;
        if let Some(text) = c.vehicle_contains.take() {
            c.vehicle_contains = e
                .check(validation::text(
                    "conditions.vehicle_contains",
                    Some(&text),
                    100,
                    false,
                ))
                .flatten();
        }
        for (field, bound) in [
            ("conditions.min_score", c.min_score),
            ("conditions.max_score", c.max_score),
        ] {
            if bound.is_some_and(|b| !(1..=100).contains(&b)) {
                e.add(field, "must be between 1 and 100");
            }
        }
        if let (Some(min), Some(max)) = (c.min_score, c.max_score)
            && min > max
        {
            e.add("conditions.max_score", "must not be below min_score");
        }
        if self.steps.is_empty() {
            e.add("steps", "a rule needs at least one step");
        }
        if self.steps.len() > MAX_STEPS {
            e.add("steps", format!("at most {MAX_STEPS} steps"));
        }
        for (i, step) in self.steps.iter_mut().enumerate() {
            validate_step(&mut e, i, step, users);
        }
        e.finish(self)
    }
}

fn validate_step(e: &mut FieldErrors, i: usize, step: &mut Step, users: KnownUsers) {
    let at = |field: &str| format!("steps[{i}].{field}");
    if step.delay_minutes > MAX_DELAY_MINUTES {
        e.add(
            &at("delay_minutes"),
            format!("at most {MAX_DELAY_MINUTES} (90 days)"),
        );
    }
    match &mut step.action {
        Action::SendEmail { template } => {
            if let Some(t) = template {
                match validation::required_text(
                    &at("action.template.subject"),
                    Some(&t.subject),
                    200,
                ) {
                    Ok(s) => t.subject = s,
                    Err(err) => e.fields.push(err),
                }
                template_text(e, &at("action.template.body"), &mut t.body, MAX_TEMPLATE);
                merge_fields(e, &at("action.template.subject"), &t.subject);
            }
        }
        Action::SendSms { template } => {
            if let Some(t) = template {
                template_text(e, &at("action.template"), t, MAX_SMS_TEMPLATE);
            }
        }
        Action::Assign { to } => {
            if let AssignTo::User { user_id } = to
                && !users.contains(user_id)
            {
                e.add(&at("action.to.user_id"), "not a user of this dealership");
            }
        }
        Action::SetStatus { status } => {
            if *status == LeadStatus::NeedsReview {
                e.add(
                    &at("action.status"),
                    "needs_review is set by capture, not by a rule",
                );
            }
        }
        Action::Notify {
            user_id,
            emails,
            note,
        } => {
            if let Some(id) = user_id
                && !users.contains(id)
            {
                e.add(&at("action.user_id"), "not a user of this dealership");
            }
            if emails.len() > MAX_NOTIFY_EMAILS {
                e.add(
                    &at("action.emails"),
                    format!("at most {MAX_NOTIFY_EMAILS} addresses"),
                );
            }
            for address in emails.iter_mut() {
                match validation::email(&at("action.emails"), address) {
                    Ok(clean) => *address = clean,
                    Err(err) => e.fields.push(err),
                }
            }
            if let Some(text) = note.take() {
                *note = e
                    .check(validation::text(&at("action.note"), Some(&text), 500, true))
                    .flatten();
            }
        }
    }
}

/// A template body: required, lines allowed.
fn template_text(e: &mut FieldErrors, field: &str, text: &mut String, max: usize) {
    match validation::text(field, Some(text), max, true) {
        Ok(Some(clean)) => {
            merge_fields(e, field, &clean);
            *text = clean;
        }
        Ok(None) => e.add(field, "is required"),
        Err(err) => e.fields.push(err),
    }
}

fn merge_fields(e: &mut FieldErrors, field: &str, text: &str) {
    if let Err(message) = merge::check(text) {
        e.add(field, message);
    }
}

#[cfg(test)]
mod tests;
