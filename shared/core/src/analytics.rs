//! Analytics roll-ups: one record per dealership per Oslo day, computed
//! from the leads created that day (a cohort) and their conversations. A
//! day is always recomputed whole, so the job is idempotent and can rebuild
//! any day; the API only ever reads roll-ups, never raw leads.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Oslo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::automation::quiet::oslo_instant;
use crate::ids::{DealershipId, UserId};
use crate::model::{
    Appointment, AppointmentStatus, Channel, Direction, Lead, LeadStatus, Message, SenderType, User,
};

/// The answer time Norvalt promises dealers (docs/architecture.md): the
/// share answered within it counts.
pub const FAST_ANSWER_SECS: u32 = 90;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DailyRollup {
    pub dealership_id: Option<DealershipId>,
    #[schema(value_type = String, example = "2026-11-25")]
    pub day: Option<NaiveDate>,
    pub leads: u32,
    pub leads_by_source: BTreeMap<String, u32>,
    pub won_by_source: BTreeMap<String, u32>,
    /// Seconds from capture to the first reply, one per answered lead.
    pub first_response_secs: Vec<u32>,
    pub funnel: Funnel,
    pub reps: BTreeMap<UserId, RepDay>,
    pub ai_messages: u32,
    pub ai_fallbacks: u32,
    pub ai_tokens: u64,
    pub sms_segments: u32,
    /// When the segment price is configured.
    pub sms_cost_nok: f64,
    /// The day's leads that booked, and how their appointments went.
    #[serde(default)]
    pub bookings_by_source: BTreeMap<String, BookingCounts>,
    /// First contact by a person against the dealership's target.
    #[serde(default)]
    pub targets_by_source: BTreeMap<String, TargetCounts>,
    pub computed_at: Option<DateTime<Utc>>,
}

/// Leads whose first-contact target has been reached (a person made
/// contact, or the target passed), those a person contacted within it, and
/// the seconds from arrival to a person's first contact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TargetCounts {
    pub due: u32,
    pub met: u32,
    pub first_human_secs: Vec<u32>,
}

impl TargetCounts {
    fn add(&mut self, other: &TargetCounts) {
        self.due += other.due;
        self.met += other.met;
        self.first_human_secs
            .extend_from_slice(&other.first_human_secs);
    }

    /// One lead's, at `now`: `due_at` is its first-contact target.
    pub fn of_lead(
        created_at: DateTime<Utc>,
        first_human: Option<DateTime<Utc>>,
        due_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut t = TargetCounts::default();
        if let Some(first) = first_human {
            t.first_human_secs.push(secs_between(created_at, first));
        }
        if let Some(due) = due_at
            && (first_human.is_some() || due <= now)
        {
            t.due = 1;
            t.met = u32::from(first_human.is_some_and(|f| f <= due));
        }
        t
    }
}

/// Leads that booked an appointment, and of their appointments that are
/// over, those where the customer came and those where they did not.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BookingCounts {
    pub booked: u32,
    pub showed: u32,
    pub no_show: u32,
}

impl BookingCounts {
    fn add(&mut self, other: BookingCounts) {
        self.booked += other.booked;
        self.showed += other.showed;
        self.no_show += other.no_show;
    }

    /// One lead's: booked when it has any appointment that was not
    /// cancelled; each showed and no-show counted.
    pub fn of_lead(appointments: &[Appointment]) -> Self {
        BookingCounts {
            booked: u32::from(
                appointments
                    .iter()
                    .any(|a| a.status != AppointmentStatus::Cancelled),
            ),
            showed: appointments
                .iter()
                .filter(|a| a.status == AppointmentStatus::Showed)
                .count() as u32,
            no_show: appointments
                .iter()
                .filter(|a| a.status == AppointmentStatus::NoShow)
                .count() as u32,
        }
    }
}

