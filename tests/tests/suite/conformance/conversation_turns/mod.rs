//! The conversation turn as a table of scripted conversations, on both
//! adapters: each case is a lead's history, a dealership setting, and what
//! a mock model answers (in the structured form, or wrong, risky or
//! malformed), with the outcome it must come to — answered, drafted,
//! handed over for this reason, or quiet — and what must be written and
//! queued for it. Each case is then delivered again, and must change
//! nothing.

use std::sync::Mutex;

use async_trait::async_trait;
use norvalt_core::ai::{ModelAnswer, ModelError, ModelRequest, ReplyModel};
use norvalt_core::ids::MessageId;
use norvalt_core::jobs::{Envelope, JobError, SendJob, TurnJob};
use norvalt_core::model::dealership::OpeningHours;
use norvalt_core::model::{
    BookedBy, ConversationMode, HandBack, Handover, HandoverReason, Lead, Message,
};
use norvalt_core::outbound::links::BookingLinks;
use norvalt_core::service::turns::{TurnOutcome, Turns};
use serde_json::{Value, json};

use super::*;

mod cases;

use cases::*;

conformance!(
    the_scripted_conversations_come_out_as_expected,
    a_burst_of_messages_gets_one_answer,
    two_deliveries_at_once_answer_once,
);

/// Booking links as the platform makes them.
static LINKS: std::sync::LazyLock<BookingLinks> = std::sync::LazyLock::new(|| BookingLinks {
    key: b"test-link-key".to_vec(),
    base_url: Some("https://norvalt.test".into()),
});

/// What the mock model does on one call.
#[derive(Clone, Debug)]
enum Script {
    /// Calls the tool with this input.
    Tool(Value),
    /// Answers in prose, ignoring the tool.
    Prose(&'static str),
    /// Calls the tool but is cut off by the length limit.
    Cut(Value),
    /// Down: overloaded past the adapter's retries.
    Down,
}

struct ScriptedModel {
    script: Mutex<Vec<Script>>,
    requests: Mutex<Vec<ModelRequest>>,
}

impl ScriptedModel {
    fn new(script: &[Script]) -> Self {
        Self {
            script: Mutex::new(script.iter().rev().cloned().collect()),
            requests: Mutex::default(),
        }
    }

