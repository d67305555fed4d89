//! Lead stages back to Meta ("conversion leads", the Conversions API for
//! CRM). For a lead from a Lead Ads instant form, each stage it reaches is
//! one event, keyed by Meta's leadgen id, so the dealership's ads learn
//! which forms bring buyers (docs/integrations.md).
//!
//! The stages are read from what the lead records, not from the moment a
//! status changed: a lead answered within seconds is `new` and `contacted`
//! at once, and Meta wants every stage, the first one too, in order.

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::DealershipId;
use crate::model::{Appointment, Lead, LeadSource, LeadStatus};

/// Meta takes an event up to 7 days after it happened; an older stage is
/// never sent.
pub const WINDOW: Duration = Duration::days(7);

/// What Meta's "lead event source" shows for our events.
pub const LEAD_EVENT_SOURCE: &str = "Norvalt";

/// A step of the dealership's funnel, in the order a lead goes through it.
/// `Lost` leaves the funnel at any point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStage {
    New,
    Contacted,
    Qualified,
    Booked,
    Won,
    Lost,
}

impl LeadStage {
    /// The `event_name` Meta receives: the stage names a dealership sees in
    /// Events Manager when it maps its funnel.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStage::New => "new",
            LeadStage::Contacted => "contacted",
            LeadStage::Qualified => "qualified",
            LeadStage::Booked => "booked",
            LeadStage::Won => "won",
            LeadStage::Lost => "lost",
        }
    }
}

/// A stage the lead has reached, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReachedStage {
    pub stage: LeadStage,
    pub at: DateTime<Utc>,
}

/// Meta's leadgen id of a lead from Lead Ads, kept in its metadata at
/// capture; `None` for every other lead.
pub fn leadgen_id(lead: &Lead) -> Option<&str> {
    if lead.source != LeadSource::Facebook {
        return None;
    }
    lead.source_metadata
        .get("facebook_leadgen_id")
        .and_then(|v| v.as_str())
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}

/// The Facebook page the lead came through (kept at capture since this
/// integration; older leads lack it).
pub fn page_id(lead: &Lead) -> Option<&str> {
    lead.source_metadata
        .get("facebook_page_id")
        .and_then(|v| v.as_str())
}

/// The connected page whose dataset hears of the lead's stages: the page it
/// came through, or, for a lead captured before pages were recorded, the
/// dealership's only connected page.
pub fn dataset_page<'a>(lead: &Lead, connected: &'a [String]) -> Option<&'a str> {
    match page_id(lead) {
        Some(page) => connected.iter().find(|p| *p == page),
        None if connected.len() == 1 => connected.first(),
        None => None,
    }
    .map(String::as_str)
}

/// The stages `lead` has reached, in funnel order, each at the time it was
/// reached as well as the record tells:
/// - `new`: when the lead came in;
/// - `contacted`: the first reply (or, without one, the change that moved
///   the lead on);
/// - `qualified`: a lead marked qualified, or won (a sale was a qualified
///   lead, and Meta wants the steps before a sale sent before it);
/// - `booked`: its first appointment, even one later cancelled;
/// - `won` and `lost`: the status as it is now.
///
/// A lead under review, deleted or erased reaches nothing more.
pub fn stages_reached(lead: &Lead, appointments: &[Appointment]) -> Vec<ReachedStage> {
    if lead.status == LeadStatus::NeedsReview || lead.is_deleted() || lead.erased_at.is_some() {
        return Vec::new();
    }
    // Every stage is after the lead came in, as Meta requires.
    let at = |t: DateTime<Utc>| t.max(lead.created_at);
    let mut reached = vec![ReachedStage {
        stage: LeadStage::New,
        at: lead.created_at,
    }];
    let moved_on = lead.status != LeadStatus::New;
    if let Some(first) = lead
        .first_response_at
        .or(moved_on.then_some(lead.updated_at))
    {
        reached.push(ReachedStage {
            stage: LeadStage::Contacted,
            at: at(first),
        });
    }
    let won_at =
        (lead.status == LeadStatus::Won).then(|| lead.converted_at.unwrap_or(lead.updated_at));
    match (lead.status, won_at) {
        (LeadStatus::Qualified, _) => reached.push(ReachedStage {
            stage: LeadStage::Qualified,
            at: at(lead.updated_at),
        }),
        (_, Some(won)) => reached.push(ReachedStage {
            stage: LeadStage::Qualified,
            at: at(won),
        }),
        _ => {}
    }
    if let Some(first) = appointments.iter().map(|a| a.created_at).min() {
        reached.push(ReachedStage {
            stage: LeadStage::Booked,
            at: at(first),
        });
    }
    if let Some(won) = won_at {
        reached.push(ReachedStage {
            stage: LeadStage::Won,
            at: at(won),
        });
    }
    if lead.status == LeadStatus::Lost {
        reached.push(ReachedStage {
            stage: LeadStage::Lost,
            at: at(lead.updated_at),
        });
    }
    reached
}