/// How far the day's leads have come (by their current status).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Funnel {
    pub new: u32,
    pub contacted: u32,
    pub qualified: u32,
    pub won: u32,
    pub lost: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RepDay {
    pub assigned: u32,
    pub won: u32,
    /// Seconds from capture to the rep's first own message, per lead.
    pub first_human_response_secs: Vec<u32>,
    #[serde(default)]
    pub bookings: BookingCounts,
    #[serde(default)]
    pub targets: TargetCounts,
}

/// One lead of a day's cohort, with what the roll-up reads of it.
pub struct CohortLead {
    pub lead: Lead,
    pub messages: Vec<Message>,
    pub appointments: Vec<Appointment>,
    /// When a person's first contact was due (the dealership's target in
    /// its opening hours), if it has one.
    pub first_contact_due: Option<DateTime<Utc>>,
}

/// The Oslo day an instant falls on.
pub fn oslo_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Oslo).date_naive()
}

/// The UTC span of an Oslo day (23, 24 or 25 hours long).
pub fn day_span(day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = chrono::NaiveTime::MIN;
    (
        oslo_instant(day, midnight),
        oslo_instant(day + Duration::days(1), midnight),
    )
}

impl DailyRollup {
    /// The day's numbers from its leads, each with its conversation.
    pub fn compute(
        dealership_id: DealershipId,
        day: NaiveDate,
        leads: &[CohortLead],
        sms_segment_price_nok: Option<f64>,
        now: DateTime<Utc>,
    ) -> Self {
        let mut r = DailyRollup {
            dealership_id: Some(dealership_id),
            day: Some(day),
            computed_at: Some(now),
            ..Default::default()
        };
        for CohortLead {
            lead,
            messages,
            appointments,
            first_contact_due,
        } in leads
        {
            let source = lead.source.as_str().to_string();
            let booking = BookingCounts::of_lead(appointments);
            let first_human = messages
                .iter()
                .find(|m| m.sender_type == SenderType::Human && m.direction == Direction::Outbound)
                .map(|m| m.created_at)
                .or(lead.human_contact_at);
            let target =
                TargetCounts::of_lead(lead.created_at, first_human, *first_contact_due, now);
            r.targets_by_source
                .entry(source.clone())
                .or_default()
                .add(&target);
            r.bookings_by_source
                .entry(source.clone())
                .or_default()
                .add(booking);
            r.leads += 1;
            *r.leads_by_source.entry(source.clone()).or_default() += 1;
            let won = lead.status == LeadStatus::Won;
            if won {
                *r.won_by_source.entry(source).or_default() += 1;
            }
            if let Some(at) = lead.first_response_at {
                r.first_response_secs
                    .push(secs_between(lead.created_at, at));
            }
            match lead.status {
                LeadStatus::New | LeadStatus::NeedsReview => r.funnel.new += 1,
                LeadStatus::Contacted => r.funnel.contacted += 1,
                LeadStatus::Qualified => r.funnel.qualified += 1,
                LeadStatus::Won => r.funnel.won += 1,
                LeadStatus::Lost => r.funnel.lost += 1,
            }
            if let Some(rep) = lead.assigned_to {
                let day = r.reps.entry(rep).or_default();
                day.assigned += 1;
                day.bookings.add(booking);
                day.targets.add(&target);
                day.won += u32::from(won);
                if let Some(first) = messages.iter().find(|m| {
                    m.sender_type == SenderType::Human
                        && m.direction == Direction::Outbound
                        && m.metadata["author_user_id"]
                            .as_str()
                            .is_none_or(|a| a == rep.to_string())
                }) {
                    day.first_human_response_secs
                        .push(secs_between(lead.created_at, first.created_at));
                }
            }
            for m in messages {
                if m.sender_type == SenderType::Ai {
                    r.ai_messages += 1;
                    r.ai_fallbacks += u32::from(m.metadata["fallback"] == true);
                    r.ai_tokens += m.metadata["input_tokens"].as_u64().unwrap_or(0)
                        + m.metadata["output_tokens"].as_u64().unwrap_or(0);
                }
                if m.channel == Channel::Sms && m.direction == Direction::Outbound {
                    let (_, n) = crate::outbound::sms::segments(&m.message_content);
                    r.sms_segments += n as u32;
                }
            }
        }
        r.first_response_secs.sort_unstable();
        if let Some(price) = sms_segment_price_nok {
            r.sms_cost_nok = round_cents(price * f64::from(r.sms_segments));
        }
        r
    }
}

