//! What the dashboard needs of the local server and the API: the dev login
//! (a directory of demo people and a token for the one picked), the built
//! dashboard's files beside a JSON-only API, a rep's reply sent exactly once
//! however often the request repeats, and a lead's opt-outs.

use std::path::Path;

use norvalt_core::Role;
use norvalt_core::model::Channel;
use norvalt_core::outbound::suppression;
use norvalt_core::queue::{DeadLetters, QueueName};
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

async fn post_json(app: &TestApp, path: &str, body: Value) -> (u16, Value) {
    let response = app
        .http
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn directory(app: &TestApp) -> Value {
    let response = app
        .http
        .get(app.url("/dev/login/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn person<'a>(directory: &'a Value, slug: &str, name: &str) -> &'a Value {
    directory["dealerships"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["slug"] == slug)
        .and_then(|d| {
            d["users"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["name"] == name)
        })
        .unwrap_or_else(|| panic!("{name} at {slug}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_login_lists_the_demo_people_and_signs_in_the_one_picked() {
    let app = TestApp::spawn().await;
    let people = directory(&app).await;
    let names: Vec<&str> = people["dealerships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Bilsenteret Drammen", "Fjord Bil Bergen"]);
    let magnus = person(&people, DRAMMEN, "Magnus Løvås");
    assert_eq!(magnus["role"], "sales_rep");

    let (status, session) = post_json(
        &app,
        "/dev/login/token",
        json!({"dealership": DRAMMEN, "user_id": magnus["id"]}),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let token = session["token"].as_str().unwrap();
    let (status, me) = app.get("/api/me", token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"]["name"], "Magnus Løvås");
    assert_eq!(me["role"], "sales_rep");
    assert_eq!(me["dealership"]["slug"], DRAMMEN);

    // A person is only signed in at their own dealership.
    let (status, err) = post_json(
        &app,
        "/dev/login/token",
        json!({"dealership": BERGEN, "user_id": magnus["id"]}),
    )
    .await;
    assert_eq!((status, code(&err)), (404, "user_not_found"));
    let (status, err) = post_json(
        &app,
        "/dev/login/token",
        json!({"dealership": DRAMMEN, "user_id": "01a2200d-0000-7000-8000-000000000000"}),
    )
    .await;
    assert_eq!((status, code(&err)), (404, "user_not_found"));
    let (status, err) = post_json(&app, "/dev/login/token", json!({"dealership": DRAMMEN})).await;
    assert_eq!(status, 422, "{err}");

    let config: Value = app
        .http
        .get(app.url("/config.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config, json!({"api_url": "", "auth": "local"}));
}

/// DNS rebinding: a page on evil.example whose name now points at
/// 127.0.0.1 reaches the server, but with its own name in `Host`.
#[tokio::test(flavor = "multi_thread")]
async fn the_dev_login_answers_only_loopback_hosts() {
    let app = TestApp::spawn().await;
    let user = app.user(DRAMMEN, norvalt_core::Role::SalesRep).await;
    for host in ["evil.example", "evil.example:8080", "192.168.1.20:8080"] {
        let response = app
            .http
            .get(app.url("/dev/login/users"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{host}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "host_not_allowed");
        let response = app
            .http
            .post(app.url("/dev/login/token"))
            .header("host", host)
            .json(&json!({"dealership": DRAMMEN, "user_id": user.id}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 403, "{host}");
    }
    let response = app
        .http
        .get(app.url("/dev/login/users"))
        .header("host", "localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_dev_login_there_is_no_way_to_a_token() {
    let app = TestApp::spawn_with(|p| p.dev_login = false).await;
    for (method, path) in [
        (reqwest::Method::GET, "/dev/login/users"),
        (reqwest::Method::POST, "/dev/login/token"),
    ] {
        let response = app
            .http
            .request(method, app.url(path))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "route_not_found");
    }
    let config: Value = app
        .http
        .get(app.url("/config.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["auth"], "none");
}

fn write(dir: &Path, path: &str, body: &str) {
    let file = dir.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, body).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dashboard_files_are_served_beside_a_json_only_api() {
    let files = tempfile::tempdir().unwrap();
    write(files.path(), "index.html", "<html>forside</html>");
    write(files.path(), "inbox/index.html", "<html>innboks</html>");
    write(files.path(), "404.html", "<html>fant ikke siden</html>");
    write(
        files.path(),
        "_next/static/chunks/app.js",
        "console.log('hei')",
    );
    let dir = files.path().to_path_buf();
    let app = TestApp::spawn_with(move |p| p.dashboard_dir = dir).await;
    let get = |path: &str| app.http.get(app.url(path)).send();

    let page = get("/inbox/").await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(page.text().await.unwrap(), "<html>innboks</html>");
    assert_eq!(
        get("/").await.unwrap().text().await.unwrap(),
        "<html>forside</html>"
    );

    let script = get("/_next/static/chunks/app.js").await.unwrap();
    assert_eq!(script.status(), 200);
    assert_eq!(
        script.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );

    let missing = get("/no/such/page/").await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.text().await.unwrap(),
        "<html>fant ikke siden</html>"
    );
    // Files outside the dashboard dir stay out of reach.
    let escape = get("/../Cargo.toml").await.unwrap();
    assert_ne!(escape.status(), 200);

    // The API never answers with a page.
    for path in ["/api/nothing-here", "/webhooks/nothing", "/dev/nothing"] {
        let response = get(path).await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(code(&body), "route_not_found", "{path}");
    }
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, _) = app.get("/api/leads", &token).await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unbuilt_dashboard_says_how_to_build_it() {
    let missing = tempfile::tempdir().unwrap().path().join("out");
    let app = TestApp::spawn_with(move |p| p.dashboard_dir = missing).await;
    let response = app.http.get(app.url("/")).send().await.unwrap();
    assert_eq!(response.status(), 503);
    assert!(response.text().await.unwrap().contains("scripts/dev serve"));
}

/// Every email in the outbox that contains `text` (ASCII: bodies may be
/// encoded), once the queues have settled.
async fn sent_emails(app: &TestApp, text: &str) -> Vec<String> {
    app.settle().await;
    app.outbox_emails(text)
}

/// A reply in a conversation longer than a page of messages is still found
/// by the sender and sent once (it used to look only at the 500 oldest, so
/// the send retried into the DLQ).
#[tokio::test(flavor = "multi_thread")]
async fn a_reply_late_in_a_long_conversation_is_sent() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Kari Nordmann", "customer_email": "kari@example.no"}),
        )
        .await;
    let lead_id: norvalt_core::LeadId = lead["id"].as_str().unwrap().parse().unwrap();
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let start = chrono::Utc::now() - chrono::Duration::hours(1);
    for i in 0..600 {
        let at = start + chrono::Duration::milliseconds(i);
        let message = norvalt_core::model::Message {
            id: norvalt_core::MessageId::new_at(at),
            lead_id,
            dealership_id: tenant.dealership_id(),
            channel: Channel::Email,
            direction: norvalt_core::model::Direction::Inbound,
            sender: "Kari".into(),
            sender_type: norvalt_core::model::SenderType::Customer,
            message_content: format!("Spørsmål {i}"),
            metadata: json!({}),
            created_at: at,
        };
        app.platform
            .stores
            .conversations
            .insert_message(&tenant, &message)
            .await
            .unwrap();
    }
    let (status, reply) = app
        .post(
            &format!("/api/leads/{lead_id}/replies"),
            &rep,
            json!({"channel": "email", "text": "Svar nummer 601 (ref-lang)."}),
        )
        .await;
    assert_eq!(status, 202, "{reply}");
    assert_eq!(sent_emails(&app, "ref-lang").await.len(), 1);
    assert_eq!(
        app.platform
            .queues
            .list(QueueName::Send, 10)
            .await
            .unwrap()
            .len(),
        0,
        "nothing on the send DLQ"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reps_reply_is_sent_once_however_often_it_is_posted() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Kari Nordmann", "customer_email": "kari@example.no",
                   "vehicle_interest": "Toyota bZ4X"}),
        )
        .await;
    let id = lead["id"].as_str().unwrap();
    let path = format!("/api/leads/{id}/replies");
    let reply = json!({"channel": "email", "text": "Hei Kari! Bilen står klar til prøvekjøring lørdag kl. 11 (ref-1100).",
                       "idempotency_key": "5f0c1f7e-2b7c-4a53-9d1f-8f3c2f0c9a11"});

    let (status, first) = app.post(&path, &rep, reply.clone()).await;
    assert_eq!(status, 202, "{first}");
    assert_eq!(first["channel"], "email");
    assert_eq!(first["direction"], "outbound");
    assert_eq!(first["sender_type"], "human");
    assert_eq!(first["sender"], "Magnus Løvås");
    // A double click and a retry after a lost answer.
    let (status, again) = app.post(&path, &rep, reply.clone()).await;
    assert_eq!((status, &again["id"]), (202, &first["id"]));
    let (_, _) = app.post(&path, &rep, reply).await;
    app.drain(&[QueueName::Send]).await;

    let mails = sent_emails(&app, "ref-1100").await;
    assert_eq!(mails.len(), 1, "one email to Kari");
    assert!(mails[0].contains("kari@example.no"));

    let (_, timeline) = app
        .get(&format!("/api/leads/{id}/conversations"), &rep)
        .await;
    let replies: Vec<&Value> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["sender_type"] == "human" && m["direction"] == "outbound")
        .collect();
    assert_eq!(replies.len(), 1, "{timeline}");
    let (_, lead) = app.get(&format!("/api/leads/{id}"), &rep).await;
    assert_eq!(lead["status"], "contacted");
    assert!(lead["first_response_at"].is_string(), "{lead}");

    // A new reply (a new key) is a new message.
    let (status, second) = app
        .post(
            &path,
            &rep,
            json!({"channel": "email", "text": "Glemte å si: vi har også en RAV4 (ref-rav4)."}),
        )
        .await;
    assert_eq!(status, 202, "{second}");
    assert_ne!(second["id"], first["id"]);
    assert_eq!(sent_emails(&app, "ref-rav4").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_needs_a_channel_the_customer_can_be_reached_on() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let bergen = app.token(BERGEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Per Post", "customer_email": "per@example.no"}),
        )
        .await;
    let path = format!("/api/leads/{}/replies", lead["id"].as_str().unwrap());
    for (body, field) in [
        (json!({"channel": "sms", "text": "Hei"}), "channel"),
        (json!({"channel": "note", "text": "Hei"}), "channel"),
        (json!({"channel": "email", "text": "   "}), "text"),
        (
            json!({"channel": "email", "text": "x".repeat(5_001)}),
            "text",
        ),
        (
            json!({"channel": "email", "text": "Hei", "idempotency_key": ""}),
            "idempotency_key",
        ),
    ] {
        let (status, err) = app.post(&path, &rep, body.clone()).await;
        assert_eq!((status, code(&err)), (422, "validation_failed"), "{body}");
        assert_eq!(
            err["error"]["details"]["fields"][0]["field"], field,
            "{body}"
        );
    }
    let (status, err) = app
        .post(&path, &bergen, json!({"channel": "email", "text": "Hei"}))
        .await;
    assert_eq!((status, code(&err)), (404, "lead_not_found"));
    app.drain(&[QueueName::Send]).await;
    assert!(sent_emails(&app, "per@example.no").await.is_empty());

    // SMS only where the dealership has turned it on.
    let texted = app
        .post_lead(
            &rep,
            json!({"customer_name": "Siv SMS", "customer_phone": "+4791234567"}),
        )
        .await;
    let path = format!("/api/leads/{}/replies", texted["id"].as_str().unwrap());
    let sms = json!({"channel": "sms", "text": "Hei Siv! Bilen er klar."});
    let (status, err) = app.post(&path, &rep, sms.clone()).await;
    assert_eq!((status, code(&err)), (422, "validation_failed"));
    assert_eq!(err["error"]["details"]["fields"][0]["field"], "channel");
    let admin = app.token(DRAMMEN, Role::Admin).await;
    // The operator provisions the number first; then the admin can take it.
    let (tenant, _) =
        norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
            .await
            .unwrap()
            .unwrap();
    norvalt_core::service::provisioning::provision_sms_number(
        &app.platform.stores,
        &tenant,
        "+4792000000",
    )
    .await
    .unwrap();
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"reply": {"sms_enabled": true, "sms_number": "+4792000000"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, message) = app.post(&path, &rep, sms).await;
    assert_eq!(status, 202, "{message}");
    assert_eq!(message["channel"], "sms");
    app.drain(&[QueueName::Send]).await;
    let texts =
        std::fs::read_to_string(app.platform.outbox.dir().join("sms.jsonl")).unwrap_or_default();
    assert_eq!(texts.matches("Bilen er klar").count(), 1, "{texts}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_shows_which_channels_the_customer_opted_out_of() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Siri Stopp", "customer_email": "siri@example.no",
                   "customer_phone": "+4791234567"}),
        )
        .await;
    let path = format!("/api/leads/{}/opt-outs", lead["id"].as_str().unwrap());
    let (status, body) = app.get(&path, &rep).await;
    assert_eq!((status, body), (200, json!({"email": false, "sms": false})));

    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    suppression::suppress(
        &app.platform.stores,
        &tenant,
        Channel::Sms,
        "+4791234567",
        "stop",
        norvalt_core::time::now(),
    )
    .await
    .unwrap();
    let (_, body) = app.get(&path, &rep).await;
    assert_eq!(body, json!({"email": false, "sms": true}));

    let bergen = app.token(BERGEN, Role::SalesRep).await;
    let (status, err) = app.get(&path, &bergen).await;
    assert_eq!((status, code(&err)), (404, "lead_not_found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_draft_takes_the_shape_of_the_channel_the_rep_writes_on() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Kari Nordmann", "customer_email": "kari@example.no",
                   "customer_phone": "+4791234567", "vehicle_interest": "Toyota bZ4X"}),
        )
        .await;
    let draft = |channel: Value| {
        let body = json!({"lead_id": lead["id"], "channel": channel});
        let (app, rep) = (&app, &rep);
        async move { app.post("/api/ai/generate-response", rep, body).await }
    };

    let (status, email) = draft(json!("email")).await;
    assert_eq!(status, 200, "{email}");
    assert!(
        email["text"]
            .as_str()
            .unwrap()
            .contains("Med vennlig hilsen"),
        "{email}"
    );

    let (status, sms) = draft(json!("sms")).await;
    assert_eq!(status, 200, "{sms}");
    let text = sms["text"].as_str().unwrap();
    assert!(text.ends_with("– Bilsenteret Drammen"), "{text}");
    assert!(!text.contains("Med vennlig hilsen"), "{text}");
    assert!(text.chars().count() < email["text"].as_str().unwrap().chars().count());

    let (status, err) = draft(json!("note")).await;
    assert_eq!((status, code(&err)), (422, "validation_failed"));
    assert_eq!(err["error"]["details"]["fields"][0]["field"], "channel");
}
