//! Every message shape the platform has ever put on a queue, as the release
//! that wrote it did, must still be read; and what this release writes has
//! the same header and `type`/`payload` on top.

use super::*;
use crate::capture::{Capture, CaptureEnvelope};

const DEALER: &str = "019ad0c4-1c2b-7000-8000-000000000001";
const LEAD: &str = "019ad0c4-1c2b-7000-8000-000000000002";
const MESSAGE: &str = "019ad0c4-1c2b-7000-8000-000000000003";
const RULE: &str = "019ad0c4-1c2b-7000-8000-000000000004";

fn header(kind: &str, key: &str) -> String {
    format!(
        r#""type":"{kind}","version":1,"dealership_id":"{DEALER}","idempotency_key":"{key}","trace_id":"t","enqueued_at":"2026-11-30T08:00:00Z""#
    )
}

fn old(kind: &str, key: &str, payload: &str) -> String {
    format!(r#"{{{},"payload":{payload}}}"#, header(kind, key))
}

#[test]
fn old_ai_messages_are_still_read() {
    let first = old(
        "ai.first_reply",
        &format!("first_reply:{LEAD}"),
        &format!(r#"{{"lead_id":"{LEAD}"}}"#),
    );
    let envelope = Envelope::<AiJob>::parse(&first).unwrap();
    assert!(matches!(&envelope.job, AiJob::FirstReply(j) if j.lead_id.to_string() == LEAD));
    assert_eq!(envelope.dealership_id.to_string(), DEALER);

    // Analysis jobs used to be first-reply envelopes with the type changed.
    let analyze = old(
        "ai.analyze_lead",
        &format!("analyze:{LEAD}"),
        &format!(r#"{{"lead_id":"{LEAD}"}}"#),
    );
    let envelope = Envelope::<AiJob>::parse(&analyze).unwrap();
    assert!(matches!(envelope.job, AiJob::AnalyzeLead(_)));

    let follow_up = old(
        "ai.followup",
        &format!("auto:{RULE}:{LEAD}:1"),
        &format!(
            r#"{{"lead_id":"{LEAD}","rule_id":"{RULE}","step":1,"message_id":"{MESSAGE}","channel":"sms"}}"#
        ),
    );
    let envelope = Envelope::<AiJob>::parse(&follow_up).unwrap();
    let AiJob::WriteFollowUp(write) = envelope.job else {
        panic!("a follow-up job")
    };
    assert_eq!((write.step, write.channel), (1, crate::model::Channel::Sms));
}

#[test]
fn old_send_messages_are_still_read() {
    let send = old(
        "send.message",
        &format!("send:{MESSAGE}"),
        &format!(r#"{{"lead_id":"{LEAD}","message_id":"{MESSAGE}"}}"#),
    );
    let envelope = Envelope::<SendJob>::parse(&send).unwrap();
    assert!(matches!(&envelope.job, SendJob::Message(m) if m.message_id.to_string() == MESSAGE));

    for event in [
        r#"{"kind":"new_lead"}"#.to_string(),
        format!(r#"{{"kind":"customer_reply","message_id":"{MESSAGE}"}}"#),
        format!(r#"{{"kind":"follow_up","rule_id":"{RULE}","step":2,"rule_name":"Purring"}}"#),
    ] {
        let notice = old(
            "notify.lead",
            &format!("notify:{LEAD}:new"),
            &format!(r#"{{"lead_id":"{LEAD}","event":{event}}}"#),
        );
        let envelope = Envelope::<SendJob>::parse(&notice).unwrap();
        assert!(matches!(envelope.job, SendJob::Notice(_)), "{notice}");
    }
}

#[test]
fn old_imap_and_capture_messages_are_still_read() {
    // The poll request had no payload at all.
    let poll = format!(
        "{{{}}}",
        header("imap.poll", &format!("imap:{DEALER}:29400000"))
    );
    let envelope = Envelope::<ImapJob>::parse(&poll).unwrap();
    assert_eq!(envelope.job, ImapJob::Poll);

    let capture = format!(
        r#"{{"type":"capture.form","version":1,"dealership_id":null,"idempotency_key":"form:k:1","trace_id":"t","enqueued_at":"2026-11-30T08:00:00Z","payload":{{"form_key":"k","capture_id":"{LEAD}","lead":{{"customer_name":"Kari"}}}}}}"#
    );
    let envelope = CaptureEnvelope::parse(&capture).unwrap();
    assert!(envelope.dealership_id.is_none());
    assert!(matches!(envelope.job, Capture::Form(_)));
}

#[test]
fn new_envelopes_keep_the_header_with_type_and_payload_on_top() {
    let now = crate::time::now();
    let lead: crate::LeadId = LEAD.parse().unwrap();
    let message: crate::MessageId = MESSAGE.parse().unwrap();
    let dealer: crate::DealershipId = DEALER.parse().unwrap();
    let send = Envelope::message(dealer, lead, message, "t", now);
    let json: serde_json::Value = serde_json::from_str(&send.to_json()).unwrap();
    assert_eq!(json["type"], "send.message");
    assert_eq!(json["version"], VERSION);
    assert_eq!(json["idempotency_key"], format!("send:{MESSAGE}"));
    assert_eq!(json["payload"]["message_id"], MESSAGE);
    assert_eq!(Envelope::<SendJob>::parse(&send.to_json()).unwrap(), send);

    let poll = Envelope::poll(dealer, "t", now);
    assert_eq!(Envelope::<ImapJob>::parse(&poll.to_json()).unwrap(), poll);
    let analyze = Envelope::analyze_lead(dealer, lead, "t", now);
    let json: serde_json::Value = serde_json::from_str(&analyze.to_json()).unwrap();
    assert_eq!(
        (json["type"].as_str(), json["idempotency_key"].as_str()),
        (Some("ai.analyze_lead"), Some(&*format!("analyze:{LEAD}")))
    );
}

#[test]
fn what_cannot_be_read_goes_to_the_dead_letter_queue() {
    for body in [
        "not json".to_string(),
        old("send.unknown", "k", "{}"),
        old("send.message", "k", r#"{"lead_id":"nope"}"#),
        old("ai.first_reply", "k", &format!(r#"{{"lead_id":"{LEAD}"}}"#))
            .replace(r#""version":1"#, r#""version":2"#),
    ] {
        assert!(
            matches!(Envelope::<SendJob>::parse(&body), Err(JobError::Dead(_)))
                && matches!(Envelope::<AiJob>::parse(&body), Err(JobError::Dead(_))),
            "{body}"
        );
    }
}

#[test]
fn meta_stage_jobs_keep_their_wire_shape() {
    let stages = old(
        "events.meta_stages",
        &format!("meta-stages:{LEAD}:3"),
        &format!(r#"{{"lead_id":"{LEAD}"}}"#),
    );
    let envelope = Envelope::<EventJob>::parse(&stages).unwrap();
    assert_eq!(
        envelope.job,
        EventJob::MetaStages(LeadJob {
            lead_id: LEAD.parse().unwrap()
        })
    );
    let dealer: crate::DealershipId = DEALER.parse().unwrap();
    let made = Envelope::meta_stages(dealer, LEAD.parse().unwrap(), 3, "t", crate::time::now());
    assert_eq!(made.idempotency_key, format!("meta-stages:{LEAD}:3"));
    assert_eq!(Envelope::<EventJob>::parse(&made.to_json()).unwrap(), made);
}