fn secs_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    (to - from).num_seconds().clamp(0, i64::from(u32::MAX)) as u32
}

fn round_cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// The median and 90th percentile (nearest rank) of `values`.
pub fn percentiles(values: &mut [u32]) -> (Option<u32>, Option<u32>) {
    if values.is_empty() {
        return (None, None);
    }
    values.sort_unstable();
    let rank = |p: f64| {
        let r = (p * values.len() as f64).ceil() as usize;
        values[r.clamp(1, values.len()) - 1]
    };
    (Some(rank(0.5)), Some(rank(0.9)))
}

/// `GET /api/analytics/summary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Summary {
    #[schema(value_type = String)]
    pub from: NaiveDate,
    #[schema(value_type = String)]
    pub to: NaiveDate,
    pub leads: u32,
    pub leads_by_source: BTreeMap<String, u32>,
    pub first_response: FirstResponse,
    pub conversion: Conversion,
    pub funnel: Funnel,
    pub reps: Vec<RepSummary>,
    pub ai: AiUse,
    pub sms: SmsUse,
    pub bookings: BookingSummary,
    pub response_targets: TargetSummary,
}

/// A person's first contact against the target: the share within it and
/// the median time, in all and by source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct TargetSummary {
    pub due: u32,
    pub met: u32,
    pub within_target_share: Option<f64>,
    pub median_first_human_secs: Option<u32>,
    pub by_source: BTreeMap<String, SourceTargets>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SourceTargets {
    pub due: u32,
    pub met: u32,
    pub within_target_share: Option<f64>,
    pub median_first_human_secs: Option<u32>,
}

