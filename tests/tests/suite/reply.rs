//! The reply engine end to end on the local platform: a form lead becomes
//! one Norwegian reply in the outbox, written by a mock Claude that checks
//! its requests, or by the template when the model is missing, down or
//! talking nonsense — and never twice.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use norvalt_core::Role;
use norvalt_core::ai::ReplyModel;
use norvalt_core::jobs::{AiJob, Delivery, Envelope, JobError, JobHandler, SendJob};
use norvalt_core::outbound::{ClaimRecord, ClaimState};
use norvalt_core::queue::QueueName;
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_http::anthropic::AnthropicClient;
use norvalt_tests::{DRAMMEN, TestApp};
use serde_json::{Value, json};

const FORM: &str = r#"{
  "name": "Eirik Solberg",
  "email": "eirik.solberg@example.no",
  "phone": "93 44 55 66",
  "vehicle_interest": "Volkswagen ID.Buzz",
  "message": "Hei, er ID.Buzz i grått fortsatt tilgjengelig? Jeg har en Passat 2016 til innbytte.",
  "consent": true
}"#;

const GOOD_REPLY: &str = "Hei Eirik!\n\nTakk for at du tok kontakt med Bilsenteret Drammen om Volkswagen ID.Buzz. \
En av våre selgere sjekker om den grå utgaven fortsatt er tilgjengelig, og vi ser gjerne på Passaten \
fra 2016 som innbytte. Har du lyst til å komme innom på en prøvekjøring? Svar gjerne på denne \
e-posten med et tidspunkt som passer for deg, så setter vi av tid.";

/// A stand-in for the Messages API: records each request and answers with
/// what the test chose.
#[derive(Clone)]
struct MockClaude {
    requests: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
    answer: Arc<Mutex<(StatusCode, Value)>>,
}