/// Whether Meta still takes an event that happened `at`.
pub fn within_window(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now - at <= WINDOW
}

/// The claim that makes a stage go to Meta once: `capi:<lead>:<stage>`.
pub fn claim_key(lead: &Lead, stage: LeadStage) -> String {
    format!("capi:{}:{}", lead.id, stage.as_str())
}

/// One event of `POST /{dataset_id}/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageEvent {
    pub event_name: String,
    /// Unix seconds.
    pub event_time: i64,
    /// Meta drops a second event with the same name and id: a send repeated
    /// after a crash is counted once.
    pub event_id: String,
    pub action_source: String,
    pub user_data: StageUserData,
    pub custom_data: StageCustomData,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageUserData {
    /// Meta's leadgen id as a number, as the CRM payload specifies.
    pub lead_id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageCustomData {
    pub event_source: String,
    pub lead_event_source: String,
}

/// The event for `stage` of the lead with Meta id `leadgen_id`; `None` when
/// the id is not a number Meta could have made.
pub fn stage_event(lead: &Lead, leadgen_id: &str, stage: ReachedStage) -> Option<StageEvent> {
    Some(StageEvent {
        event_name: stage.stage.as_str().into(),
        event_time: stage.at.timestamp(),
        event_id: format!("{}:{}", lead.id, stage.stage.as_str()),
        action_source: "system_generated".into(),
        user_data: StageUserData {
            lead_id: leadgen_id.parse().ok()?,
        },
        custom_data: StageCustomData {
            event_source: "crm".into(),
            lead_event_source: LEAD_EVENT_SOURCE.into(),
        },
    })
}

/// Where a page's Conversions API access is kept: the dataset id and the
/// token, as JSON ([`DatasetAccess`]), per dealership and page.
pub fn dataset_secret(dealership: DealershipId, page_id: &str) -> String {
    format!("facebook/{dealership}/conversions/{page_id}")
}

/// A page's dataset and the token allowed to send to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetAccess {
    pub dataset_id: String,
    pub access_token: String,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConversionsError {
    /// Network trouble, rate limits, Graph 5xx: try again later.
    #[error("Conversions API unavailable: {0}")]
    Transient(String),
    /// The token is expired, revoked or lacks the permission: needs a person.
    #[error("Conversions API token rejected: {0}")]
    TokenRejected(String),
    /// Meta refused the events themselves: retrying cannot help.
    #[error("Conversions API refused the events: {0}")]
    Permanent(String),
}

/// Meta's Conversions API: the Graph adapter in production, a stand-in
/// that checks every field in tests.
#[async_trait]
pub trait ConversionsClient: Send + Sync {
    /// Sends the events to the dataset; returns how many Meta received.
    async fn send_events(
        &self,
        access: &DatasetAccess,
        events: &[StageEvent],
    ) -> Result<u64, ConversionsError>;
}

#[cfg(test)]
mod tests;