    fn calls(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

#[async_trait]
impl ReplyModel for ScriptedModel {
    async fn complete(
        &self,
        request: &ModelRequest,
        _: std::time::Duration,
    ) -> Result<ModelAnswer, ModelError> {
        self.requests.lock().unwrap().push(request.clone());
        let next = self
            .script
            .lock()
            .unwrap()
            .pop()
            .expect("the model was called more often than the case scripted");
        let answer = |structured: Option<Value>, text: &str, truncated: bool| ModelAnswer {
            text: text.into(),
            model: "claude-scripted".into(),
            input_tokens: 900,
            output_tokens: 80,
            truncated,
            structured,
        };
        match next {
            Script::Tool(v) => Ok(answer(Some(v), "", false)),
            Script::Prose(t) => Ok(answer(None, t, false)),
            Script::Cut(v) => Ok(answer(Some(v), "", true)),
            Script::Down => Err(ModelError::Unavailable("529 overloaded".into())),
        }
    }

    fn model_id(&self) -> &str {
        "claude-scripted"
    }
}

struct Played {
    outcome: Result<TurnOutcome, JobError>,
    lead: Lead,
    messages: Vec<Message>,
    sends: Vec<String>,
    notices: Vec<String>,
    model_calls: usize,
    requests: Vec<ModelRequest>,
}

/// A case set up in its own dealership, ready to be delivered (again).
struct Setup {
    stores: Stores,
    tenant: TenantId,
    job: TurnJob,
    model: Option<ScriptedModel>,
    queue: MemoryQueue,
}

impl Setup {
    /// Delivers the turn job once more; what is queued and written counts
    /// from the first delivery.
    async fn deliver(&self) -> Played {
        let (stores, t, job) = (&self.stores, &self.tenant, &self.job);
        let turns = Turns {
            stores,
            queue: &self.queue,
            model: self.model.as_ref().map(|m| m as &dyn ReplyModel),
            attempt_budget: std::time::Duration::from_secs(5),
            links: &LINKS,
            mail_domain: "norvalt.test",
        };
        let outcome = turns.take(t, job, "trace", Utc::now()).await;
        let sent = self.queue.sent_to(QueueName::Send);
        let of_kind = |kind: &str| -> Vec<String> {
            sent.iter()
                .filter(|b| b.contains(&format!("\"type\":\"{kind}\"")))
                .cloned()
                .collect()
        };
        Played {
            outcome,
            lead: stores
                .leads
                .get_lead(t, job.lead_id)
                .await
                .unwrap()
                .unwrap(),
            messages: stores
                .conversations
                .all_messages(t, job.lead_id)
                .await
                .unwrap(),
            sends: of_kind("send.message"),
            notices: of_kind("notify.lead"),
            model_calls: self.model.as_ref().map_or(0, |m| m.calls()),
            requests: self
                .model
                .as_ref()
                .map(|m| m.requests.lock().unwrap().clone())
                .unwrap_or_default(),
        }
    }
}

async fn play(stores: &Stores, slug: &str, case: &Case) -> (Played, Setup) {
    let t = tenant(stores, slug).await;
    let mut dealership = stores
        .dealerships
        .get_dealership(&t)
        .await
        .unwrap()
        .unwrap();
    dealership.conversation.mode = case.mode;
    let hour = |h| chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    dealership.opening_hours = OpeningHours::every_day(hour(7), hour(22));
    dealership.reply.sms_enabled = case.sms;
    (case.settings)(&mut dealership.conversation);
    stores
        .dealerships
        .update_dealership(&t, &dealership)
        .await
        .unwrap();
    let rep = actor(t, Role::Manager);
    let lead = leads::create(
        stores,
        &rep,
        NewLead {
            customer_name: Some("Kari Nordmann".into()),
            customer_email: (!case.sms).then(|| "kari@example.no".into()),
            customer_phone: Some("+4791234567".into()),
            vehicle_interest: Some("Toyota bZ4X".into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let start = Utc::now() - Duration::hours(2);
    let channel = if case.sms {
        Channel::Sms
    } else {
        Channel::Email
    };
    let mut last = None;
    for (i, (who, text)) in case.history.iter().enumerate() {
        let (direction, sender_type, metadata) = match who {
            Who::Customer => (Direction::Inbound, SenderType::Customer, json!({})),
            Who::FirstReply => (Direction::Outbound, SenderType::Ai, json!({})),
            Who::AiTurn => (Direction::Outbound, SenderType::Ai, json!({"turn": {}})),
            Who::Human => (Direction::Outbound, SenderType::Human, json!({})),
        };
        let message = Message {
            id: MessageId::new_at(start + Duration::minutes(i as i64)),
            lead_id: lead.id,
            dealership_id: t.dealership_id(),
            channel,
            direction,
            sender: "x".into(),
            sender_type,
            message_content: text.to_string(),
            metadata,
            created_at: start + Duration::minutes(i as i64),
        };
        stores
            .conversations
            .insert_message(&t, &message)
            .await
            .unwrap();
        last = Some(message.id);
    }
    let mut lead = stores.leads.get_lead(&t, lead.id).await.unwrap().unwrap();
    match case.state {
        State::Open => {}
        State::HandedOver => {
            lead.handover = Some(Handover {
                reason: HandoverReason::Price,
                detail: None,
                summary: "tidligere".into(),
                message_id: None,
                at: start,
            })
        }
        State::HandedBack => {
            lead.handed_back = Some(HandBack {
                by: norvalt_core::ids::UserId::new_at(start),
                at: start + Duration::minutes(2) + Duration::seconds(30),
            })
        }
        State::Won => lead.set_status(LeadStatus::Won, start),
    }
    lead.version += 1;
    stores.leads.update_lead(&t, &lead).await.unwrap();

    let job = TurnJob {
        lead_id: lead.id,
        message_id: last.expect("a history"),
    };
    let setup = Setup {
        stores: stores.clone(),
        tenant: t,
        job,
        model: case.model.as_ref().map(|s| ScriptedModel::new(s)),
        queue: MemoryQueue::default(),
    };
    (setup.deliver().await, setup)
}

async fn the_scripted_conversations_come_out_as_expected(stores: Stores) {
    let cases = cases();
    assert!(cases.len() >= 25, "the table holds {} cases", cases.len());
    for (n, case) in cases.iter().enumerate() {
        eprintln!("case {n}: {}", case.name);
        let (played, setup) = play(&stores, &format!("turn-case-{n}"), case).await;
        let name = case.name;
        let outcome = played
            .outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let history = case.history.len();
        match (&case.expect, outcome) {
            (Expect::Answered(words), TurnOutcome::Answered(id)) => {
                assert_eq!(played.sends.len(), 1, "{name}: one send");
                assert!(played.sends[0].contains(&id.to_string()), "{name}");
                let sent = played.messages.iter().find(|m| m.id == *id).expect(name);
                assert!(
                    sent.message_content.contains(words),
                    "{name}: {}",
                    sent.message_content
                );
                assert_eq!(sent.sender_type, SenderType::Ai, "{name}");
                assert_eq!(
                    sent.channel,
                    if case.sms {
                        Channel::Sms
                    } else {
                        Channel::Email
                    }
                );
                let why = &sent.metadata["turn"];
                assert_eq!(why["guardrail"]["passed"], true, "{name}: {why}");
                assert!(why["intent"].is_string(), "{name}: {why}");
                assert!(played.lead.handover.is_none(), "{name}");
            }
            (Expect::Drafted, TurnOutcome::Drafted(id)) => {
                assert!(played.sends.is_empty(), "{name}: a draft is not sent");
                assert_eq!(played.messages.len(), history, "{name}: nothing stored");
                let draft = played.lead.ai_draft.as_ref().expect(name);
                assert_eq!(draft.id, *id);
                assert!(draft.text.contains("hengerfeste"), "{name}");
            }
            (Expect::HandedOver(reason), TurnOutcome::HandedOver(got)) => {
                assert_eq!(got, reason, "{name}");
                let handover = played.lead.handover.as_ref().expect(name);
                assert_eq!(handover.reason, *reason, "{name}");
                assert!(handover.summary.len() > 20, "{name}: {}", handover.summary);
                assert_eq!(played.notices.len(), 1, "{name}: the rep is told once");
                assert!(
                    played.notices[0].contains("\"kind\":\"handover\""),
                    "{name}"
                );
                // Never a promise: whatever reaches the customer is the
                // handover notice alone, and only in auto mode.
                let expected_sends = usize::from(case.mode == ConversationMode::Auto);
                assert_eq!(played.sends.len(), expected_sends, "{name}");
                let added = &played.messages[history..];
                assert_eq!(added.len(), expected_sends, "{name}");
                for m in added {
                    assert_eq!(m.metadata["handover_notice"], true, "{name}");
                    assert!(!m.message_content.contains("rabatt"), "{name}");
                    assert!(!m.message_content.contains("reservert"), "{name}");
                }
            }
            (Expect::Booked(phrase), TurnOutcome::Booked(id)) => {
                let a = stores
                    .appointments
                    .get_appointment(&setup.tenant, *id)
                    .await
                    .unwrap()
                    .expect(name);
                let wanted = norvalt_core::booking::when::read(phrase, Utc::now())
                    .unwrap()
                    .earliest();
                assert_eq!(a.start, wanted, "{name}: booked at the time named");
                assert_eq!(a.booked_by, BookedBy::Ai);
                assert_eq!(
                    played.lead.handover.as_ref().map(|h| h.reason),
                    Some(HandoverReason::Appointment)
                );
                // One message to the customer, the confirmation; no AI prose.
                let added = &played.messages[history..];
                assert_eq!(added.len(), 1, "{name}");
                assert_eq!(added[0].sender_type, SenderType::System);
                assert!(
                    added[0].metadata["calendar"]
                        .as_str()
                        .unwrap()
                        .contains("BEGIN:VEVENT")
                );
                assert_eq!(played.sends.len(), 1, "{name}");
                assert_eq!(
                    played.notices.len(),
                    2,
                    "{name}: the handover and the booking"
                );
            }
            (Expect::Quiet, TurnOutcome::Quiet(_)) => {
                assert!(
                    played.sends.is_empty() && played.notices.is_empty(),
                    "{name}"
                );
                assert_eq!(played.messages.len(), history, "{name}");
                assert!(played.lead.ai_draft.is_none(), "{name}");
            }
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
        if let Some(request) = played.requests.first() {
            let tool = request.tool.as_ref().expect("a turn asks for the tool");
            assert_eq!(tool.name, "answer_customer");
            let (_, user) = &request.messages[0];
            let (_, last) = case.history.last().unwrap();
            assert!(
                user.contains(last),
                "{name}: the model sees the message it answers"
            );
        }
        // The same job again: nothing more is written, sent or told.
        let calls = played.model_calls;
        let replayed = setup.deliver().await;
        assert!(
            matches!(replayed.outcome, Ok(TurnOutcome::Quiet(_))),
            "{name}: a redelivery is quiet: {:?}",
            replayed.outcome
        );
        assert_eq!(replayed.sends.len(), played.sends.len(), "{name}");
        assert_eq!(replayed.notices.len(), played.notices.len(), "{name}");
        assert_eq!(replayed.messages.len(), played.messages.len(), "{name}");
        assert_eq!(
            replayed.model_calls, calls,
            "{name}: the model is not asked again"
        );
    }
}

async fn a_burst_of_messages_gets_one_answer(stores: Stores) {
    let case = Case {
        history: vec![
            (Who::FirstReply, FIRST),
            (Who::Customer, "Er den ledig?"),
            (Who::Customer, "Og har den hengerfeste?"),
            (Who::Customer, "Kan jeg komme i morgen?"),
        ],
        ..base("three texts in a minute", "")
    };
    let (played, _) = play(&stores, "turn-burst", &case).await;
    assert!(matches!(played.outcome, Ok(TurnOutcome::Answered(_))));
    let (_, user) = &played.requests[0].messages[0];
    for (_, text) in &case.history[1..] {
        assert!(user.contains(text), "the answer sees every message: {user}");
    }
    // The turns of the earlier two messages find a later one and keep quiet.
    let t = tenant_of(&stores, "turn-burst").await;
    let queue = MemoryQueue::default();
    let model = ScriptedModel::new(&[]);
    let turns = Turns {
        stores: &stores,
        queue: &queue,
        model: Some(&model),
        attempt_budget: std::time::Duration::from_secs(5),
        links: &LINKS,
        mail_domain: "norvalt.test",
    };
    for earlier in &played.messages[1..3] {
        let job = TurnJob {
            lead_id: played.lead.id,
            message_id: earlier.id,
        };
        let outcome = turns.take(&t, &job, "trace", Utc::now()).await.unwrap();
        assert_eq!(
            outcome,
            TurnOutcome::Quiet("a later message from the customer gets the answer")
        );
    }
    assert!(queue.sent.lock().unwrap().is_empty());
    assert_eq!(model.calls(), 0);
}

async fn two_deliveries_at_once_answer_once(stores: Stores) {
    let case = base("two at once", "Har bilen hengerfeste?");
    let (played, _) = play(&stores, "turn-race", &case).await;
    assert!(matches!(played.outcome, Ok(TurnOutcome::Answered(_))));
    // A fresh customer message, taken by two deliveries at the same time.
    let t = tenant_of(&stores, "turn-race").await;
    let now = Utc::now();
    let question = Message {
        id: MessageId::new_at(now),
        lead_id: played.lead.id,
        dealership_id: t.dealership_id(),
        channel: Channel::Email,
        direction: Direction::Inbound,
        sender: "Kari".into(),
        sender_type: SenderType::Customer,
        message_content: "Og vinterdekk?".into(),
        metadata: json!({}),
        created_at: now,
    };
    stores
        .conversations
        .insert_message(&t, &question)
        .await
        .unwrap();
    let queue = MemoryQueue::default();
    let model = ScriptedModel::new(&[tool(GOOD, "question"), tool(GOOD, "question")]);
    let job = TurnJob {
        lead_id: played.lead.id,
        message_id: question.id,
    };
    let turns = Turns {
        stores: &stores,
        queue: &queue,
        model: Some(&model),
        attempt_budget: std::time::Duration::from_secs(5),
        links: &LINKS,
        mail_domain: "norvalt.test",
    };
    let (a, b) = tokio::join!(
        turns.take(&t, &job, "a", now),
        turns.take(&t, &job, "b", now)
    );
    let answered = [&a, &b]
        .iter()
        .filter(|r| matches!(r, Ok(TurnOutcome::Answered(_))))
        .count();
    assert_eq!(answered, 1, "{a:?} {b:?}");
    let sends: Vec<String> = queue
        .sent_to(QueueName::Send)
        .into_iter()
        .filter(|b| b.contains("send.message"))
        .collect();
    assert_eq!(sends.len(), 1, "{sends:?}");
    // The other delivery is told to come back, and then finds it done.
    let again = turns.take(&t, &job, "c", now).await.unwrap();
    assert!(matches!(again, TurnOutcome::Quiet(_)), "{again:?}");
    let parsed = Envelope::<SendJob>::parse(&sends[0]).unwrap();
    assert_eq!(parsed.dealership_id, t.dealership_id());
}

async fn tenant_of(stores: &Stores, slug: &str) -> TenantId {
    provisioning::find_by_slug(stores, slug)
        .await
        .unwrap()
        .unwrap()
        .0
}
