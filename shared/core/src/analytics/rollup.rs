//! One dealership's day: its leads (a cohort) and what became of them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{round_cents, secs_between};
use crate::ids::{DealershipId, UserId};
use crate::model::{
    Appointment, AppointmentStatus, Channel, Direction, Lead, LeadStatus, Message, SenderType,
};

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
    /// The model's input and output tokens on the day's AI messages, as
    /// the provider reported them (`ai_tokens` is their sum).
    #[serde(default)]
    pub ai_input_tokens: u64,
    #[serde(default)]
    pub ai_output_tokens: u64,
    /// What those tokens cost, when the model's prices are configured.
    #[serde(default)]
    pub ai_cost_usd: f64,
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
    pub(super) fn add(&mut self, other: &TargetCounts) {
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
    pub(super) fn add(&mut self, other: BookingCounts) {
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

/// Where the roll-up job left off for a dealership: when its last run
/// started, and the days it found changed but had no time left to compute.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollupCursor {
    pub at: DateTime<Utc>,
    #[serde(default)]
    pub pending: std::collections::BTreeSet<NaiveDate>,
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

/// The prices the roll-ups turn counts into money with; each is set by
/// the operator from the provider's price list (none: no cost is shown).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prices {
    /// `NORVALT_SMS_SEGMENT_PRICE_NOK`.
    pub sms_segment_nok: Option<f64>,
    /// `NORVALT_MODEL_PRICE_USD_PER_MTOK`.
    pub model: Option<ModelPrices>,
}

/// A model's price in USD per million input and output tokens.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelPrices {
    pub input_per_mtok: f64,
    pub output_per_mtok: f64,
}

impl ModelPrices {
    pub fn cost_usd(&self, input_tokens: u64, output_tokens: u64) -> f64 {
        let cost = (input_tokens as f64 * self.input_per_mtok
            + output_tokens as f64 * self.output_per_mtok)
            / 1_000_000.0;
        (cost * 1_000_000.0).round() / 1_000_000.0
    }

    /// `"<input>,<output>"`, e.g. `1,5` for $1 and $5 per million tokens.
    pub fn parse(value: &str) -> Option<Self> {
        let (input, output) = value.split_once(',')?;
        let price = |v: &str| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|p| p.is_finite() && *p >= 0.0)
        };
        Some(Self {
            input_per_mtok: price(input)?,
            output_per_mtok: price(output)?,
        })
    }
}

impl DailyRollup {
    /// The day's numbers from its leads, each with its conversation.
    pub fn compute(
        dealership_id: DealershipId,
        day: NaiveDate,
        leads: &[CohortLead],
        prices: &Prices,
        now: DateTime<Utc>,
    ) -> Self {
        let sms_segment_price_nok = prices.sms_segment_nok;
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
                    let input = m.metadata["input_tokens"].as_u64().unwrap_or(0);
                    let output = m.metadata["output_tokens"].as_u64().unwrap_or(0);
                    r.ai_tokens += input + output;
                    r.ai_input_tokens += input;
                    r.ai_output_tokens += output;
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
        if let Some(model) = prices.model {
            r.ai_cost_usd = model.cost_usd(r.ai_input_tokens, r.ai_output_tokens);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_prices_are_read_and_priced_per_million_tokens() {
        let haiku = ModelPrices::parse("1, 5").unwrap();
        assert_eq!(haiku.cost_usd(800, 120), 0.0014);
        assert_eq!(haiku.cost_usd(1_000_000, 0), 1.0);
        for bad in ["1", "x,5", "1,-5", "1,inf", ""] {
            assert_eq!(ModelPrices::parse(bad), None, "{bad}");
        }
    }
}
