//! A lead's way through one rule's sequence: when it started, which step is
//! next and when that step is due. One record per (rule, lead), so a rule
//! runs at most once for a lead; the due time is indexed so the scheduled
//! job finds due steps without scanning.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::quiet::QuietHours;
use crate::ids::{DealershipId, LeadId, RuleId};
use crate::model::rule::{Action, AutomationRule, Step, Trigger};
use crate::model::{Channel, Lead, LeadStatus};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FollowUp {
    pub dealership_id: DealershipId,
    pub rule_id: RuleId,
    pub lead_id: LeadId,
    /// What set the sequence off: the lead's arrival, our last message to
    /// the customer, or the lead entering the rule's status.
    pub armed_at: DateTime<Utc>,
    /// Index into the rule's steps.
    pub next_step: usize,
    /// When `next_step` may run; `None` once the sequence is over.
    pub due_at: Option<DateTime<Utc>>,
    pub runs: Vec<StepRun>,
    pub stopped: Option<Stopped>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StepRun {
    pub step: usize,
    pub action: String,
    pub ran_at: DateTime<Utc>,
    /// `done`, or why the step did nothing (`skipped: no phone number`).
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Stopped {
    pub at: DateTime<Utc>,
    pub reason: StopReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// Every step ran.
    Completed,
    CustomerReplied,
    LeadClosed,
    LeadDeleted,
    OptedOut,
    RuleInactive,
    /// A time-based rule's lead left the status before the first step.
    StatusChanged,
}

impl FollowUp {
    /// The sequence of `rule` for `lead`, set off at `armed_at`.
    pub fn start(
        rule: &AutomationRule,
        lead: &Lead,
        armed_at: DateTime<Utc>,
        quiet: &QuietHours,
        now: DateTime<Utc>,
    ) -> Self {
        let due = step_due(rule, 0, trigger_at(&rule.trigger, armed_at), quiet);
        Self {
            dealership_id: lead.dealership_id,
            rule_id: rule.id,
            lead_id: lead.id,
            armed_at,
            next_step: 0,
            due_at: due,
            runs: Vec::new(),
            stopped: None,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }

    pub fn is_over(&self) -> bool {
        self.due_at.is_none()
    }

    /// Whether the trigger can be moved (no step has run yet).
    pub fn not_started(&self) -> bool {
        self.runs.is_empty() && !self.is_over()
    }

    /// Records step `next_step` as run and schedules the one after it,
    /// counting its delay from when this one was due.
    pub fn advance(
        &mut self,
        rule: &AutomationRule,
        outcome: impl Into<String>,
        quiet: &QuietHours,
        now: DateTime<Utc>,
    ) {
        let step = self.next_step;
        let was_due = self.due_at.unwrap_or(now);
        self.runs.push(StepRun {
            step,
            action: rule
                .steps
                .get(step)
                .map_or("missing", |s| s.action.kind())
                .into(),
            ran_at: now,
            outcome: outcome.into(),
        });
        self.next_step += 1;
        self.due_at = step_due(rule, self.next_step, was_due, quiet);
        if self.due_at.is_none() {
            self.stopped = Some(Stopped {
                at: now,
                reason: StopReason::Completed,
            });
        }
        self.touch(now);
    }

    pub fn stop(&mut self, reason: StopReason, now: DateTime<Utc>) {
        self.due_at = None;
        self.stopped = Some(Stopped { at: now, reason });
        self.touch(now);
    }

    /// Sets the trigger off again (a new message of ours restarts a
    /// no-response wait) while no step has run.
    pub fn rearm(
        &mut self,
        rule: &AutomationRule,
        armed_at: DateTime<Utc>,
        quiet: &QuietHours,
        now: DateTime<Utc>,
    ) {
        self.armed_at = armed_at;
        self.due_at = step_due(rule, 0, trigger_at(&rule.trigger, armed_at), quiet);
        self.touch(now);
    }

    fn touch(&mut self, now: DateTime<Utc>) {
        self.updated_at = now;
        self.version += 1;
    }

    /// Why the sequence must end before its next step, if it must.
    pub fn stop_reason(&self, rule: Option<&AutomationRule>, lead: &Lead) -> Option<StopReason> {
        let Some(rule) = rule.filter(|r| r.is_active) else {
            return Some(StopReason::RuleInactive);
        };
        if lead.is_deleted() {
            return Some(StopReason::LeadDeleted);
        }
        if matches!(lead.status, LeadStatus::Won | LeadStatus::Lost) {
            return Some(StopReason::LeadClosed);
        }
        if lead
            .customer_replied_at
            .is_some_and(|replied| replied > self.armed_at)
        {
            return Some(StopReason::CustomerReplied);
        }
        if let Trigger::TimeBased { status, .. } = rule.trigger
            && self.next_step == 0
            && lead.status != status
        {
            return Some(StopReason::StatusChanged);
        }
        None
    }
}

/// When the trigger itself fires, `armed_at` plus its wait.
pub fn trigger_at(trigger: &Trigger, armed_at: DateTime<Utc>) -> DateTime<Utc> {
    match trigger {
        Trigger::NewLead {} => armed_at,
        Trigger::NoResponse { hours } => armed_at + Duration::hours(i64::from(*hours)),
        Trigger::TimeBased { days, .. } => armed_at + Duration::days(i64::from(*days)),
    }
}

/// When step `index` is due, its delay counted from `after` and moved out
/// of quiet hours when it writes to the customer. `None` past the last step.
pub fn step_due(
    rule: &AutomationRule,
    index: usize,
    after: DateTime<Utc>,
    quiet: &QuietHours,
) -> Option<DateTime<Utc>> {
    let step = rule.steps.get(index)?;
    let nominal = after + Duration::minutes(i64::from(step.delay_minutes));
    Some(match step_channel(step) {
        Some(channel) => quiet.next_allowed(channel, nominal),
        None => nominal,
    })
}

/// Every step's due time for a sequence set off at `armed_at` (the dry run).
pub fn plan(
    rule: &AutomationRule,
    armed_at: DateTime<Utc>,
    quiet: &QuietHours,
) -> Vec<DateTime<Utc>> {
    let mut times = Vec::with_capacity(rule.steps.len());
    let mut after = trigger_at(&rule.trigger, armed_at);
    for index in 0..rule.steps.len() {
        let due = step_due(rule, index, after, quiet).expect("index in range");
        times.push(due);
        after = due;
    }
    times
}

/// The customer channel a step writes on.
pub fn step_channel(step: &Step) -> Option<Channel> {
    match step.action {
        Action::SendEmail { .. } => Some(Channel::Email),
        Action::SendSms { .. } => Some(Channel::Sms),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::rule::NewRule;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn rule(json: serde_json::Value) -> AutomationRule {
        let now = crate::time::now();
        serde_json::from_value::<NewRule>(json)
            .unwrap()
            .into_rule(DealershipId::new_at(now), &[], now)
            .unwrap()
    }

    fn no_answer() -> AutomationRule {
        rule(serde_json::json!({
            "name": "Ingen svar",
            "trigger": {"type": "no_response", "hours": 24},
            "steps": [
                {"delay_minutes": 0, "action": {"type": "send_sms", "template": "Hei {fornavn}!"}},
                {"delay_minutes": 2880, "action": {"type": "notify"}}
            ]
        }))
    }

    #[test]
    fn steps_follow_the_trigger_and_each_other() {
        let q = QuietHours::default();
        // Our reply Tuesday 24 Nov 10:00 Oslo; no answer by Wednesday 10:00
        // → SMS then; the rep hears two days later.
        let times = plan(&no_answer(), utc("2026-11-24T09:00:00Z"), &q);
        assert_eq!(
            times,
            [utc("2026-11-25T09:00:00Z"), utc("2026-11-27T09:00:00Z")]
        );
    }

    #[test]
    fn a_late_reply_makes_the_sms_wait_for_morning_and_the_rest_follows() {
        let q = QuietHours::default();
        // Our reply Friday 27 Nov 22:15 Oslo → SMS due Saturday 22:15, which
        // is quiet time, then Sunday: it goes Monday 30 Nov 08:00.
        let times = plan(&no_answer(), utc("2026-11-27T21:15:00Z"), &q);
        assert_eq!(times[0], utc("2026-11-30T07:00:00Z"));
        assert_eq!(times[1], utc("2026-12-02T07:00:00Z"));
    }

    #[test]
    fn a_sequence_across_the_autumn_dst_change_keeps_oslo_times() {
        let q = QuietHours::default();
        let r = rule(serde_json::json!({
            "name": "Ny lead",
            "trigger": {"type": "new_lead"},
            "steps": [
                {"delay_minutes": 1440, "action": {"type": "send_sms", "template": "Hei!"}}
            ]
        }));
        // Saturday 24 Oct 2026 21:30 CEST: +24 h is Sunday 20:30 CET (and
        // a Sunday) → Monday 26 Oct 08:00 CET, 07:00 UTC.
        assert_eq!(
            plan(&r, utc("2026-10-24T19:30:00Z"), &q),
            [utc("2026-10-26T07:00:00Z")]
        );
    }

    #[test]
    fn advancing_records_the_run_and_completes() {
        let q = QuietHours::default();
        let r = no_answer();
        let now = utc("2026-11-24T09:00:00Z");
        let mut lead = crate::model::lead::sample(now);
        lead.dealership_id = r.dealership_id;
        let mut f = FollowUp::start(&r, &lead, now, &q, now);
        assert_eq!(f.due_at, Some(utc("2026-11-25T09:00:00Z")));
        f.advance(&r, "done", &q, utc("2026-11-25T09:03:00Z"));
        assert_eq!(f.next_step, 1);
        assert_eq!(f.due_at, Some(utc("2026-11-27T09:00:00Z")));
        f.advance(&r, "done", &q, utc("2026-11-27T09:01:00Z"));
        assert!(f.is_over());
        assert_eq!(f.stopped.unwrap().reason, StopReason::Completed);
        assert_eq!(f.version, 3);
    }

    #[test]
    fn a_reply_a_close_or_an_inactive_rule_stops_the_sequence() {
        let q = QuietHours::default();
        let r = no_answer();
        let armed = utc("2026-11-24T09:00:00Z");
        let mut lead = crate::model::lead::sample(armed);
        let f = FollowUp::start(&r, &lead, armed, &q, armed);
        assert_eq!(f.stop_reason(Some(&r), &lead), None);
        lead.customer_replied_at = Some(armed - Duration::hours(1));
        assert_eq!(f.stop_reason(Some(&r), &lead), None, "an earlier reply");
        lead.customer_replied_at = Some(armed + Duration::hours(1));
        assert_eq!(
            f.stop_reason(Some(&r), &lead),
            Some(StopReason::CustomerReplied)
        );
        lead.customer_replied_at = None;
        lead.status = LeadStatus::Won;
        assert_eq!(f.stop_reason(Some(&r), &lead), Some(StopReason::LeadClosed));
        lead.status = LeadStatus::Contacted;
        let mut off = r.clone();
        off.is_active = false;
        assert_eq!(
            f.stop_reason(Some(&off), &lead),
            Some(StopReason::RuleInactive)
        );
        assert_eq!(f.stop_reason(None, &lead), Some(StopReason::RuleInactive));
        lead.deleted_at = Some(armed);
        assert_eq!(
            f.stop_reason(Some(&r), &lead),
            Some(StopReason::LeadDeleted)
        );
    }
}
