//! SMS end to end on the local platform: a signed text from a customer
//! becomes a lead answered by SMS, the next text joins it, STOPP opts out
//! (confirmed once) and START opts back in. Forged requests change nothing.

use std::sync::Arc;

use norvalt_core::Role;
use norvalt_core::queue::QueueName;
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_http::webhooks::twilio::{TwilioWebhook, sign};
use norvalt_tests::{DRAMMEN, TestApp};
use serde_json::Value;

const TOKEN: &str = "twilio-auth-token";
const PUBLIC: &str = "https://sms.norvalt.test";
const DEALER_NUMBER: &str = "+4759440000";
const CUSTOMER: &str = "+4791234567";

async fn app() -> TestApp {
    let app = TestApp::spawn_with(|p| {
        p.imap_poll_interval = None;
        p.sender_config.sms_segment_price_nok = Some(0.45);
        p.twilio = Some(Arc::new(TwilioWebhook {
            auth_token: TOKEN.into(),
            public_url: PUBLIC.into(),
        }));
    })
    .await;
    app.texts_from(DRAMMEN, DEALER_NUMBER).await;
    app
}

async fn text(app: &TestApp, sid: &str, body: &str, signature: Option<&str>) -> reqwest::Response {
    let fields = [
        ("MessageSid", sid),
        ("AccountSid", "AC123"),
        ("From", CUSTOMER),
        ("To", DEALER_NUMBER),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    app.twilio_text(TOKEN, PUBLIC, &fields, signature)
        .send()
        .await
        .unwrap()
}

/// Every SMS line in the outbox once the queues have settled.
async fn sent_sms(app: &TestApp) -> Vec<Value> {
    app.settle().await;
    std::fs::read_to_string(app.platform.outbox.dir().join("sms.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_texting_customer_is_answered_by_sms_and_can_opt_out_and_in() {
    let app = app().await;
    let answer = text(&app, "SM1", "Hei! Har dere Tesla Model Y på lager?", None).await;
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains("<Response>"));

    let sms = sent_sms(&app).await;
    assert_eq!(sms.len(), 1, "{sms:?}");
    assert_eq!(sms[0]["to"], CUSTOMER);
    assert_eq!(sms[0]["from"], DEALER_NUMBER);
    assert!(
        sms[0]["body"].as_str().unwrap().starts_with("Hei!"),
        "{sms:?}"
    );
    let body = sms[0]["body"].as_str().unwrap();
    assert!(
        body.ends_with("– Bilsenteret Drammen"),
        "signed with the name: {body}"
    );
    assert!(!body.contains("Åpningstider"), "an SMS is short: {body}");
    let segments = sms[0]["segments"].as_u64().unwrap();
    assert!((1..=3).contains(&segments), "{segments} segments: {body}");

    // The next text joins the same lead; a repeat delivery changes nothing.
    text(&app, "SM2", "Kan jeg komme innom i morgen?", None).await;
    text(&app, "SM2", "Kan jeg komme innom i morgen?", None).await;
    app.drain(&[QueueName::Capture, QueueName::Ai, QueueName::Send])
        .await;
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?limit=10", &token).await;
    let leads = page["items"].as_array().unwrap();
    assert_eq!(leads.len(), 1, "{page}");
    assert_eq!(leads[0]["source"], "sms");
    assert!(leads[0]["customer_replied_at"].is_string());
    let id = leads[0]["id"].as_str().unwrap();
    let (_, convo) = app
        .get(&format!("/api/leads/{id}/conversations"), &token)
        .await;
    // What the reply cost is on its send record.
    let ai = convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["sender_type"] == "ai")
        .unwrap();
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let claim = app
        .platform
        .stores
        .claims
        .get_claim(&tenant, &format!("send:{}", ai["id"].as_str().unwrap()))
        .await
        .unwrap()
        .unwrap();
    let detail = claim.detail.unwrap();
    let expected = format!("segments={segments} cost_nok={:.2}", 0.45 * segments as f64);
    assert!(detail.ends_with(&expected), "{detail}");
    let customer: Vec<&str> = convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["sender_type"] == "customer")
        .map(|m| m["message_content"].as_str().unwrap())
        .collect();
    assert_eq!(
        customer,
        [
            "Hei! Har dere Tesla Model Y på lager?",
            "Kan jeg komme innom i morgen?"
        ]
    );

    // STOPP: one confirmation, even when sent twice.
    text(&app, "SM3", "STOPP", None).await;
    text(&app, "SM4", "stopp", None).await;
    app.drain(&[QueueName::Capture, QueueName::Ai, QueueName::Send])
        .await;
    let sms = sent_sms(&app).await;
    assert_eq!(sms.len(), 2, "{sms:?}");
    assert!(
        sms[1]["body"].as_str().unwrap().contains("meldt av"),
        "{sms:?}"
    );
    // Neither the reply engine nor a person wrote it: a system message.
    let (_, convo) = app
        .get(&format!("/api/leads/{id}/conversations"), &token)
        .await;
    let confirmations: Vec<&Value> = convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_content"].as_str().unwrap().contains("meldt av"))
        .collect();
    assert_eq!(confirmations.len(), 1, "{convo}");
    assert_eq!(confirmations[0]["sender_type"], "system");
    assert_eq!(confirmations[0]["direction"], "outbound");

    // A rep's (or follow-up's) SMS now is not sent.
    let (status, _) = app
        .post(
            "/api/conversations",
            &token,
            serde_json::json!({"lead_id": id, "channel": "sms", "direction": "outbound", "sender_type": "human", "message_content": "Hei igjen!"}),
        )
        .await;
    assert_eq!(status, 201);
    let stores = &app.platform.stores;
    let (tenant, _) = find_by_slug(stores, DRAMMEN).await.unwrap().unwrap();
    assert!(
        norvalt_core::outbound::suppression::is_suppressed(
            stores,
            &tenant,
            norvalt_core::model::Channel::Sms,
            CUSTOMER
        )
        .await
        .unwrap()
    );

    // START lifts it.
    text(&app, "SM5", "START", None).await;
    app.drain(&[QueueName::Capture, QueueName::Ai, QueueName::Send])
        .await;
    assert!(
        !norvalt_core::outbound::suppression::is_suppressed(
            stores,
            &tenant,
            norvalt_core::model::Channel::Sms,
            CUSTOMER
        )
        .await
        .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_or_incomplete_texts_are_refused_and_store_nothing() {
    let app = app().await;
    let forged = text(&app, "SM9", "Hei", Some("c2lnbmF0dXJl")).await;
    assert_eq!(forged.status(), 401);
    let body: Value = forged.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_signature");
    let missing = app
        .http
        .post(app.url("/webhooks/twilio/sms"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("From=%2B4791234567")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401, "unsigned");

    // Signed but without a MessageSid: 422 naming it.
    let params = vec![("From".to_string(), CUSTOMER.to_string())];
    let signature = sign(TOKEN, &format!("{PUBLIC}/webhooks/twilio/sms"), &params);
    let incomplete = app
        .http
        .post(app.url("/webhooks/twilio/sms"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", signature)
        .body("From=%2B4791234567")
        .send()
        .await
        .unwrap();
    assert_eq!(incomplete.status(), 422);
    app.drain(&[QueueName::Capture, QueueName::Ai, QueueName::Send])
        .await;
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads", &token).await;
    assert!(page["items"].as_array().unwrap().is_empty());
}

#[test]
fn the_signature_matches_twilios_documented_example() {
    // Twilio's own example (security docs): token 12345, this URL and
    // these parameters sign to this value.
    let params: Vec<(String, String)> = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675310"),
        ("Digits", "1234"),
        ("From", "+14158675310"),
        ("To", "+18005551212"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(
        sign(
            "12345",
            "https://mycompany.com/myapp.php?foo=1&bar=2",
            &params
        ),
        "GvWf1cFY/Q7PnoempGyD5oXAezc="
    );
}

/// The Twilio client against a mock of the Messages API that checks what
/// it is sent: basic auth, the form fields, and how answers are read.
#[tokio::test(flavor = "multi_thread")]
async fn the_twilio_client_sends_what_twilio_expects() {
    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::routing::post;
    use norvalt_core::outbound::{OutboundSms, SendError, SmsSender};
    use norvalt_http::twilio::TwilioClient;
    use std::sync::Mutex;

    type Seen = Arc<Mutex<Vec<(String, HeaderMap, String)>>>;
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/{sid}/Messages.json",
            post(
                |State(seen): State<Seen>, Path(sid): Path<String>, headers: HeaderMap, body: String| async move {
                    seen.lock().unwrap().push((sid, headers, body.clone()));
                    let to = form_urlencoded::parse(body.as_bytes())
                        .find(|(k, _)| k == "To")
                        .map(|(_, v)| v.into_owned())
                        .unwrap_or_default();
                    match to.as_str() {
                        "+4790000001" => (StatusCode::BAD_REQUEST, r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#.to_string()),
                        "+4790000002" => (StatusCode::TOO_MANY_REQUESTS, r#"{"code": 20429, "message": "Too Many Requests"}"#.to_string()),
                        _ => (StatusCode::CREATED, r#"{"sid": "SM0123456789abcdef", "status": "queued"}"#.to_string()),
                    }
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let client = TwilioClient::new(
        &base,
        "AC123",
        "secret-token",
        "MG999",
        Some("https://x/status".into()),
    );
    let sms = |to: &str, from: Option<&str>| OutboundSms {
        send_key: "send:1".into(),
        to: to.into(),
        from: from.map(str::to_string),
        body: "Hei Åse! Vi ses på lørdag.".into(),
    };
    let receipt = client.send_sms(&sms(CUSTOMER, None)).await.unwrap();
    assert_eq!(receipt.provider_id, "SM0123456789abcdef");
    client
        .send_sms(&sms(CUSTOMER, Some(DEALER_NUMBER)))
        .await
        .unwrap();
    let refused = client
        .send_sms(&sms("+4790000001", None))
        .await
        .unwrap_err();
    assert!(
        matches!(refused, SendError::Permanent(ref m) if m.contains("21610")),
        "{refused:?}"
    );
    let busy = client
        .send_sms(&sms("+4790000002", None))
        .await
        .unwrap_err();
    assert!(matches!(busy, SendError::Transient(_)), "{busy:?}");

    let seen = seen.lock().unwrap().clone();
    let (sid, headers, body) = &seen[0];
    assert_eq!(sid, "AC123");
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode("AC123:secret-token");
    assert_eq!(headers["authorization"], format!("Basic {auth}"));
    let fields: std::collections::HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    assert_eq!(fields["To"], CUSTOMER);
    assert_eq!(fields["MessagingServiceSid"], "MG999");
    assert_eq!(fields["Body"], "Hei Åse! Vi ses på lørdag.");
    assert_eq!(fields["StatusCallback"], "https://x/status");
    let second: std::collections::HashMap<String, String> =
        form_urlencoded::parse(seen[1].2.as_bytes())
            .into_owned()
            .collect();
    assert_eq!(
        second["From"], DEALER_NUMBER,
        "the dealership's own number when it has one"
    );
    assert!(!second.contains_key("MessagingServiceSid"));
}
