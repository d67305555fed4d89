//! Lead capture end to end over HTTP against the local platform: website
//! forms, Meta Lead Ads (with a mock Graph API that checks its requests) and
//! importer mail, down to leads in the inbox API.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::get;
use norvalt_core::Role;
use norvalt_core::capture::facebook::sign;
use norvalt_core::capture::sources::legacy_page_token_secret;
use norvalt_core::queue::{DeadLetters, QueueName};
use norvalt_http::webhooks::FacebookWebhook;
use norvalt_local::ingest;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code, fixture};
use serde_json::{Value, json};

const ORIGIN: &str = "https://www.bilsenteret-drammen.no";

async fn form_key(app: &TestApp, slug: &str) -> String {
    norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, slug)
        .await
        .unwrap()
        .unwrap()
        .1
        .form_key
}

async fn leads(app: &TestApp, slug: &str, query: &str) -> Vec<Value> {
    app.drain(&[QueueName::Capture]).await;
    let token = app.token(slug, Role::SalesRep).await;
    let (status, page) = app
        .get(&format!("/api/leads?limit=100{query}"), &token)
        .await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn post_form(app: &TestApp, key: &str) -> reqwest::RequestBuilder {
    app.http.post(app.url(&format!("/webhooks/form/{key}")))
}

#[tokio::test]
async fn a_json_form_post_becomes_a_lead_with_its_message() {
    let app = TestApp::spawn().await;
    let key = form_key(&app, DRAMMEN).await;
    let resp = post_form(&app, &key)
        .header("origin", ORIGIN)
        .header("content-type", "application/json")
        .body(fixture("forms/website-form.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert_eq!(resp.headers()["access-control-allow-origin"], ORIGIN);
    let body: Value = resp.json().await.unwrap();
    assert!(body["capture_id"].as_str().is_some_and(|id| id.len() == 36));

    let found = leads(&app, DRAMMEN, "&search=eirik").await;
    assert_eq!(found.len(), 1);
    let lead = &found[0];
    assert_eq!(lead["source"], "website");
    // `contacted` once the first reply has gone out (the workers run).
    assert!(
        ["new", "contacted"].contains(&lead["status"].as_str().unwrap()),
        "{lead}"
    );
    assert_eq!(lead["customer_email"], "eirik.solberg@example.no");
    assert_eq!(lead["customer_phone"], "+4793445566");
    assert_eq!(lead["vehicle_interest"], "Volkswagen ID.Buzz");
    assert_eq!(
        lead["source_url"],
        "https://www.bilsenteret-drammen.no/bruktbil/vw-id-buzz"
    );
    assert_eq!(lead["source_metadata"]["consent"], true);
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, convo) = app
        .get(
            &format!("/api/leads/{}/conversations", lead["id"].as_str().unwrap()),
            &token,
        )
        .await;
    let messages = convo["items"].as_array().unwrap();
    // The customer's message first; the first reply may already follow it.
    assert!((1..=2).contains(&messages.len()), "{convo}");
    assert_eq!(messages[0]["direction"], "inbound");
    assert_eq!(messages[0]["channel"], "website");
    assert!(
        messages[0]["message_content"]
            .as_str()
            .unwrap()
            .contains("ID.Buzz i grått")
    );
    // The other dealership sees nothing of it.
    assert!(leads(&app, BERGEN, "&search=eirik").await.is_empty());
}

#[tokio::test]
async fn a_plain_html_form_is_redirected_to_the_thank_you_page() {
    let app = TestApp::spawn().await;
    let key = form_key(&app, DRAMMEN).await;
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = no_redirects
        .post(app.url(&format!("/webhooks/form/{key}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html")
        .body(fixture("forms/website-form.urlencoded"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(
        resp.headers()["location"],
        "https://www.bilsenteret-drammen.no/takk"
    );
    let found = leads(&app, DRAMMEN, "&search=silje").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["customer_phone"], "+4741234567");
    assert_eq!(found[0]["vehicle_interest"], "Toyota Yaris Cross");
    assert_eq!(found[0]["source_metadata"]["consent"], true);

    // A script asking for JSON gets JSON.
    let resp = post_form(&app, &key)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body("name=Ola&phone=90000001")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
}

#[tokio::test]
async fn an_idempotency_key_makes_repeats_harmless() {
    let app = TestApp::spawn().await;
    let key = form_key(&app, DRAMMEN).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        let resp = post_form(&app, &key)
            .header("idempotency-key", "klikk-1")
            .json(&json!({"name": "Dobbel Klikk", "email": "dobbel@example.no", "message": "Hei"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
        ids.push(resp.json::<Value>().await.unwrap()["capture_id"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let found = leads(&app, DRAMMEN, "&search=dobbel").await;
    assert_eq!(found.len(), 1);
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, convo) = app
        .get(
            &format!(
                "/api/leads/{}/conversations",
                found[0]["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    let customer_messages = convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["sender_type"] == "customer")
        .count();
    assert_eq!(customer_messages, 1, "{convo}");
}

#[tokio::test]
async fn hostile_form_posts_get_clear_errors_and_store_nothing() {
    let app = TestApp::spawn().await;
    let key = form_key(&app, DRAMMEN).await;
    let send = |req: reqwest::RequestBuilder| async move {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json::<Value>().await.unwrap_or(Value::Null))
    };

    let (s, b) = send(post_form(&app, "no-such-key").json(&json!({"email": "a@b.no"}))).await;
    assert_eq!((s, code(&b)), (404, "form_not_found"));
    let (s, b) = send(post_form(&app, &key).json(&json!({"email": "nope", "phone": "12"}))).await;
    assert_eq!((s, code(&b)), (422, "validation_failed"));
    let fields: Vec<&str> = b["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"email") && fields.contains(&"phone"),
        "{b}"
    );
    let (s, b) = send(post_form(&app, &key).json(&json!({"name": "Uten kontakt"}))).await;
    assert_eq!((s, code(&b)), (422, "validation_failed"));
    let (s, b) = send(
        post_form(&app, &key)
            .header("content-type", "application/json")
            .body("{\"email\": "),
    )
    .await;
    assert_eq!((s, code(&b)), (400, "invalid_json"));
    let (s, b) = send(
        post_form(&app, &key)
            .header("content-type", "text/plain")
            .body("email=a@b.no"),
    )
    .await;
    assert_eq!((s, code(&b)), (415, "unsupported_media_type"));
    let huge = json!({"email": "a@b.no", "message": "x".repeat(70 * 1024)});
    let (s, _) = send(post_form(&app, &key).json(&huge)).await;
    assert_eq!(s, 413);
    let (s, b) = send(
        post_form(&app, &key)
            .header("origin", "https://evil.example")
            .json(&json!({"email": "a@b.no"})),
    )
    .await;
    assert_eq!((s, code(&b)), (403, "origin_not_allowed"));
    let (s, b) = send(
        post_form(&app, &key)
            .header("idempotency-key", "x".repeat(300))
            .json(&json!({"email": "a@b.no"})),
    )
    .await;
    assert_eq!((s, code(&b)), (400, "invalid_idempotency_key"));
    // The honeypot: accepted as far as the bot can tell, nothing stored.
    let (s, b) = send(
        post_form(&app, &key)
            .json(&json!({"email": "bot@spam.example", "norvalt_hp": "http://spam"})),
    )
    .await;
    assert_eq!(s, 202);
    assert!(b["capture_id"].is_string());
    assert_eq!(
        app.platform
            .queues
            .queue_depth(QueueName::Capture)
            .await
            .unwrap(),
        0
    );
    assert!(
        leads(&app, DRAMMEN, "&search=spam.example")
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn cors_preflight_follows_the_dealerships_origins() {
    let app = TestApp::spawn().await;
    let key = form_key(&app, DRAMMEN).await;
    let preflight = |origin: &'static str| {
        app.http
            .request(
                reqwest::Method::OPTIONS,
                app.url(&format!("/webhooks/form/{key}")),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, idempotency-key",
            )
            .send()
    };
    let ok = preflight(ORIGIN).await.unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    assert!(
        ok.headers()["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("idempotency-key")
    );
    assert_eq!(
        preflight("https://evil.example").await.unwrap().status(),
        403
    );
}

#[tokio::test]
async fn posts_are_rate_limited_per_form_and_client() {
    let app = TestApp::spawn_with(|p| p.form_rate_limit = 3).await;
    let (drammen, bergen) = (form_key(&app, DRAMMEN).await, form_key(&app, BERGEN).await);
    for i in 0..3 {
        let resp = post_form(&app, &drammen)
            .json(&json!({"phone": format!("9000000{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    }
    let limited = post_form(&app, &drammen)
        .json(&json!({"phone": "90000009"}))
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
    assert_eq!(code(&limited.json().await.unwrap()), "rate_limited");
    let other = post_form(&app, &bergen)
        .json(&json!({"phone": "90000009"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 202, "another form key has its own budget");
}

#[tokio::test]
async fn the_embed_script_is_served_for_a_known_form() {
    let app = TestApp::spawn().await;
    let key = form_key(&app, DRAMMEN).await;
    let resp = app
        .http
        .get(app.url(&format!("/webhooks/form/{key}/embed.js")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let script = resp.text().await.unwrap();
    assert!(
        script.contains("form[data-norvalt]")
            && script.contains("Idempotency-Key")
            && script.contains("norvalt_hp")
    );
    let missing = app
        .http
        .get(app.url("/webhooks/form/nope/embed.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

/// Enough form posts at once, with repeats by key and by customer, that
/// intake and the queue are exercised concurrently: every acknowledged
/// capture ends in exactly one lead per customer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_with_repeats_ends_as_one_lead_per_customer() {
    let app = Arc::new(TestApp::spawn_with(|p| p.form_rate_limit = 100_000).await);
    let key = form_key(&app, DRAMMEN).await;
    let customers = 70;
    let mut tasks = Vec::new();
    for i in 0..100 {
        // 30 % repeats: 15 by the same Idempotency-Key, 15 by the same customer.
        let (customer, idem) = match i {
            0..70 => (i, format!("k{i}")),
            70..85 => (i - 70, format!("k{}", i - 70)),
            _ => (i - 85, format!("new{i}")),
        };
        let (app, key) = (app.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            let resp = post_form(&app, &key)
                .header("idempotency-key", idem)
                .json(&json!({"name": format!("Kunde {customer}"), "email": format!("kunde{customer}@example.no"), "message": format!("Melding {i}")}))
                .send()
                .await
                .unwrap();
            resp.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 202);
    }
    let found = leads(&app, DRAMMEN, "&search=example.no").await;
    assert_eq!(found.len(), customers);
    let mut emails: Vec<&str> = found
        .iter()
        .map(|l| l["customer_email"].as_str().unwrap())
        .collect();
    emails.sort();
    emails.dedup();
    assert_eq!(emails.len(), customers, "no customer twice");
    assert!(
        app.platform
            .queues
            .list(QueueName::Capture, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing dead-lettered"
    );
}

// ---- Meta Lead Ads ----

const PAGE: &str = "104233998877665";
const APP_SECRET: &str = "test-app-secret";

/// A Graph API stand-in: answers the fixture lead for the right token,
/// error 190 for an expired one, and records every request it checked.
async fn mock_graph() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let lead: Value =
        serde_json::from_slice(&fixture("facebook/graph-lead-1234567890123456.json")).unwrap();
    let app = axum::Router::new().route(
        "/v24.0/{leadgen_id}",
        get(move |Path(id): Path<String>, Query(q): Query<std::collections::HashMap<String, String>>| {
            let (log, lead) = (log.clone(), lead.clone());
            async move {
                log.lock().unwrap().push(format!("{id}|{}|{}", q.get("access_token").cloned().unwrap_or_default(), q.get("fields").cloned().unwrap_or_default()));
                match q.get("access_token").map(String::as_str) {
                    Some("page-token-1") if id == "1234567890123456" => (StatusCode::OK, axum::Json(lead)),
                    Some("page-token-1") => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"message": "Unsupported get request", "code": 100}}))),
                    _ => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190}}))),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v24.0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn facebook_app() -> (TestApp, Arc<Mutex<Vec<String>>>) {
    let (graph, seen) = mock_graph().await;
    let app = TestApp::spawn_with(|p| {
        p.facebook = Some(Arc::new(FacebookWebhook {
            app_secret: APP_SECRET.into(),
            verify_token: "verifiser-meg".into(),
        }));
        p.graph_url = graph;
    })
    .await;
    (app, seen)
}

async fn deliver(app: &TestApp, body: &[u8], signature: Option<String>) -> (u16, Value) {
    let mut req = app
        .http
        .post(app.url("/webhooks/facebook"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(sig) = signature {
        req = req.header("x-hub-signature-256", sig);
    }
    let resp = req.send().await.unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn meta_verification_handshake() {
    let (app, _) = facebook_app().await;
    let get = |q: &str| {
        app.http
            .get(app.url(&format!("/webhooks/facebook?{q}")))
            .send()
    };
    let ok = get("hub.mode=subscribe&hub.verify_token=verifiser-meg&hub.challenge=1158201444")
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    for bad in [
        "hub.mode=subscribe&hub.verify_token=feil&hub.challenge=1",
        "hub.mode=unsubscribe&hub.verify_token=verifiser-meg&hub.challenge=1",
        "hub.challenge=1",
    ] {
        assert_eq!(get(bad).await.unwrap().status(), 403, "{bad}");
    }
    let unconfigured = TestApp::spawn().await;
    let resp = unconfigured
        .http
        .get(unconfigured.url("/webhooks/facebook?hub.mode=subscribe"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 503);
}

#[tokio::test]
async fn a_signed_leadgen_delivery_becomes_a_lead_once() {
    let (app, seen) = facebook_app().await;
    app.platform
        .secrets
        .put_secret(&legacy_page_token_secret(PAGE), "page-token-1")
        .await
        .unwrap();
    let body = fixture("facebook/leadgen-webhook.json");
    for _ in 0..2 {
        // Meta retries: the second delivery must not make a second lead.
        let (status, answer) = deliver(&app, &body, Some(sign(APP_SECRET.as_bytes(), &body))).await;
        assert_eq!((status, answer["enqueued"].as_i64()), (200, Some(1)));
    }
    let found = leads(&app, DRAMMEN, "&source=facebook").await;
    assert_eq!(found.len(), 1);
    let lead = &found[0];
    assert_eq!(lead["customer_name"], "Per Åsmund Lie");
    assert_eq!(lead["customer_email"], "per.lie@example.org");
    assert_eq!(lead["customer_phone"], "+4790011223");
    assert_eq!(lead["vehicle_interest"], "Toyota RAV4 Plug-in Hybrid");
    assert_eq!(
        lead["source_metadata"]["når_ønsker_du_å_kjøpe?"],
        "innen_3_måneder"
    );
    assert_eq!(
        lead["source_metadata"]["facebook_leadgen_id"],
        "1234567890123456"
    );
    let requests = seen.lock().unwrap().clone();
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(
            r,
            "1234567890123456|page-token-1|id,created_time,ad_id,form_id,field_data"
        );
    }
}

#[tokio::test]
async fn forged_or_unsigned_deliveries_are_refused_and_nothing_is_queued() {
    let (app, _) = facebook_app().await;
    let body = fixture("facebook/leadgen-webhook.json");
    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("1234567890123456", "6666666666666666");
    for (payload, sig) in [
        (body.clone(), None),
        (body.clone(), Some(sign(b"wrong-secret", &body))),
        (
            tampered.clone().into_bytes(),
            Some(sign(APP_SECRET.as_bytes(), &body)),
        ),
        (body.clone(), Some("sha256=zz".into())),
    ] {
        let (status, answer) = deliver(&app, &payload, sig).await;
        assert_eq!((status, code(&answer)), (401, "invalid_signature"));
    }
    assert_eq!(
        app.platform
            .queues
            .queue_depth(QueueName::Capture)
            .await
            .unwrap(),
        0
    );
    // Signed but for a page nobody connected: acknowledged, ignored.
    let unknown = String::from_utf8(body)
        .unwrap()
        .replace("104233998877665", "999999999999999")
        .into_bytes();
    let (status, answer) =
        deliver(&app, &unknown, Some(sign(APP_SECRET.as_bytes(), &unknown))).await;
    assert_eq!((status, answer["ignored"].as_i64()), (200, Some(1)));
    assert_eq!(
        app.platform
            .queues
            .queue_depth(QueueName::Capture)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn an_expired_page_token_sends_the_capture_to_the_dlq_with_a_reason() {
    let (app, _) = facebook_app().await;
    app.platform
        .secrets
        .put_secret(&legacy_page_token_secret(PAGE), "expired-token")
        .await
        .unwrap();
    let body = fixture("facebook/leadgen-webhook.json");
    let (status, _) = deliver(&app, &body, Some(sign(APP_SECRET.as_bytes(), &body))).await;
    assert_eq!(status, 200);
    app.drain(&[QueueName::Capture]).await;
    let dead = app
        .platform
        .queues
        .list(QueueName::Capture, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1);
    let reason = dead[0].reason.as_deref().unwrap();
    assert!(
        reason.contains("token") && reason.contains("renew"),
        "{reason}"
    );
    assert!(leads(&app, DRAMMEN, "&source=facebook").await.is_empty());

    // Ops renew the token and redrive: the lead arrives.
    app.platform
        .secrets
        .put_secret(&legacy_page_token_secret(PAGE), "page-token-1")
        .await
        .unwrap();
    assert_eq!(
        app.platform
            .queues
            .redrive(QueueName::Capture, Some(&dead[0].id))
            .await
            .unwrap(),
        1
    );
    assert_eq!(leads(&app, DRAMMEN, "&source=facebook").await.len(), 1);
}

// ---- importer mail ----

#[tokio::test]
async fn importer_mail_becomes_a_lead_once_and_non_leads_are_skipped() {
    let app = TestApp::spawn().await;
    let p = &app.platform;
    let toyota = fixture("emails/toyota-no-contact-request.eml");
    let first: Value =
        serde_json::from_str(&ingest::ingest_email(p, &toyota, None).await.unwrap()).unwrap();
    assert_eq!(first["outcome"], "created");
    let again: Value =
        serde_json::from_str(&ingest::ingest_email(p, &toyota, None).await.unwrap()).unwrap();
    assert_eq!(again["lead_id"], first["lead_id"]);
    let found = leads(&app, DRAMMEN, "&source=email").await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["customer_name"], "Kari Nordmann");
    assert_eq!(found[0]["source_metadata"]["importer"], "Toyota Norge");

    for skipped in [
        "emails/autoreply-auto-submitted.eml",
        "emails/bounce-multipart-report.eml",
    ] {
        let out: Value = serde_json::from_str(
            &ingest::ingest_email(p, &fixture(skipped), None)
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(out["outcome"], "skipped", "{skipped}");
    }
    assert_eq!(leads(&app, DRAMMEN, "&source=email").await.len(), 1);

    let review: Value = serde_json::from_str(
        &ingest::ingest_email(p, &fixture("emails/needs-review-no-contact.eml"), None)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(review["outcome"], "review");
    let queue = leads(&app, DRAMMEN, "&status=needs_review").await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0]["vehicle_interest"], "Toyota Aygo X");
    assert!(
        queue[0]["source_metadata"]["raw_mail"]
            .as_str()
            .unwrap()
            .starts_with("cli/")
    );
}

#[tokio::test]
async fn mail_is_routed_by_its_recipients_and_unroutable_mail_is_kept() {
    let app = TestApp::spawn().await;
    let p = &app.platform;
    let out: Value = serde_json::from_str(
        &ingest::ingest_email(p, &fixture("emails/delivered-to-only.eml"), None)
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(out["outcome"], "created");
    assert_eq!(leads(&app, BERGEN, "&source=email").await.len(), 1);
    assert!(leads(&app, DRAMMEN, "&source=email").await.is_empty());

    let stray = String::from_utf8(fixture("emails/vw-no-test-drive.eml"))
        .unwrap()
        .replace(
            "leads@bilsenteret-drammen.norvalt.no",
            "leads@ukjent.norvalt.no",
        );
    assert!(
        ingest::ingest_email(p, stray.as_bytes(), None)
            .await
            .is_err()
    );
    let dead = p.queues.list(QueueName::Capture, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].reason.as_deref().unwrap().contains("no dealership"));
    // Told which dealership, the same mail goes through.
    let out: Value = serde_json::from_str(
        &ingest::ingest_email(p, stray.as_bytes(), Some(DRAMMEN.into()))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(out["outcome"], "created");
}
