//! The reply functions on their `events/` samples, as Lambda runs them
//! (SQS batches with partial failures, delivered twice), and the SES mailer
//! on moto.

use std::sync::Arc;

use aws_lambda_events::event::sqs::SqsEvent;
use norvalt_core::jobs::{Envelope, SendJob};
use norvalt_core::outbound::{Mailer, OutboundEmail, SendError};
use norvalt_core::queue::QueueName;
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_core::service::responder::Responder;
use norvalt_tests::fakes::MemoryQueue;
use norvalt_tests::{DRAMMEN, TestApp};

fn event(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("event sample")
}

fn failed(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn ai_responder_and_sender_answer_their_sample_events_once() {
    // A lead as lead-intake leaves it, without the local workers.
    let app = TestApp::spawn_with(|p| p.imap_poll_interval = None).await;
    let (_, dealership) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let token = app.token(DRAMMEN, norvalt_core::Role::SalesRep).await;
    let lead = app
        .post_lead(
            &token,
            serde_json::json!({
                "customer_name": "Kari Nordmann",
                "customer_email": "kari.nordmann@example.no", "vehicle_interest": "Toyota bZ4X",
                "initial_message": "Kan jeg prøvekjøre bZ4X på lørdag?"
            }),
        )
        .await;
    let lead_id = lead["id"].as_str().unwrap().to_string();
    let fill = |raw: String| {
        raw.replace("DEALERSHIP_ID", &dealership.id.to_string())
            .replace("LEAD_ID", &lead_id)
    };

    let queue = Arc::new(MemoryQueue::default());
    let responder = Responder {
        queue: queue.clone(),
        ..app.platform.responder()
    };
    let ai: SqsEvent = serde_json::from_str(&fill(event("ai-responder.json"))).unwrap();
    let response =
        norvalt_aws::lambda::sqs_batch(queue.as_ref(), QueueName::Ai, &responder, ai.clone()).await;
    assert!(
        failed(&response).is_empty(),
        "the broken body goes to the DLQ, not back"
    );
    assert_eq!(queue.dead.lock().unwrap().len(), 1);
    // SQS delivers the batch again.
    norvalt_aws::lambda::sqs_batch(queue.as_ref(), QueueName::Ai, &responder, ai).await;
    let (sends, notices): (Vec<String>, Vec<String>) = queue
        .sent_to(QueueName::Send)
        .into_iter()
        .partition(|body| body.contains("\"send.message\""));
    assert_eq!(
        notices.len(),
        2,
        "and the team notice (deduplicated when sent)"
    );
    assert_eq!(sends.len(), 2, "each delivery asks for the send…");
    let first = Envelope::<SendJob>::parse(&sends[0]).unwrap();
    let second = Envelope::<SendJob>::parse(&sends[1]).unwrap();
    let SendJob::Message(first_send) = &first.job else {
        panic!("a send job")
    };
    assert_eq!(
        first.idempotency_key, second.idempotency_key,
        "…of the same message"
    );

    let sender = app.platform.sender();
    let sample =
        fill(event("sender.json")).replace("MESSAGE_ID", &first_send.message_id.to_string());
    let batch: SqsEvent = serde_json::from_str(&sample).unwrap();
    for _ in 0..2 {
        let response =
            norvalt_aws::lambda::sqs_batch(queue.as_ref(), QueueName::Send, &sender, batch.clone())
                .await;
        assert!(failed(&response).is_empty());
    }
    let mails: Vec<_> = std::fs::read_dir(app.platform.outbox.dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter(|e| e.file_name().to_string_lossy().starts_with("send"))
        .collect();
    assert_eq!(mails.len(), 1, "one email for two deliveries of each job");
    let (_, page) = app.get(&format!("/api/leads/{lead_id}"), &token).await;
    assert_eq!(page["status"], "contacted");
}

fn email(from_domain: &str) -> OutboundEmail {
    OutboundEmail {
        send_key: "send:moto-1".into(),
        from_name: "Bilsenteret Drammen".into(),
        from_address: format!("bilsenteret-drammen@{from_domain}"),
        to_name: Some("Kari Nordmann".into()),
        to: "kari.nordmann@example.no".into(),
        reply_to: "svar+x@bilsenteret-drammen.norvalt.no".into(),
        subject: "Toyota bZ4X – svar fra Bilsenteret Drammen".into(),
        text: "Hei Kari! Vi ses på lørdag.".into(),
        html: "<p>Hei Kari! Vi ses på lørdag.</p>".into(),
        unsubscribe_url: "https://u.norvalt.no/unsubscribe/t".into(),
        unsubscribe_mailto: None,
        message_id: "send-moto-1@norvalt.no".into(),
        date: norvalt_core::time::now(),
        calendar: None,
    }
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
async fn ses_mailer_sends_raw_mime_from_a_verified_domain_only() {
    let config = norvalt_tests::moto::config_in("eu-west-1").await;
    let client = aws_sdk_sesv2::Client::new(&config);
    let domain = format!("svar{}.norvalt.no", uuid::Uuid::new_v4().simple());
    client
        .create_email_identity()
        .email_identity(&domain)
        .send()
        .await
        .unwrap();
    let mailer = norvalt_aws::ses::SesMailer::new(client, None);
    let receipt = mailer.send_email(&email(&domain)).await.unwrap();
    assert!(!receipt.provider_id.is_empty());
    assert_eq!(
        mailer.was_sent("send:moto-1").await,
        None,
        "SES cannot tell"
    );
    let refused = mailer
        .send_email(&email("unverified.example"))
        .await
        .unwrap_err();
    assert!(matches!(refused, SendError::Permanent(_)), "{refused:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn hard_bounces_and_complaints_suppress_the_address_for_that_dealership() {
    use aws_lambda_events::event::sns::SnsEvent;
    use norvalt_core::model::Channel;
    use norvalt_core::outbound::suppression::is_suppressed;
    use norvalt_core::service::ses_events;

    let app = TestApp::spawn_with(|p| p.imap_poll_interval = None).await;
    let stores = &app.platform.stores;
    let (drammen, _) = find_by_slug(stores, DRAMMEN).await.unwrap().unwrap();
    let (bergen, _) = find_by_slug(stores, norvalt_tests::BERGEN)
        .await
        .unwrap()
        .unwrap();
    let sns: SnsEvent = serde_json::from_str(&event("ses-events.json")).unwrap();
    let notice: serde_json::Value = serde_json::from_str(&sns.records[0].sns.message).unwrap();
    let now = norvalt_core::time::now();
    assert_eq!(ses_events::handle(stores, &notice, now).await.unwrap(), 1);
    let kari = "kari.nordmann@example.no";
    assert!(
        is_suppressed(stores, &drammen, Channel::Email, kari)
            .await
            .unwrap()
    );
    assert!(
        !is_suppressed(stores, &bergen, Channel::Email, kari)
            .await
            .unwrap(),
        "only the dealership whose mail bounced"
    );

    // A soft bounce suppresses nothing; a complaint does.
    let mut soft = notice.clone();
    soft["bounce"]["bounceType"] = "Transient".into();
    soft["bounce"]["bouncedRecipients"][0]["emailAddress"] = "ola@example.no".into();
    assert_eq!(ses_events::handle(stores, &soft, now).await.unwrap(), 0);
    let complaint = serde_json::json!({
        "eventType": "Complaint",
        "complaint": {"complainedRecipients": [{"emailAddress": "Ola <OLA@example.no>"}]},
        "mail": {"source": "fjord-bil-bergen@svar.norvalt.no"}
    });
    assert_eq!(
        ses_events::handle(stores, &complaint, now).await.unwrap(),
        1
    );
    assert!(
        is_suppressed(stores, &bergen, Channel::Email, "ola@example.no")
            .await
            .unwrap()
    );
    // Mail from someone else's address names no dealership.
    let stray = serde_json::json!({"eventType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "x@example.no"}]}, "mail": {"source": "noreply@example.com"}});
    assert_eq!(ses_events::handle(stores, &stray, now).await.unwrap(), 0);
}
