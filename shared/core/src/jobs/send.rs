//! The send queue's jobs (`sender`): a stored message to the customer, and
//! a notice to the sales team. Each is sent exactly once, however often it
//! is delivered: the sender claims `send:<message>` (or the notice's key
//! plus the recipient) before it sends.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Envelope, Job};
use crate::ids::{DealershipId, LeadId, MessageId, RuleId, UserId};
use crate::queue::{Queue, QueueError, QueueName};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload")]
pub enum SendJob {
    #[serde(rename = "send.message")]
    Message(MessageJob),
    #[serde(rename = "notify.lead")]
    Notice(NoticeJob),
}

impl Job for SendJob {
    const QUEUE: QueueName = QueueName::Send;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageJob {
    pub lead_id: LeadId,
    pub message_id: MessageId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoticeJob {
    pub lead_id: LeadId,
    pub event: LeadEvent,
}

/// What the team is told about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LeadEvent {
    NewLead,
    CustomerReply {
        message_id: MessageId,
    },
    /// The lead was given to `user_id` (by a rule's round robin or a rep).
    Assigned {
        user_id: UserId,
    },
    /// The lead needs a person now (the summary is on the lead).
    Handover {
        reason: crate::model::HandoverReason,
        /// The customer message whose turn handed over.
        #[serde(default)]
        message_id: Option<MessageId>,
    },
    /// An appointment was booked, moved or cancelled.
    Appointment {
        appointment_id: crate::ids::AppointmentId,
        sequence: u32,
        status: crate::model::AppointmentStatus,
    },
    /// A response-time target: the reminder at 80 %, or the target missed
    /// (the lead given to the next rep, the managers told).
    Target {
        step: crate::automation::response_clock::Step,
        clock: crate::automation::response_clock::ClockKind,
        started_at: chrono::DateTime<chrono::Utc>,
        due_at: chrono::DateTime<chrono::Utc>,
        #[serde(default)]
        previous: Option<UserId>,
        #[serde(default)]
        reassigned_to: Option<UserId>,
    },
    /// The new lead as an ADF 1.0 document, to the dealership's dealer
    /// management system (`adf_email`).
    Adf,
    /// A follow-up rule's `notify` step.
    FollowUp {
        rule_id: RuleId,
        step: usize,
        rule_name: String,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        user_id: Option<UserId>,
        #[serde(default)]
        emails: Vec<String>,
    },
}

impl Envelope<SendJob> {
    /// Keyed `send:<message>`: the exactly-once key of the send.
    pub fn message(
        dealership_id: DealershipId,
        lead_id: LeadId,
        message_id: MessageId,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            dealership_id,
            format!("send:{message_id}"),
            trace_id.into(),
            now,
            SendJob::Message(MessageJob {
                lead_id,
                message_id,
            }),
        )
    }

    /// Keyed by lead and event (`notify:<lead>:new`,
    /// `notify:<lead>:reply:<message>` …); each recipient's claim adds
    /// `:<address>`.
    pub fn notice(
        dealership_id: DealershipId,
        lead_id: LeadId,
        event: LeadEvent,
        trace_id: &str,
        now: DateTime<Utc>,
    ) -> Self {
        let key = match &event {
            LeadEvent::NewLead => format!("notify:{lead_id}:new"),
            LeadEvent::Adf => format!("notify:{lead_id}:adf"),
            LeadEvent::CustomerReply { message_id } => {
                format!("notify:{lead_id}:reply:{message_id}")
            }
            LeadEvent::Assigned { user_id } => format!("notify:{lead_id}:assigned:{user_id}"),
            LeadEvent::Handover { message_id, .. } => match message_id {
                Some(m) => format!("notify:{lead_id}:handover:{m}"),
                None => format!("notify:{lead_id}:handover"),
            },
            LeadEvent::FollowUp { rule_id, step, .. } => {
                format!("notify:{lead_id}:auto:{rule_id}:{step}")
            }
            LeadEvent::Target {
                step, started_at, ..
            } => format!(
                "notify:{lead_id}:target:{}:{}",
                started_at.timestamp(),
                match step {
                    crate::automation::response_clock::Step::Remind => "remind",
                    crate::automation::response_clock::Step::Escalate => "escalate",
                }
            ),
            LeadEvent::Appointment {
                appointment_id,
                sequence,
                status,
            } => format!(
                "notify:{lead_id}:appointment:{appointment_id}:{sequence}:{}",
                status.as_str()
            ),
        };
        Self::new(
            dealership_id,
            key,
            trace_id.into(),
            now,
            SendJob::Notice(NoticeJob { lead_id, event }),
        )
    }
}

/// The one way a stored message is put on the send queue.
pub async fn send_message(
    queue: &dyn Queue,
    dealership_id: DealershipId,
    lead_id: LeadId,
    message_id: MessageId,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<(), QueueError> {
    Envelope::message(dealership_id, lead_id, message_id, trace_id, now)
        .enqueue(queue)
        .await
}

/// The one way the team is told about a lead.
pub async fn notify(
    queue: &dyn Queue,
    dealership_id: DealershipId,
    lead_id: LeadId,
    event: LeadEvent,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<(), QueueError> {
    Envelope::notice(dealership_id, lead_id, event, trace_id, now)
        .enqueue(queue)
        .await
}
