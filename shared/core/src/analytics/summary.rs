//! `GET /api/analytics/summary`: the days of a range merged.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use super::rollup::{DailyRollup, Funnel, RepDay, TargetCounts};
use super::{FAST_ANSWER_SECS, percentiles, ratio, round_cents};
use crate::ids::UserId;
use crate::model::User;

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
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// What the model cost (USD), when its prices are configured.
    pub cost_usd: f64,
    /// That cost per 1,000 AI messages (replies, turns, follow-ups).
    pub cost_per_1000_replies_usd: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct SmsUse {
    pub segments: u32,
    pub cost_nok: f64,
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
        s.ai.input_tokens += r.ai_input_tokens;
        s.ai.output_tokens += r.ai_output_tokens;
        s.ai.cost_usd += r.ai_cost_usd;
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
    s.ai.cost_usd = (s.ai.cost_usd * 1_000_000.0).round() / 1_000_000.0;
    s.ai.cost_per_1000_replies_usd = (s.ai.messages > 0 && s.ai.cost_usd > 0.0)
        .then(|| (s.ai.cost_usd / f64::from(s.ai.messages) * 1000.0 * 10_000.0).round() / 10_000.0);
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