impl MockClaude {
    async fn start(status: StatusCode, answer: Value) -> (Self, String) {
        let mock = MockClaude {
            requests: Arc::default(),
            answer: Arc::new(Mutex::new((status, answer))),
        };
        let state = mock.clone();
        let app = axum::Router::new().route(
            "/v1/messages",
            post(move |headers: HeaderMap, Json(body): Json<Value>| {
                let state = state.clone();
                async move {
                    state.requests.lock().unwrap().push((headers, body));
                    let (status, answer) = state.answer.lock().unwrap().clone();
                    (status, Json(answer))
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (mock, url)
    }

    fn text(text: &str) -> Value {
        json!({
            "id": "msg_test", "type": "message", "role": "assistant", "model": "claude-test",
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 812, "output_tokens": 120}
        })
    }
}

async fn app_with_model(url: Option<&str>) -> TestApp {
    let model = url.map(|u| {
        Arc::new(AnthropicClient::new(u, "test-key", "claude-test")) as Arc<dyn ReplyModel>
    });
    TestApp::spawn_with(move |p| {
        p.model = model;
        // A model that keeps failing is given up on quickly.
        p.model_budget = Duration::from_secs(2);
        p.analysis_delay_secs = 0;
    })
    .await
}

async fn post_form(app: &TestApp, idempotency_key: &str) -> Value {
    let (_, dealership) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let response = app
        .http
        .post(app.url(&format!("/webhooks/form/{}", dealership.form_key)))
        .header("content-type", "application/json")
        .header("idempotency-key", idempotency_key)
        .body(FORM)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    response.json().await.unwrap()
}

/// The replies in the outbox (`send…` files; team notices are `notify_…`)
/// once every queue has settled: all of them, so a second send is counted.
async fn outbox_mails(app: &TestApp) -> Vec<Vec<u8>> {
    app.settle().await;
    app.outbox_files(|name| name.starts_with("send"))
        .into_iter()
        .map(|(_, mail)| mail)
        .collect()
}

async fn only_lead(app: &TestApp) -> Value {
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?limit=10", &token).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    items[0].clone()
}

async fn conversation(app: &TestApp, lead_id: &str) -> Vec<Value> {
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app
        .get(&format!("/api/leads/{lead_id}/conversations"), &token)
        .await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_form_lead_posted_twice_gets_exactly_one_norwegian_reply() {
    let app = app_with_model(None).await;
    let first = post_form(&app, "skjema-1").await;
    let again = post_form(&app, "skjema-1").await;
    assert_eq!(first["capture_id"], again["capture_id"]);

    let mails = outbox_mails(&app).await;
    assert_eq!(mails.len(), 1, "exactly one reply");
    let mail = mail_parser::MessageParser::default()
        .parse(&mails[0])
        .unwrap();
    let to = mail
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap();
    assert_eq!(to, "eirik.solberg@example.no");
    let text = mail.body_text(0).unwrap();
    assert!(text.starts_with("Hei Eirik!"), "{text}");
    assert!(text.contains("Volkswagen ID.Buzz"), "{text}");
    assert!(text.contains("Bilsenteret Drammen"), "{text}");
    assert!(
        text.contains("tilgjengelig") && text.contains("innbytte"),
        "the template answers both questions (in stock? trade-in): {text}"
    );
    let raw = String::from_utf8_lossy(&mails[0]);
    assert!(raw.contains("List-Unsubscribe:"), "{raw}");
    assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    // Only the https link: no mailbox of ours handles unsubscribe mail.
    assert!(!raw.contains("mailto:"), "{raw}");
    let reply_to = mail
        .reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap();
    assert!(
        reply_to.starts_with("svar+") && reply_to.ends_with("@bilsenteret-drammen.norvalt.no"),
        "{reply_to}"
    );

    let lead = only_lead(&app).await;
    assert_eq!(lead["status"], "contacted");
    assert!(lead["first_response_at"].is_string(), "{lead}");
    assert!(lead["lead_score"].as_u64().unwrap() > 40, "{lead}");
    assert!(
        lead["analysis"]["intents"]
            .as_array()
            .unwrap()
            .contains(&json!("trade_in"))
    );
    let messages = conversation(&app, lead["id"].as_str().unwrap()).await;
    let kinds: Vec<&str> = messages
        .iter()
        .map(|m| m["sender_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["customer", "ai"], "{messages:#?}");
    assert_eq!(messages[1]["metadata"]["fallback"], true);
    assert_eq!(messages[1]["channel"], "email");
}

#[tokio::test(flavor = "multi_thread")]
async fn claude_writes_the_reply_and_is_asked_properly() {
    let (mock, url) = MockClaude::start(StatusCode::OK, MockClaude::text(GOOD_REPLY)).await;
    let app = app_with_model(Some(&url)).await;
    post_form(&app, "claude-1").await;
    let mails = outbox_mails(&app).await;
    assert_eq!(mails.len(), 1);
    let mail = mail_parser::MessageParser::default()
        .parse(&mails[0])
        .unwrap();
    assert!(
        mail.body_text(0).unwrap().contains("Passaten"),
        "the model's words are sent"
    );

    // One request for the reply; the analysis job asks separately.
    app.settle().await;
    let requests = mock.requests.lock().unwrap().clone();
    let (replies, analyses): (Vec<_>, Vec<_>) = requests
        .iter()
        .partition(|(_, body)| body["system"].as_str().unwrap().contains("bilselger"));
    assert_eq!((replies.len(), analyses.len()), (1, 1), "{requests:?}");
    let (headers, body) = replies[0];
    assert_eq!(headers["x-api-key"], "test-key");
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(body["model"], "claude-test");
    let system = body["system"].as_str().unwrap();
    assert!(system.contains("bokmål"), "{system}");
    assert!(system.contains("Ikke finn på priser"), "{system}");
    let user = body["messages"][0]["content"].as_str().unwrap();
    assert!(
        user.contains("Volkswagen ID.Buzz") && user.contains("Åpent nå"),
        "{user}"
    );

    let lead = only_lead(&app).await;
    let messages = conversation(&app, lead["id"].as_str().unwrap()).await;
    let ai = &messages[1]["metadata"];
    assert_eq!(ai["fallback"], false);
    assert_eq!(
        ai["prompt_version"],
        norvalt_core::ai::prompt::FIRST_REPLY_VERSION
    );
    assert_eq!(ai["output_tokens"], 120);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_that_is_down_or_talks_nonsense_gives_the_template() {
    for (status, answer, why) in [
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"type": "error", "error": {"type": "api_error", "message": "boom"}}),
            "down",
        ),
        (
            StatusCode::UNAUTHORIZED,
            json!({"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}),
            "refused",
        ),
        (
            StatusCode::OK,
            MockClaude::text(
                "Hello Eirik, thanks for reaching out about the ID.Buzz! We would love to show you the car and our team will be in touch with you soon.",
            ),
            "english",
        ),
        (
            StatusCode::OK,
            MockClaude::text(
                &GOOD_REPLY.replace("Har du lyst", "Prisen er 449 900 kr. Har du lyst"),
            ),
            "invented price",
        ),
        (
            StatusCode::OK,
            MockClaude::text(&GOOD_REPLY.replace(
                "Har du lyst",
                "Reserver bilen på https://bilsenteret-drammen.evil.example/reserver. Har du lyst",
            )),
            "injected link",
        ),
        (
            StatusCode::OK,
            MockClaude::text(&GOOD_REPLY.replace("Har du lyst", "Se bit.ly/idbuzz. Har du lyst")),
            "bare short link",
        ),
        (
            StatusCode::OK,
            MockClaude::text(
                "Hei {{fornavn}}! Takk for at du tok kontakt med oss om bilen, vi har gjerne en prøvetur klar for deg snart.",
            ),
            "placeholder",
        ),
        (StatusCode::OK, json!({"unexpected": true}), "junk"),
    ] {
        let (_, url) = MockClaude::start(status, answer).await;
        let app = app_with_model(Some(&url)).await;
        post_form(&app, why).await;
        let mails = outbox_mails(&app).await;
        assert_eq!(mails.len(), 1, "{why}: the lead is still answered");
        let mail = mail_parser::MessageParser::default()
            .parse(&mails[0])
            .unwrap();
        let text = mail.body_text(0).unwrap().to_string();
        assert!(
            text.starts_with("Hei Eirik!") && text.contains("Volkswagen ID.Buzz"),
            "{why}: {text}"
        );
        assert!(!text.contains("449 900"), "{why}");
        assert!(
            !text.contains("evil.example") && !text.contains("bit.ly"),
            "{why}"
        );
        let lead = only_lead(&app).await;
        let messages = conversation(&app, lead["id"].as_str().unwrap()).await;
        assert_eq!(messages[1]["metadata"]["fallback"], true, "{why}");
    }
}

fn delivery(body: String) -> Delivery {
    Delivery {
        id: uuid::Uuid::new_v4().to_string(),
        body,
        receive_count: 1,
    }
}

/// The same ai job and the same send job delivered again and in parallel:
/// one AI message, one email.
#[tokio::test(flavor = "multi_thread")]
async fn duplicate_and_parallel_deliveries_send_once() {
    let app = TestApp::spawn_with(|p| p.imap_poll_interval = None).await;
    post_form(&app, "dup-1").await;
    outbox_mails(&app).await;
    let lead = only_lead(&app).await;
    let lead_id = lead["id"].as_str().unwrap().parse().unwrap();
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let envelope = Envelope::<AiJob>::first_reply(
        tenant.dealership_id(),
        lead_id,
        "trace",
        norvalt_core::time::now(),
    );
    let body = serde_json::to_string(&envelope).unwrap();

    let responder = Arc::new(app.platform.responder());
    let mut runs = Vec::new();
    for _ in 0..4 {
        let (r, b) = (responder.clone(), body.clone());
        runs.push(tokio::spawn(async move { r.handle(&delivery(b)).await }));
    }
    for run in runs {
        assert_eq!(run.await.unwrap(), Ok(()));
    }
    let messages = conversation(&app, &lead_id.to_string()).await;
    assert_eq!(
        messages.iter().filter(|m| m["sender_type"] == "ai").count(),
        1
    );

    // The send jobs the repeats enqueued, plus direct parallel runs.
    let ai_message = messages.iter().find(|m| m["sender_type"] == "ai").unwrap();
    let send = Envelope::<SendJob>::message(
        tenant.dealership_id(),
        lead_id,
        ai_message["id"].as_str().unwrap().parse().unwrap(),
        "trace",
        norvalt_core::time::now(),
    );
    let sender = Arc::new(app.platform.sender());
    let mut runs = Vec::new();
    for _ in 0..4 {
        let (s, b) = (sender.clone(), serde_json::to_string(&send).unwrap());
        runs.push(tokio::spawn(async move { s.handle(&delivery(b)).await }));
    }
    for run in runs {
        let outcome = run.await.unwrap();
        assert!(
            matches!(outcome, Ok(()) | Err(JobError::Retry(_))),
            "{outcome:?}"
        );
    }
    let mails = outbox_mails(&app).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        app.platform
            .queues
            .queue_depth(QueueName::Send)
            .await
            .unwrap(),
        0,
        "every repeated send job was taken and did nothing"
    );
}

/// A sender that crashed after claiming: if the outbox shows the mail went
/// out, it is recorded as sent; if not, the stale claim is taken over and
/// the mail is sent once.
#[tokio::test(flavor = "multi_thread")]
async fn a_claim_left_by_a_crash_is_resolved_without_a_second_send() {
    let app = TestApp::spawn_with(|p| p.imap_poll_interval = None).await;
    post_form(&app, "crash-1").await;
    outbox_mails(&app).await;
    let lead = only_lead(&app).await;
    let lead_id: norvalt_core::LeadId = lead["id"].as_str().unwrap().parse().unwrap();
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let messages = conversation(&app, &lead_id.to_string()).await;
    let message_id: norvalt_core::ids::MessageId =
        messages[1]["id"].as_str().unwrap().parse().unwrap();
    let send = Envelope::<SendJob>::message(
        tenant.dealership_id(),
        lead_id,
        message_id,
        "t",
        norvalt_core::time::now(),
    );
    let key = send.idempotency_key.clone();
    let claims = &app.platform.stores.claims;

    // 1. The mail is in the outbox but the claim says "claimed" (crash after
    //    the provider call): recorded as done, nothing sent again.
    let done = claims.get_claim(&tenant, &key).await.unwrap().unwrap();
    let mut stale = ClaimRecord::new(
        &key,
        done.value.clone(),
        done.claimed_at - chrono::Duration::minutes(5),
    );
    stale.state = ClaimState::Claimed;
    claims
        .update_claim(&tenant, &stale, done.claimed_at)
        .await
        .unwrap();
    let outcome = app
        .platform
        .sender()
        .handle(&delivery(serde_json::to_string(&send).unwrap()))
        .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        claims
            .get_claim(&tenant, &key)
            .await
            .unwrap()
            .unwrap()
            .state,
        ClaimState::Done
    );
    assert_eq!(outbox_mails(&app).await.len(), 1);

    // 2. A fresh claim held by a live sender: this delivery waits (retry).
    let another = Envelope {
        idempotency_key: format!("{key}-b"),
        ..send.clone()
    };
    let live = ClaimRecord::new(
        &another.idempotency_key,
        message_id.to_string(),
        norvalt_core::time::now(),
    );
    claims.claim(&tenant, &live).await.unwrap();
    let outcome = app
        .platform
        .sender()
        .handle(&delivery(serde_json::to_string(&another).unwrap()))
        .await;
    assert!(matches!(outcome, Err(JobError::Retry(_))), "{outcome:?}");

    // 3. The same claim expired and nothing in the outbox: sent once now.
    let old = live.claimed_at;
    let mut expired = live.clone();
    expired.claimed_at = old - chrono::Duration::minutes(5);
    claims.update_claim(&tenant, &expired, old).await.unwrap();
    let outcome = app
        .platform
        .sender()
        .handle(&delivery(serde_json::to_string(&another).unwrap()))
        .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(outbox_mails(&app).await.len(), 2);
}

/// The customer answers the reply email: the answer joins the same lead's
/// conversation (quoted history cut), no new lead, the lead is marked.
#[tokio::test(flavor = "multi_thread")]
async fn a_customer_reply_by_email_joins_the_same_lead() {
    let app = TestApp::spawn_with(|p| p.imap_poll_interval = None).await;
    post_form(&app, "svar-1").await;
    let mails = outbox_mails(&app).await;
    let ours = mail_parser::MessageParser::default()
        .parse(&mails[0])
        .unwrap();
    let reply_to = ours
        .reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap()
        .to_string();
    let message_id = ours.message_id().unwrap().to_string();
    let answer = format!(
        "From: Eirik Solberg <eirik.solberg@example.no>\r\nTo: {reply_to}\r\nSubject: Re: Volkswagen ID.Buzz\r\n\
         Message-ID: <svar-fra-eirik@example.no>\r\nIn-Reply-To: <{message_id}>\r\nDate: Wed, 25 Nov 2026 12:00:00 +0100\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Torsdag kl. 16 passer fint for prøvekjøring!\r\n\r\n\
         Den tir. 24. nov. 2026 kl. 10:00 skrev Bilsenteret Drammen <{reply_to}>:\r\n> Hei Eirik!\r\n> Takk for at du tok kontakt.\r\n"
    );
    let outcome: Value = serde_json::from_str(
        &norvalt_local::ingest::ingest_email(&app.platform, answer.as_bytes(), None)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(outcome["outcome"], "replied", "{outcome}");
    let lead = only_lead(&app).await;
    assert!(lead["customer_replied_at"].is_string(), "{lead}");
    let messages = conversation(&app, lead["id"].as_str().unwrap()).await;
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert_eq!(messages[2]["sender_type"], "customer");
    assert_eq!(
        messages[2]["message_content"],
        "Torsdag kl. 16 passer fint for prøvekjøring!"
    );
    // The team is told about the answer, with the customer's words.
    app.settle().await;
    let reply_notices = app.outbox_files(|name| name.contains("_reply_"));
    let mut told: Vec<String> = reply_notices
        .iter()
        .map(|(_, mail)| {
            let mail = mail_parser::MessageParser::default().parse(mail).unwrap();
            let to = mail.to().and_then(|a| a.first()).and_then(|a| a.address());
            to.unwrap().to_string()
        })
        .collect();
    assert!(!told.is_empty(), "a reply notice");
    let notices = told.len();
    told.sort();
    told.dedup();
    assert_eq!(told.len(), notices, "each person told once: {told:?}");
    let notice = reply_notices[0].1.clone();
    let notice = mail_parser::MessageParser::default()
        .parse(&notice)
        .unwrap();
    assert_eq!(
        notice.subject(),
        Some("Eirik Solberg har svart – Volkswagen ID.Buzz")
    );
    assert!(
        notice
            .body_text(0)
            .unwrap()
            .contains("Torsdag kl. 16 passer fint")
    );

    // The same mail again (SES and IMAP both saw it): nothing new.
    let again: Value = serde_json::from_str(
        &norvalt_local::ingest::ingest_email(&app.platform, answer.as_bytes(), None)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(again["outcome"], "replied");
    assert_eq!(
        conversation(&app, lead["id"].as_str().unwrap()).await.len(),
        3
    );

    // A forged reply address (another lead id, or no signature) is not a
    // thread: it becomes an ordinary capture, never a message on this lead.
    let forged = answer
        .replace(&reply_to, &reply_to.replacen("svar+", "svar+0", 1))
        .replace("svar-fra-eirik", "forfalsket");
    let outcome: Value = serde_json::from_str(
        &norvalt_local::ingest::ingest_email(&app.platform, forged.as_bytes(), None)
            .await
            .unwrap_or_else(|e| json!({"outcome": "dead", "error": e}).to_string()),
    )
    .unwrap();
    assert_ne!(outcome["outcome"], "replied", "{outcome}");
    assert_eq!(
        conversation(&app, lead["id"].as_str().unwrap()).await.len(),
        3
    );
}

/// The footer link and the one-click header unsubscribe the customer; the
/// next message to them is not sent.
#[tokio::test(flavor = "multi_thread")]
async fn an_unsubscribed_customer_gets_no_more_email() {
    let app = TestApp::spawn_with(|p| p.imap_poll_interval = None).await;
    post_form(&app, "avmeld-1").await;
    let mails = outbox_mails(&app).await;
    let raw = String::from_utf8_lossy(&mails[0])
        .replace("\r\n ", " ")
        .replace("\r\n\t", " ");
    let token = raw
        .split("/unsubscribe/")
        .nth(1)
        .and_then(|rest| rest.split(['>', '"', ' ', '\r', '\n']).next())
        .expect("an unsubscribe link")
        .to_string();

    let page = app
        .http
        .get(app.url(&format!("/unsubscribe/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Meld meg av"));
    let forged = app
        .http
        .post(app.url(&format!("/unsubscribe/{}x", token)))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);
    let done = app
        .http
        .post(app.url(&format!("/unsubscribe/{token}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done.text().await.unwrap().contains("Du er meldt av"));

    // A second message to the same customer (a follow-up, a rep's email).
    let lead = only_lead(&app).await;
    let lead_id: norvalt_core::LeadId = lead["id"].as_str().unwrap().parse().unwrap();
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let now = norvalt_core::time::now();
    let follow_up = norvalt_core::model::Message {
        id: norvalt_core::ids::MessageId::new_at(now),
        lead_id,
        dealership_id: tenant.dealership_id(),
        channel: norvalt_core::model::Channel::Email,
        direction: norvalt_core::model::Direction::Outbound,
        sender: "AI".into(),
        sender_type: norvalt_core::model::SenderType::Ai,
        message_content: "Hei igjen Eirik! Har du fortsatt lyst på en prøvetur?".into(),
        metadata: json!({}),
        created_at: now,
    };
    app.platform
        .stores
        .conversations
        .insert_message(&tenant, &follow_up)
        .await
        .unwrap();
    let send =
        Envelope::<SendJob>::message(tenant.dealership_id(), lead_id, follow_up.id, "t", now);
    let outcome = app
        .platform
        .sender()
        .handle(&delivery(serde_json::to_string(&send).unwrap()))
        .await;
    assert_eq!(outcome, Ok(()));
    assert_eq!(
        outbox_mails(&app).await.len(),
        1,
        "nothing sent after unsubscribing"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn reps_get_drafts_and_fresh_analyses_for_their_own_leads_only() {
    let refined = r#"{"intents": ["trade_in", "availability"], "urgency": "high", "channel_preference": "email", "lead_score": 88, "explanation": "Spør om en bestemt bil og har innbytte klar."}"#;
    let (mock, url) = MockClaude::start(StatusCode::OK, MockClaude::text(refined)).await;
    let app = app_with_model(Some(&url)).await;
    post_form(&app, "ai-1").await;
    outbox_mails(&app).await;
    let lead = only_lead(&app).await;
    let id = lead["id"].as_str().unwrap();
    let token = app.token(DRAMMEN, Role::SalesRep).await;

    // The ai job refines the new lead's analysis by itself…
    app.settle().await;
    let (_, refined) = app.get(&format!("/api/leads/{id}"), &token).await;
    assert_eq!(refined["lead_score"], 88, "{refined}");
    // …and a rep can ask again.
    let (status, analysed) = app
        .post("/api/ai/analyze-lead", &token, json!({"lead_id": id}))
        .await;
    assert_eq!(status, 200, "{analysed}");
    assert_eq!(analysed["lead_score"], 88);
    assert_eq!(analysed["analysis"]["analysed_by"], "claude-test");
    assert_eq!(
        analysed["analysis"]["explanation"],
        "Spør om en bestemt bil og har innbytte klar."
    );

    // A draft from the model's reply, with the signature, not stored.
    *mock.answer.lock().unwrap() = (StatusCode::OK, MockClaude::text(GOOD_REPLY));
    let (status, draft) = app
        .post("/api/ai/generate-response", &token, json!({"lead_id": id}))
        .await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["fallback"], false);
    assert!(
        draft["text"]
            .as_str()
            .unwrap()
            .contains("Med vennlig hilsen"),
        "{draft}"
    );
    let messages = conversation(&app, id).await;
    assert_eq!(messages.len(), 2, "a draft is not stored or sent");

    let bergen = app.token(norvalt_tests::BERGEN, Role::Admin).await;
    let (status, body) = app
        .post("/api/ai/generate-response", &bergen, json!({"lead_id": id}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("lead_not_found"))
    );
    let (status, _) = app
        .post("/api/ai/analyze-lead", "", json!({"lead_id": id}))
        .await;
    assert_eq!(status, 401);
    let (status, body) = app
        .post("/api/ai/analyze-lead", &token, json!({"lead": id}))
        .await;
    assert_eq!(status, 422, "{body}");

    // Drafts are limited per dealership.
    let limited = norvalt_http::assemble(
        norvalt_http::routes::ai::router(norvalt_http::routes::ai::ReplyEngineState {
            drafts: Arc::new(norvalt_http::webhooks::RateLimiter::new(
                1,
                Duration::from_secs(60),
            )),
            ..app.platform.ai_state()
        }),
        (),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, limited).await.unwrap() });
    let draft = |http: reqwest::Client, base: String, token: String, id: String| async move {
        http.post(format!("{base}/api/ai/generate-response"))
            .bearer_auth(token)
            .json(&json!({"lead_id": id}))
            .send()
            .await
            .unwrap()
    };
    assert_eq!(
        draft(app.http.clone(), base.clone(), token.clone(), id.into())
            .await
            .status(),
        200
    );
    let refused = draft(app.http.clone(), base, token, id.into()).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

/// The team hears about each new lead and each customer answer, once per
/// person, however often the jobs are delivered.
#[tokio::test(flavor = "multi_thread")]
async fn the_team_is_told_about_new_leads_and_answers_once() {
    let app = TestApp::spawn_with(|p| p.imap_poll_interval = None).await;
    post_form(&app, "varsel-1").await;
    post_form(&app, "varsel-1").await;
    outbox_mails(&app).await;
    let notice_files = || app.outbox_files(|name| name.starts_with("notify"));
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let users = app.platform.stores.users.list_users(&tenant).await.unwrap();
    let wanting: Vec<_> = users
        .iter()
        .filter(|u| u.notification_preferences.new_lead_email)
        .collect();
    assert!(
        !wanting.is_empty(),
        "the demo dealership has users who want notices"
    );
    app.settle().await;
    let notices = notice_files();
    assert_eq!(
        notices.len(),
        wanting.len(),
        "one new-lead notice per person: {:?}",
        notices.iter().map(|n| &n.0).collect::<Vec<_>>()
    );
    let first = mail_parser::MessageParser::default()
        .parse(&notices[0].1)
        .unwrap();
    assert_eq!(
        first.subject(),
        Some("Ny lead: Eirik Solberg – Volkswagen ID.Buzz")
    );
    let body = first.body_text(0).unwrap();
    assert!(body.contains("Telefon: 934 45 566"), "{body}");
    assert!(body.contains("/leads/"), "{body}");

    // The same ai job again: no new notices.
    let lead = only_lead(&app).await;
    let lead_id = lead["id"].as_str().unwrap().parse().unwrap();
    let envelope = Envelope::<AiJob>::first_reply(
        tenant.dealership_id(),
        lead_id,
        "t",
        norvalt_core::time::now(),
    );
    app.platform
        .responder()
        .handle(&delivery(serde_json::to_string(&envelope).unwrap()))
        .await
        .unwrap();
    app.settle().await;
    assert_eq!(notice_files().len(), wanting.len());
}
