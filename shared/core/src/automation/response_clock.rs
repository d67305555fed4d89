//! How long a person may take to answer, counted in opening hours only:
//! a target for the first contact after a new lead or a handover (default
//! 15 minutes) and one for answering a customer's reply (default 60). A
//! lead that arrives at 21:00 is due 15 minutes after the next opening;
//! dated exceptions and daylight-saving changes count as the calendar says.
//!
//! The clock is pure: given the lead and the dealership's hours it says
//! when the lead is due, when to remind, and which escalation steps are due
//! now. Running those steps exactly once is the scheduler's.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Europe::Oslo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ai::opening::intervals;
use crate::booking::when::oslo_instant;
use crate::model::dealership::{OpeningException, OpeningHours};
use crate::model::{Lead, LeadStatus};

/// How far ahead the clock looks for opening hours (a dealership closed
/// for longer has no clock).
const SEARCH_DAYS: i64 = 60;

/// A dealership's response-time targets and what happens when one slips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ResponseTargets {
    /// A person's first contact after a new lead or a handover.
    pub first_contact_minutes: u32,
    /// A person's answer to a customer's reply.
    pub reply_minutes: u32,
    /// The assignee is reminded at this share of the target.
    pub remind_at_percent: u8,
    /// At the target, the lead goes to the next available rep.
    pub reassign: bool,
    /// At the target, the managers are told.
    pub notify_manager: bool,
}

impl Default for ResponseTargets {
    fn default() -> Self {
        Self {
            first_contact_minutes: 15,
            reply_minutes: 60,
            remind_at_percent: 80,
            reassign: true,
            notify_manager: true,
        }
    }
}

/// The instant `minutes` of opening time after `start`: the time the shop
/// is open counts, the time it is closed does not. `None` when the
/// dealership opens too little in the next [`SEARCH_DAYS`] days.
pub fn open_minutes_after(
    hours: &OpeningHours,
    exceptions: &[OpeningException],
    start: DateTime<Utc>,
    minutes: u32,
) -> Option<DateTime<Utc>> {
    let mut left = Duration::minutes(i64::from(minutes));
    let first_day = start.with_timezone(&Oslo).date_naive();
    for offset in 0..SEARCH_DAYS {
        let day = first_day + Duration::days(offset);
        for (opens, closes) in intervals(hours, exceptions, day) {
            let (from, until) = (oslo_instant(day, opens), oslo_instant(day, closes));
            if until <= start {
                continue;
            }
            let from = from.max(start);
            if from + left <= until {
                return Some(from + left);
            }
            left -= until - from;
        }
    }
    None
}

/// Which target a lead's clock runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    /// A new lead, or one handed over: no person has contacted the customer.
    FirstContact,
    /// The customer answered, and no person has since.
    Reply,
}

/// A running clock: since when, due when, remind when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Clock {
    pub kind: ClockKind,
    pub started_at: DateTime<Utc>,
    pub remind_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
}

impl Clock {
    /// How late it is at `now`; `None` before it is due.
    pub fn overdue_by(&self, now: DateTime<Utc>) -> Option<Duration> {
        (now > self.due_at).then(|| now - self.due_at)
    }
}

/// An escalation step that is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Remind the assignee.
    Remind,
    /// Give the lead to the next available rep and tell the managers.
    Escalate,
}

/// The lead's running clock, if any. It starts at the lead's arrival or
/// handover (first contact) or at the customer's latest reply, whichever is
/// latest, and a person's contact since (`human_contact_at`: a message to
/// the customer or a status change by a person) stops it. Closed, deleted
/// and erased leads have none.
pub fn clock(
    lead: &Lead,
    human_contact_at: Option<DateTime<Utc>>,
    targets: &ResponseTargets,
    hours: &OpeningHours,
    exceptions: &[OpeningException],
) -> Option<Clock> {
    if lead.is_deleted()
        || lead.erased_at.is_some()
        || matches!(lead.status, LeadStatus::Won | LeadStatus::Lost)
    {
        return None;
    }
    let arrived = lead
        .handover
        .as_ref()
        .map(|h| h.at)
        .unwrap_or(lead.created_at)
        .max(lead.created_at);
    let (kind, started_at, minutes) = match lead.customer_replied_at {
        Some(reply) if reply > arrived => (ClockKind::Reply, reply, targets.reply_minutes),
        _ => (
            ClockKind::FirstContact,
            arrived,
            targets.first_contact_minutes,
        ),
    };
    if human_contact_at.is_some_and(|h| h >= started_at) {
        return None;
    }
    let remind_minutes = minutes * u32::from(targets.remind_at_percent.min(100)) / 100;
    Some(Clock {
        kind,
        started_at,
        remind_at: open_minutes_after(hours, exceptions, started_at, remind_minutes)?,
        due_at: open_minutes_after(hours, exceptions, started_at, minutes)?,
    })
}

