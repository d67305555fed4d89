//! Google Ads lead forms end to end over HTTP against the local platform:
//! the admin makes a key, Google's delivery (the sample, test lead and
//! all) becomes one answered lead however often it arrives, and wrong or
//! missing keys, another dealership's key and broken bodies are refused
//! with nothing enqueued.

use norvalt_core::Role;
use norvalt_core::queue::QueueName;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code, fixture};
use serde_json::{Value, json};

/// The admin's new key and the URL the settings show.
async fn make_key(app: &TestApp, slug: &str) -> (String, String) {
    let admin = app.token(slug, Role::Admin).await;
    let (status, settings) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"regenerate_google_key": true}),
        )
        .await;
    assert_eq!(status, 200, "{settings}");
    (
        settings["google_key"].as_str().unwrap().to_string(),
        settings["google_webhook_url"].as_str().unwrap().to_string(),
    )
}

fn delivery(key: &str) -> Value {
    let mut d: Value = serde_json::from_slice(&fixture("google/lead-form-webhook.json")).unwrap();
    d["google_key"] = json!(key);
    d
}

async fn deliver(app: &TestApp, form_key: &str, body: &Value) -> (u16, Value) {
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/google/{form_key}")))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn google_leads(app: &TestApp, slug: &str) -> Vec<Value> {
    app.settle().await;
    let token = app.token(slug, Role::SalesRep).await;
    let (status, page) = app.get("/api/leads?limit=100&source=google", &token).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn replies_to(app: &TestApp, address: &str) -> usize {
    app.outbox_files(|name| name.starts_with("send"))
        .into_iter()
        .filter(|(_, mail)| {
            String::from_utf8_lossy(mail)
                .lines()
                .any(|l| l.starts_with("To:") && l.contains(address))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_google_test_lead_becomes_one_answered_lead_marked_as_a_test() {
    let app = TestApp::spawn().await;
    let form_key = app.form_key(DRAMMEN).await;
    let (key, url) = make_key(&app, DRAMMEN).await;
    assert!(
        url.ends_with(&format!("/webhooks/google/{form_key}")),
        "{url}"
    );
    // Shown once: the settings never show it again.
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (_, settings) = app.get("/api/dealership", &admin).await;
    assert_eq!(settings["google_key"], Value::Null);
    assert!(!settings.to_string().contains(&key));

    let body = delivery(&key);
    let (status, answer) = deliver(&app, &form_key, &body).await;
    assert_eq!(status, 200, "{answer}");
    // Google delivers again when it is unsure; still one lead, one reply.
    let (status, _) = deliver(&app, &form_key, &body).await;
    assert_eq!(status, 200);
    let found = google_leads(&app, DRAMMEN).await;
    assert_eq!(found.len(), 1, "{found:?}");
    let lead = &found[0];
    assert_eq!(lead["source"], "google");
    assert_eq!(lead["customer_name"], "Ingrid Solheim");
    assert_eq!(lead["customer_email"], "ingrid.solheim@example.no");
    assert_eq!(lead["customer_phone"], "+4791234567");
    assert_eq!(lead["vehicle_interest"], "Toyota bZ4X");
    assert_eq!(lead["source_metadata"]["test_lead"], true);
    assert_eq!(lead["source_metadata"]["google_lead_id"], body["lead_id"]);
    assert_eq!(lead["source_metadata"]["google_campaign_id"], "20000000000");
    assert_eq!(replies_to(&app, "ingrid.solheim@example.no"), 1);
    // Another dealership sees none of it.
    assert!(google_leads(&app, BERGEN).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_missing_and_foreign_keys_and_broken_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let drammen = app.form_key(DRAMMEN).await;
    let bergen = app.form_key(BERGEN).await;
    let (key, _) = make_key(&app, DRAMMEN).await;

    // Bergen has made no key: its forms are not set up.
    let (status, body) = deliver(&app, &bergen, &delivery(&key)).await;
    assert_eq!((status, code(&body)), (403, "google_not_set_up"));
    // A key of one dealership is no key of another's.
    let (bergen_key, _) = make_key(&app, BERGEN).await;
    let (status, body) = deliver(&app, &bergen, &delivery(&key)).await;
    assert_eq!((status, code(&body)), (401, "invalid_google_key"));
    let (status, body) = deliver(&app, &drammen, &delivery(&bergen_key)).await;
    assert_eq!((status, code(&body)), (401, "invalid_google_key"));
    let (status, body) = deliver(&app, &drammen, &delivery("norvalt-google-key-example")).await;
    assert_eq!((status, code(&body)), (401, "invalid_google_key"));
    // A new key retires the old one at once.
    let (new_key, _) = make_key(&app, DRAMMEN).await;
    assert_ne!(new_key, key);
    let (status, _) = deliver(&app, &drammen, &delivery(&key)).await;
    assert_eq!(status, 401);
    // Broken bodies.
    let (status, body) = deliver(&app, &drammen, &json!({"google_key": new_key})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("lead_id"), "{body}");
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/google/{drammen}")))
        .header("content-type", "application/json")
        .body("{\"lead_id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/google/{drammen}")))
        .body(vec![b'x'; 70 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    let (status, body) = deliver(&app, "no-such-form", &delivery(&new_key)).await;
    assert_eq!((status, code(&body)), (404, "form_not_found"));
    // Nothing of all that was enqueued or stored.
    assert_eq!(
        app.platform
            .queues
            .queue_depth(QueueName::Capture)
            .await
            .unwrap(),
        0
    );
    assert!(google_leads(&app, DRAMMEN).await.is_empty());
    assert!(google_leads(&app, BERGEN).await.is_empty());
    // The right key still works.
    let (status, _) = deliver(&app, &drammen, &delivery(&new_key)).await;
    assert_eq!(status, 200);
    assert_eq!(google_leads(&app, DRAMMEN).await.len(), 1);
}
