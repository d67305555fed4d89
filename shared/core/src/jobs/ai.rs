//! The ai queue's jobs (`ai-responder`): write a lead's first reply, let the
//! model refine a new lead's analysis, write a follow-up step's message,
//! take a turn in the conversation when the customer answers.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Envelope, Job};
use crate::ids::{DealershipId, LeadId, MessageId, RuleId};
use crate::model::Channel;
use crate::queue::QueueName;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum AiJob {
    /// A new lead: notices to the team, follow-up rules started, and the
    /// first reply written and queued (`lead-intake` sends it).
    #[serde(rename = "ai.first_reply")]
    FirstReply(LeadJob),
    /// The model's analysis of a new lead, after its first reply.
    #[serde(rename = "ai.analyze_lead")]
    AnalyzeLead(LeadJob),
    /// A follow-up step whose message the reply engine writes.
    #[serde(rename = "ai.followup")]
    WriteFollowUp(FollowUpWrite),
    /// A customer answered: the AI answers, drafts or hands over. Delayed
    /// by the dealership's debounce window, so that a burst of messages
    /// gets one answer (the job of the latest message gives it).
    #[serde(rename = "ai.turn")]
    ConversationTurn(TurnJob),
}

impl Job for AiJob {
    const QUEUE: QueueName = QueueName::Ai;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadJob {
    pub lead_id: LeadId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TurnJob {
    pub lead_id: LeadId,
    /// The customer's message that started the turn.
    pub message_id: MessageId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUpWrite {
    pub lead_id: LeadId,
    pub rule_id: RuleId,
    pub step: usize,
    /// The id the message gets: fixed by the step's claim, so a repeated
    /// job writes (and sends) one message.
    pub message_id: MessageId,
    pub channel: Channel,
}

impl Envelope<AiJob> {
    pub fn first_reply(
        dealership_id: DealershipId,
        lead_id: LeadId,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            dealership_id,
            format!("first_reply:{lead_id}"),
            trace_id.into(),
            now,
            AiJob::FirstReply(LeadJob { lead_id }),
        )
    }

    pub fn analyze_lead(
        dealership_id: DealershipId,
        lead_id: LeadId,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            dealership_id,
            format!("analyze:{lead_id}"),
            trace_id.into(),
            now,
            AiJob::AnalyzeLead(LeadJob { lead_id }),
        )
    }

    /// Keyed `turn:<message>`: one turn per customer message.
    pub fn conversation_turn(
        dealership_id: DealershipId,
        lead_id: LeadId,
        message_id: MessageId,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            dealership_id,
            format!("turn:{message_id}"),
            trace_id.into(),
            now,
            AiJob::ConversationTurn(TurnJob {
                lead_id,
                message_id,
            }),
        )
    }

    /// `step_key` is the step's claim key (`auto:<rule>:<lead>:<step>`).
    pub fn write_follow_up(
        dealership_id: DealershipId,
        step_key: &str,
        write: FollowUpWrite,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            dealership_id,
            step_key.into(),
            format!("followup:{step_key}"),
            now,
            AiJob::WriteFollowUp(write),
        )
    }
}
