//! The AI carrying a conversation, end to end on the local platform: a
//! customer texts, gets the first reply, texts again — and gets an AI
//! answer (`auto`), a draft a rep sends (`draft`) or nothing (`off`); a
//! price question hands the lead to a person with a summary. Claude is a
//! mock server that checks the structured request and answers with the
//! tool call.

use std::sync::Arc;
use std::time::Duration;

use norvalt_core::Role;
use norvalt_core::ai::ReplyModel;
use norvalt_http::anthropic::AnthropicClient;
use norvalt_http::webhooks::twilio::TwilioWebhook;
use norvalt_tests::claude::TurnClaude;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

const TOKEN: &str = "twilio-auth-token";
const PUBLIC: &str = "https://sms.norvalt.test";
const DEALER_NUMBER: &str = "+4759440000";
const CUSTOMER: &str = "+4791234567";

const FIRST_REPLY: &str = "Hei! Takk for at du tok kontakt med Bilsenteret Drammen. Vi har flere biler som kan passe, og du er velkommen innom for en prøvetur.";

async fn app(mode: &str) -> (TestApp, TurnClaude) {
    let (mock, url) = TurnClaude::start(FIRST_REPLY).await;
    let app = TestApp::spawn_with(move |p| {
        p.model = Some(
            Arc::new(AnthropicClient::new(&url, "test-key", "claude-test")) as Arc<dyn ReplyModel>,
        );
        p.model_budget = Duration::from_secs(4);
        p.analysis_delay_secs = 0;
        p.imap_poll_interval = None;
        p.twilio = Some(Arc::new(TwilioWebhook {
            auth_token: TOKEN.into(),
            public_url: PUBLIC.into(),
        }));
    })
    .await;
    app.texts_from(DRAMMEN, DEALER_NUMBER).await;
    // The mode is the manager's setting, through the settings API.
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"conversation": {"mode": mode, "debounce_secs": 0}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    (app, mock)
}