/// Booked rate (leads that booked ÷ leads) and show rate (came ÷ came or
/// not), in all and by source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct BookingSummary {
    pub booked: u32,
    pub showed: u32,
    pub no_show: u32,
    pub booked_rate: Option<f64>,
    pub show_rate: Option<f64>,
    pub by_source: BTreeMap<String, SourceBookings>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SourceBookings {
    pub leads: u32,
    pub booked: u32,
    pub showed: u32,
    pub no_show: u32,
    pub booked_rate: Option<f64>,
    pub show_rate: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct FirstResponse {
    pub answered: u32,
    pub median_secs: Option<u32>,
    pub p90_secs: Option<u32>,
    /// Answered within 90 s, of all leads (0–1).
    pub within_90s_share: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct Conversion {
    pub won: u32,
    /// Won ÷ leads (0–1).
    pub rate: Option<f64>,
    pub by_source: BTreeMap<String, SourceConversion>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SourceConversion {
    pub leads: u32,
    pub won: u32,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RepSummary {
    pub user_id: UserId,
    pub name: Option<String>,
    pub assigned: u32,
    pub won: u32,
    pub median_first_human_response_secs: Option<u32>,
    pub booked: u32,
    pub showed: u32,
    pub no_show: u32,
    pub show_rate: Option<f64>,
    pub within_target_share: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct AiUse {
    pub messages: u32,
    pub fallbacks: u32,
    pub fallback_rate: Option<f64>,
    pub tokens: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SmsUse {
    pub segments: u32,
    pub cost_nok: f64,
}

fn ratio(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| round4(f64::from(part) / f64::from(whole)))
}

fn round4(v: f64) -> f64 {
    (v * 10_000.0).round() / 10_000.0
}

/// Merges the roll-ups of `from..=to` into one summary. `users` names the
/// reps.
pub fn summarise(
    rollups: &[DailyRollup],
    from: NaiveDate,
    to: NaiveDate,
    users: &[User],
) -> Summary {
    let mut s = Summary {
        from,
        to,
        ..Default::default()
    };
    let mut first: Vec<u32> = Vec::new();
    let mut reps: BTreeMap<UserId, RepDay> = BTreeMap::new();
    let mut sms_cost = 0.0;
    let mut all_targets = TargetCounts::default();
    let mut targets: BTreeMap<String, TargetCounts> = BTreeMap::new();
    for r in rollups {
        s.leads += r.leads;
        for (k, v) in &r.leads_by_source {
            *s.leads_by_source.entry(k.clone()).or_default() += v;
            s.conversion.by_source.entry(k.clone()).or_default().leads += v;
        }
        for (k, v) in &r.won_by_source {
            s.conversion.by_source.entry(k.clone()).or_default().won += v;
        }
        for (k, v) in &r.leads_by_source {
            s.bookings.by_source.entry(k.clone()).or_default().leads += v;
        }
        for (k, t) in &r.targets_by_source {
            all_targets.add(t);
            targets.entry(k.clone()).or_default().add(t);
        }
        for (k, b) in &r.bookings_by_source {
            let e = s.bookings.by_source.entry(k.clone()).or_default();
            e.booked += b.booked;
            e.showed += b.showed;
            e.no_show += b.no_show;
        }
        first.extend_from_slice(&r.first_response_secs);
        s.funnel.new += r.funnel.new;
        s.funnel.contacted += r.funnel.contacted;
        s.funnel.qualified += r.funnel.qualified;
        s.funnel.won += r.funnel.won;
        s.funnel.lost += r.funnel.lost;
        for (id, d) in &r.reps {
            let e = reps.entry(*id).or_default();
            e.assigned += d.assigned;
            e.won += d.won;
            e.first_human_response_secs
                .extend_from_slice(&d.first_human_response_secs);
            e.bookings.add(d.bookings);
            e.targets.add(&d.targets);
        }
        s.ai.messages += r.ai_messages;
        s.ai.fallbacks += r.ai_fallbacks;
        s.ai.tokens += r.ai_tokens;
        s.sms.segments += r.sms_segments;
        sms_cost += r.sms_cost_nok;
    }
    s.sms.cost_nok = round_cents(sms_cost);
    s.first_response.answered = first.len() as u32;
    let fast = first.iter().filter(|&&x| x <= FAST_ANSWER_SECS).count() as u32;
    (s.first_response.median_secs, s.first_response.p90_secs) = percentiles(&mut first);
    s.first_response.within_90s_share = ratio(fast, s.leads);
    s.conversion.won = s.funnel.won;
    s.conversion.rate = ratio(s.funnel.won, s.leads);
    for c in s.conversion.by_source.values_mut() {
        c.rate = ratio(c.won, c.leads);
    }
    s.ai.fallback_rate = ratio(s.ai.fallbacks, s.ai.messages);
    for b in s.bookings.by_source.values_mut() {
        b.booked_rate = ratio(b.booked, b.leads);
        b.show_rate = ratio(b.showed, b.showed + b.no_show);
        s.bookings.booked += b.booked;
        s.bookings.showed += b.showed;
        s.bookings.no_show += b.no_show;
    }
    s.bookings.booked_rate = ratio(s.bookings.booked, s.leads);
    s.response_targets = TargetSummary {
        due: all_targets.due,
        met: all_targets.met,
        within_target_share: ratio(all_targets.met, all_targets.due),
        median_first_human_secs: percentiles(&mut all_targets.first_human_secs).0,
        by_source: targets
            .into_iter()
            .map(|(k, mut t)| {
                (
                    k,
                    SourceTargets {
                        due: t.due,
                        met: t.met,
                        within_target_share: ratio(t.met, t.due),
                        median_first_human_secs: percentiles(&mut t.first_human_secs).0,
                    },
                )
            })
            .collect(),
    };
    s.bookings.show_rate = ratio(s.bookings.showed, s.bookings.showed + s.bookings.no_show);
    s.reps = reps
        .into_iter()
        .map(|(id, mut d)| RepSummary {
            user_id: id,
            name: users
                .iter()
                .find(|u| u.id == id)
                .and_then(|u| u.name.clone()),
            assigned: d.assigned,
            won: d.won,
            median_first_human_response_secs: percentiles(&mut d.first_human_response_secs).0,
            booked: d.bookings.booked,
            showed: d.bookings.showed,
            no_show: d.bookings.no_show,
            show_rate: ratio(d.bookings.showed, d.bookings.showed + d.bookings.no_show),
            within_target_share: ratio(d.targets.met, d.targets.due),
        })
        .collect();
    s
}

/// The metrics `GET /api/analytics/timeseries` can draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeriesMetric {
    Leads,
    Won,
    ConversionRate,
    FirstResponseMedianSecs,
    Within90sShare,
    AiFallbackRate,
    AiTokens,
    SmsSegments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    /// ISO weeks, starting Monday.
    Week,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Point {
    /// The day, or the Monday of the week.
    #[schema(value_type = String)]
    pub period: NaiveDate,
    pub value: Option<f64>,
}

/// One point per day or week of `from..=to`, empty periods included.
pub fn timeseries(
    rollups: &[DailyRollup],
    metric: SeriesMetric,
    granularity: Granularity,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<Point> {
    let start_of = |d: NaiveDate| match granularity {
        Granularity::Day => d,
        Granularity::Week => d - Duration::days(i64::from(d.weekday().num_days_from_monday())),
    };
    let mut periods: BTreeMap<NaiveDate, Vec<DailyRollup>> = BTreeMap::new();
    let mut d = start_of(from);
    while d <= to {
        periods.entry(d).or_default();
        d += match granularity {
            Granularity::Day => Duration::days(1),
            Granularity::Week => Duration::days(7),
        };
    }
    for r in rollups {
        if let Some(day) = r.day {
            periods.entry(start_of(day)).or_default().push(r.clone());
        }
    }
    periods
        .into_iter()
        .map(|(period, days)| {
            let s = summarise(&days, period, period, &[]);
            let value = match metric {
                SeriesMetric::Leads => Some(f64::from(s.leads)),
                SeriesMetric::Won => Some(f64::from(s.conversion.won)),
                SeriesMetric::ConversionRate => s.conversion.rate,
                SeriesMetric::FirstResponseMedianSecs => {
                    s.first_response.median_secs.map(f64::from)
                }
                SeriesMetric::Within90sShare => s.first_response.within_90s_share,
                SeriesMetric::AiFallbackRate => s.ai.fallback_rate,
                SeriesMetric::AiTokens => Some(s.ai.tokens as f64),
                SeriesMetric::SmsSegments => Some(f64::from(s.sms.segments)),
            };
            Point { period, value }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v = vec![40, 10, 30, 20, 100, 50, 60, 70, 80, 90];
        assert_eq!(percentiles(&mut v), (Some(50), Some(90)));
        assert_eq!(percentiles(&mut [7]), (Some(7), Some(7)));
        assert_eq!(percentiles(&mut []), (None, None));
    }

    #[test]
    fn oslo_days_are_23_24_or_25_hours() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let hours = |day| {
            let (a, b) = day_span(day);
            (b - a).num_hours()
        };
        assert_eq!(hours(d(3, 29)), 23);
        assert_eq!(hours(d(10, 25)), 25);
        assert_eq!(hours(d(11, 25)), 24);
        let (start, _) = day_span(d(11, 25));
        assert_eq!(start.to_rfc3339(), "2026-11-24T23:00:00+00:00");
    }

    #[test]
    fn weeks_start_on_monday_and_empty_periods_count() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let r = DailyRollup {
            day: Some(d(11, 25)),
            leads: 3,
            ..Default::default()
        };
        let points = timeseries(
            &[r],
            SeriesMetric::Leads,
            Granularity::Week,
            d(11, 16),
            d(11, 29),
        );
        assert_eq!(
            points,
            [
                Point {
                    period: d(11, 16),
                    value: Some(0.0)
                },
                Point {
                    period: d(11, 23),
                    value: Some(3.0)
                },
            ]
        );
    }
}