/// The steps due at `now`, in order; the scheduler runs each once (a claim
/// per lead, clock start and step).
pub fn due_steps(clock: &Clock, now: DateTime<Utc>) -> Vec<Step> {
    let mut steps = Vec::new();
    if now >= clock.remind_at {
        steps.push(Step::Remind);
    }
    if now >= clock.due_at {
        steps.push(Step::Escalate);
    }
    steps
}

/// The claim that makes a step run once for this clock.
pub fn step_key(lead: &Lead, clock: &Clock, step: Step) -> String {
    format!(
        "target:{}:{}:{}:{}",
        lead.id,
        match clock.kind {
            ClockKind::FirstContact => "first",
            ClockKind::Reply => "reply",
        },
        clock.started_at.timestamp(),
        match step {
            Step::Remind => "remind",
            Step::Escalate => "escalate",
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DealershipId, LeadId};
    use crate::model::dealership::OpeningSlot;
    use crate::model::{Handover, HandoverReason, LeadSource};
    use chrono::{NaiveDate, NaiveTime};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn typical() -> OpeningHours {
        OpeningHours::typical()
    }

    fn lead(created: &str) -> Lead {
        let created = at(created);
        let mut l = crate::model::NewLead {
            customer_email: Some("kari@example.no".into()),
            ..Default::default()
        }
        .into_lead(DealershipId::new_at(created), LeadSource::Website, created)
        .unwrap();
        l.id = LeadId::new_at(created);
        l
    }

    #[test]
    fn open_minutes_skip_the_closed_hours() {
        let h = typical();
        // Within hours: Wednesday 10:00 Oslo (09:00 UTC) + 15 min.
        assert_eq!(
            open_minutes_after(&h, &[], at("2026-12-09T09:00:00Z"), 15),
            Some(at("2026-12-09T09:15:00Z"))
        );
        // A lead on Friday at 21:00 is due 15 minutes after Saturday's
        // opening at 10:00.
        assert_eq!(
            open_minutes_after(&h, &[], at("2026-12-11T20:00:00Z"), 15),
            Some(at("2026-12-12T09:15:00Z"))
        );
        // Friday 16:50: ten minutes that day, five on Saturday.
        assert_eq!(
            open_minutes_after(&h, &[], at("2026-12-11T15:50:00Z"), 15),
            Some(at("2026-12-12T09:05:00Z"))
        );
        // Saturday 14:30 with an hour's target: 30 minutes on Saturday,
        // Sunday closed, 30 on Monday from 09:00.
        assert_eq!(
            open_minutes_after(&h, &[], at("2026-12-12T13:30:00Z"), 60),
            Some(at("2026-12-14T08:30:00Z"))
        );
    }

    #[test]
    fn the_clock_follows_the_daylight_saving_change() {
        let h = typical();
        // Saturday 27 March 2027, 16:00 Oslo (closed since 15:00); the
        // clocks go forward that night; Monday opens 09:00 CEST = 07:00 UTC.
        assert_eq!(
            open_minutes_after(&h, &[], at("2027-03-27T15:00:00Z"), 15),
            Some(at("2027-03-29T07:15:00Z"))
        );
        // And back in October: Monday 1 November 2027 09:00 CET = 08:00 UTC.
        assert_eq!(
            open_minutes_after(&h, &[], at("2027-10-30T15:00:00Z"), 15),
            Some(at("2027-11-01T08:15:00Z"))
        );
    }

    #[test]
    fn a_closed_holiday_is_skipped() {
        let h = typical();
        let christmas_eve = OpeningException {
            date: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
            opens: None,
            closes: None,
            note: Some("Julaften".into()),
        };
        // Wednesday 23 December after closing: Thursday the 24th is closed,
        // Friday the 25th opens (the dealership's hours say so) at 09:00.
        assert_eq!(
            open_minutes_after(&h, &[christmas_eve], at("2026-12-23T17:00:00Z"), 15),
            Some(at("2026-12-25T08:15:00Z"))
        );
        // Never open: no clock.
        assert_eq!(
            open_minutes_after(
                &OpeningHours(Vec::new()),
                &[],
                at("2026-12-23T17:00:00Z"),
                15
            ),
            None
        );
    }

    #[test]
    fn the_clock_starts_at_arrival_reply_or_handover_and_stops_at_a_persons_contact() {
        let h = OpeningHours(
            [
                crate::model::dealership::Weekday::Monday,
                crate::model::dealership::Weekday::Tuesday,
                crate::model::dealership::Weekday::Wednesday,
                crate::model::dealership::Weekday::Thursday,
                crate::model::dealership::Weekday::Friday,
            ]
            .into_iter()
            .map(|day| OpeningSlot {
                day,
                opens: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                closes: NaiveTime::from_hms_opt(20, 0, 0).unwrap(),
            })
            .collect(),
        );
        let targets = ResponseTargets::default();
        let mut l = lead("2026-12-09T09:00:00Z");
        let c = clock(&l, None, &targets, &h, &[]).unwrap();
        assert_eq!(c.kind, ClockKind::FirstContact);
        assert_eq!(
            c.remind_at,
            at("2026-12-09T09:12:00Z"),
            "80 % of 15 minutes"
        );
        assert_eq!(c.due_at, at("2026-12-09T09:15:00Z"));
        assert_eq!(due_steps(&c, at("2026-12-09T09:11:00Z")), []);
        assert_eq!(due_steps(&c, at("2026-12-09T09:12:00Z")), [Step::Remind]);
        assert_eq!(
            due_steps(&c, at("2026-12-09T09:20:00Z")),
            [Step::Remind, Step::Escalate]
        );
        assert_eq!(
            c.overdue_by(at("2026-12-09T09:20:00Z")),
            Some(Duration::minutes(5))
        );

        // A person called: stopped.
        assert_eq!(
            clock(&l, Some(at("2026-12-09T09:05:00Z")), &targets, &h, &[]),
            None
        );
        // The customer answered after that: the reply clock runs, an hour.
        l.customer_replied_at = Some(at("2026-12-09T10:00:00Z"));
        let c = clock(&l, Some(at("2026-12-09T09:05:00Z")), &targets, &h, &[]).unwrap();
        assert_eq!(
            (c.kind, c.due_at),
            (ClockKind::Reply, at("2026-12-09T11:00:00Z"))
        );
        // Handed over later still: a new first-contact clock from then.
        l.handover = Some(Handover {
            reason: HandoverReason::Price,
            detail: None,
            summary: "s".into(),
            message_id: None,
            at: at("2026-12-09T10:30:00Z"),
        });
        let c = clock(&l, Some(at("2026-12-09T09:05:00Z")), &targets, &h, &[]).unwrap();
        assert_eq!(
            (c.kind, c.started_at),
            (ClockKind::FirstContact, at("2026-12-09T10:30:00Z"))
        );
        // Won leads have no clock.
        l.set_status(LeadStatus::Won, at("2026-12-09T10:40:00Z"));
        assert_eq!(clock(&l, None, &targets, &h, &[]), None);
    }

    #[test]
    fn each_step_has_its_own_claim_per_clock() {
        let l = lead("2026-12-09T09:00:00Z");
        let c = clock(&l, None, &ResponseTargets::default(), &typical(), &[]).unwrap();
        let remind = step_key(&l, &c, Step::Remind);
        assert!(remind.starts_with(&format!("target:{}:first:", l.id)));
        assert_ne!(remind, step_key(&l, &c, Step::Escalate));
    }
}