async fn text(app: &TestApp, sid: &str, body: &str) {
    let fields = [
        ("MessageSid", sid),
        ("AccountSid", "AC123"),
        ("From", CUSTOMER),
        ("To", DEALER_NUMBER),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    let response = app
        .twilio_text(TOKEN, PUBLIC, &fields, None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    app.settle().await;
}

/// Every SMS sent so far (the queues are settled first).
async fn sent_sms(app: &TestApp) -> Vec<String> {
    app.settle().await;
    std::fs::read_to_string(app.platform.outbox.dir().join("sms.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["body"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

async fn the_lead(app: &TestApp) -> Value {
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?limit=10", &token).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    items[0].clone()
}

fn safe_answer() -> Value {
    json!({
        "reply": "Hei! Ja, bilen har hengerfeste. Du er velkommen innom for å se på den.",
        "intent": "question",
        "needs_human": false
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn in_auto_the_ai_answers_the_customers_reply() {
    let (app, mock) = app("auto").await;
    mock.answer_with(safe_answer());
    text(&app, "SM1", "Hei! Har dere en Toyota bZ4X på lager?").await;
    text(&app, "SM2", "Har den hengerfeste?").await;
    let sms = sent_sms(&app).await;
    assert_eq!(sms.len(), 2, "the first reply and one answer: {sms:?}");
    assert!(
        sms[1].starts_with("Hei! Ja, bilen har hengerfeste."),
        "{sms:?}"
    );
    assert!(sms[1].ends_with("– Bilsenteret Drammen"), "{sms:?}");

    // Claude was asked for the tool, with the conversation in the prompt.
    let requests = mock.turn_requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        request["tool_choice"],
        json!({"type": "tool", "name": "answer_customer"})
    );
    assert_eq!(request["tools"][0]["name"], "answer_customer");
    assert!(request["tools"][0]["input_schema"]["properties"]["intent"]["enum"].is_array());
    let prompt = request["messages"][0]["content"].as_str().unwrap();
    assert!(prompt.contains("Har den hengerfeste?"), "{prompt}");
    assert!(prompt.contains("Toyota bZ4X på lager"), "{prompt}");

    // "Hvorfor?": the answer records what it read and what it used.
    let lead = the_lead(&app).await;
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, convo) = app
        .get(
            &format!("/api/leads/{}/conversations", lead["id"].as_str().unwrap()),
            &token,
        )
        .await;
    let answer = convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|m| m["sender_type"] == "ai")
        .unwrap();
    let why = &answer["metadata"]["turn"];
    assert_eq!(why["intent"], "question", "{why}");
    assert_eq!(why["guardrail"]["passed"], true, "{why}");
    assert_eq!(why["mode"], "auto");
    assert_eq!(why["model"]["input_tokens"], 1200);

    // The same text delivered again by Twilio: no second answer.
    text(&app, "SM2", "Har den hengerfeste?").await;
    assert_eq!(sent_sms(&app).await.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn in_draft_a_rep_sends_the_ais_draft_once() {
    let (app, mock) = app("draft").await;
    mock.answer_with(safe_answer());
    text(&app, "SM1", "Hei! Har dere en Toyota bZ4X på lager?").await;
    text(&app, "SM2", "Har den hengerfeste?").await;
    assert_eq!(sent_sms(&app).await.len(), 1, "a draft is not sent");
    let lead = the_lead(&app).await;
    let draft = &lead["ai_draft"];
    assert!(
        draft["text"].as_str().unwrap().contains("hengerfeste"),
        "{lead}"
    );
    let id = lead["id"].as_str().unwrap();

    // Another dealership cannot send it.
    let bergen = app.token(BERGEN, Role::Manager).await;
    let (status, body) = app
        .post(&format!("/api/leads/{id}/draft/send"), &bergen, json!({}))
        .await;
    assert_eq!((status, code(&body)), (404, "lead_not_found"), "{body}");

    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, sent) = app
        .post(
            &format!("/api/leads/{id}/draft/send"),
            &rep,
            json!({"text": "Hei! Ja, den har hengerfeste. Velkommen innom i morgen! – Ola"}),
        )
        .await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["id"], draft["id"]);
    assert_eq!(sent["metadata"]["draft"]["edited"], true);
    let (status, again) = app
        .post(&format!("/api/leads/{id}/draft/send"), &rep, json!({}))
        .await;
    assert_eq!((status, code(&again)), (404, "draft_not_found"), "{again}");
    let sms = sent_sms(&app).await;
    assert_eq!(sms.len(), 2, "{sms:?}");
    assert!(sms[1].contains("Velkommen innom i morgen"), "{sms:?}");
    let lead = the_lead(&app).await;
    assert!(lead["ai_draft"].is_null());
    // A person answered: the response-time clock stops.
    assert!(lead["human_contact_at"].is_string(), "{lead}");
}

#[tokio::test(flavor = "multi_thread")]
async fn in_off_nothing_is_written() {
    let (app, mock) = app("off").await;
    mock.answer_with(safe_answer());
    text(&app, "SM1", "Hei! Har dere en Toyota bZ4X på lager?").await;
    text(&app, "SM2", "Har den hengerfeste?").await;
    assert_eq!(sent_sms(&app).await.len(), 1);
    assert!(mock.turn_requests.lock().unwrap().is_empty());
    let lead = the_lead(&app).await;
    assert!(
        lead["ai_draft"].is_null() && lead["handover"].is_null(),
        "{lead}"
    );
    assert!(
        lead["human_contact_at"].is_null(),
        "no person has answered yet"
    );
    // The customer answered and no person has: the reply clock runs;
    // another dealership cannot read it.
    let id = lead["id"].as_str().unwrap();
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let clock_path = format!("/api/leads/{id}/response-clock");
    let (status, view) = app.get(&clock_path, &rep).await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["clock"]["kind"], "reply", "{view}");
    assert!(view["clock"]["due_at"].as_str() > view["clock"]["started_at"].as_str());
    let bergen = app.token(BERGEN, Role::Manager).await;
    let (status, _) = app.get(&clock_path, &bergen).await;
    assert_eq!(status, 404);
    // A rep moving the lead on counts as a person's contact.
    let (status, moved) = app
        .patch(
            &format!("/api/leads/{id}"),
            &rep,
            json!({"status": "qualified"}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert!(moved["human_contact_at"].is_string(), "{moved}");
    let (_, view) = app.get(&clock_path, &rep).await;
    assert!(
        view["clock"].is_null(),
        "a person's contact stops the clock: {view}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_price_question_hands_the_lead_to_a_person_with_a_summary() {
    let (app, mock) = app("auto").await;
    mock.answer_with(json!({
        "reply": "Hei! Jeg kan gi deg 15 000 kr i rabatt.",
        "intent": "price",
        "needs_human": true,
        "handover_reason": "Kunden vil forhandle om prisen",
        "summary": "Kunden vil kjøpe bZ4X og spør om beste pris. Ingenting er lovet. Åpent: pris og levering."
    }));
    text(&app, "SM1", "Hei! Har dere en Toyota bZ4X på lager?").await;
    text(&app, "SM2", "Hva er beste pris dere kan gi?").await;

    let lead = the_lead(&app).await;
    let handover = &lead["handover"];
    assert_eq!(handover["reason"], "price", "{lead}");
    assert!(
        handover["summary"].as_str().unwrap().contains("beste pris"),
        "{handover}"
    );
    assert!(
        lead["assigned_to"].is_string(),
        "the round robin gave it to a rep: {lead}"
    );
    // The customer is told a person will be in touch, and promised nothing.
    let sms = sent_sms(&app).await;
    assert_eq!(sms.len(), 2, "{sms:?}");
    assert!(sms[1].contains("tar kontakt"), "{sms:?}");
    assert!(
        !sms[1].contains("rabatt") && !sms[1].contains("15 000"),
        "{sms:?}"
    );
    // The rep's notice carries the summary.
    let notices: Vec<String> = app
        .outbox_files(|name| name.starts_with("notify_"))
        .into_iter()
        .filter_map(|(_, raw)| {
            let mail = mail_parser::MessageParser::default().parse(&raw)?;
            mail.subject()?
                .starts_with("Trenger menneske")
                .then(|| mail.body_text(0).unwrap_or_default().into_owned())
        })
        .collect();
    assert_eq!(notices.len(), 1, "one handover notice");
    assert!(notices[0].contains("Oppsummering:"), "{}", notices[0]);
    assert!(notices[0].contains("Ingenting er lovet"), "{}", notices[0]);

    // The inbox's "Trenger menneske" view; another dealership sees nothing.
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?needs_human=true", &rep).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    let (_, page) = app.get("/api/leads?needs_human=false", &rep).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0, "{page}");
    let id = lead["id"].as_str().unwrap();
    let bergen = app.token(BERGEN, Role::Manager).await;
    let (status, _) = app
        .post(&format!("/api/leads/{id}/hand-back"), &bergen, json!({}))
        .await;
    assert_eq!(status, 404);

    // While it is with a person the AI says nothing more.
    text(&app, "SM3", "Hallo?").await;
    assert_eq!(sent_sms(&app).await.len(), 2);

    // Given back, the AI answers the next message.
    let (status, back) = app
        .post(&format!("/api/leads/{id}/hand-back"), &rep, json!({}))
        .await;
    assert_eq!(status, 200, "{back}");
    assert!(back["handover"].is_null() && back["handed_back"]["at"].is_string());
    mock.answer_with(safe_answer());
    text(&app, "SM4", "Har den hengerfeste?").await;
    let sms = sent_sms(&app).await;
    assert_eq!(sms.len(), 3, "{sms:?}");
    assert!(sms[2].contains("hengerfeste"));
}
