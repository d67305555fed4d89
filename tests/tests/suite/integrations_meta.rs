//! Lead stages back to Meta (the Conversions API for CRM), end to end: a
//! Lead Ads lead captured through the webhook, its stages found by the
//! event scan and sent by the events queue's consumer to a Graph stand-in
//! that checks every field of every event, and counts them.

use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use chrono::Duration;
use norvalt_core::Role;
use norvalt_core::capture::facebook::sign;
use norvalt_core::model::{LeadSource, LeadStatus, NewLead};
use norvalt_core::queue::{DeadLetters, QueueName};
use norvalt_http::webhooks::FacebookWebhook;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code, fixture};
use serde_json::{Value, json};

const PAGE: &str = "104233998877665";
const LEADGEN: u64 = 1234567890123456;
const DATASET: &str = "880011223344556";
const APP_SECRET: &str = "test-app-secret";

/// What the stand-in took: each accepted event, and each request it
/// refused with why.
#[derive(Default)]
struct Meta {
    events: Vec<Value>,
    refused: Vec<String>,
    /// Answer this many event posts with a 500 first.
    outages: usize,
}

/// Checks one event against the conversion leads payload specification.
fn check_event(event: &Value, now: i64) -> Result<(), String> {
    let keys: Vec<&str> = event
        .as_object()
        .ok_or("not an object")?
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    if sorted
        != [
            "action_source",
            "custom_data",
            "event_id",
            "event_name",
            "event_time",
            "user_data",
        ]
    {
        return Err(format!("fields {keys:?}"));
    }
    let time = event["event_time"]
        .as_i64()
        .ok_or("event_time is no integer")?;
    if time > now + 5 || time < now - 7 * 86_400 {
        return Err(format!("event_time {time} outside Meta's 7 days"));
    }
    let lead_id = event["user_data"]["lead_id"]
        .as_u64()
        .ok_or("lead_id is no number")?;
    let digits = lead_id.to_string().len();
    if !(15..=16).contains(&digits) {
        return Err(format!("lead_id {lead_id} is not Meta's"));
    }
    if event["action_source"] != "system_generated"
        || event["custom_data"] != json!({"event_source": "crm", "lead_event_source": "Norvalt"})
        || event["event_name"].as_str().is_none_or(str::is_empty)
    {
        return Err(format!("wrong constants in {event}"));
    }
    Ok(())
}

/// A Graph stand-in: `/me` for the page token, the fixture lead, and
/// `POST /{dataset}/events` for the dataset token only.
async fn mock_graph() -> (String, Arc<Mutex<Meta>>) {
    let meta = Arc::new(Mutex::new(Meta::default()));
    let lead: Value =
        serde_json::from_slice(&fixture("facebook/graph-lead-1234567890123456.json")).unwrap();
    let took = meta.clone();
    let app = axum::Router::new()
        .route(
            "/v24.0/{id}",
            get(move |Path(id): Path<String>, Query(q): Query<std::collections::HashMap<String, String>>| {
                let lead = lead.clone();
                async move {
                    match (id.as_str(), q.get("access_token").map(String::as_str)) {
                        ("me", Some("page-token-1")) => (StatusCode::OK, axum::Json(json!({"id": PAGE, "name": "Bilsenteret"}))),
                        ("1234567890123456", Some("page-token-1")) => (StatusCode::OK, axum::Json(lead)),
                        _ => (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"message": "Invalid OAuth access token.", "code": 190}}))),
                    }
                }
            }),
        )
        .route(
            "/v24.0/{dataset}/events",
            post(move |Path(dataset): Path<String>, Query(q): Query<std::collections::HashMap<String, String>>, headers: axum::http::HeaderMap, body: String| {
                let meta = took.clone();
                async move {
                    let mut meta = meta.lock().unwrap();
                    let refuse = |meta: &mut Meta, why: String, code: i64| {
                        meta.refused.push(why.clone());
                        (StatusCode::BAD_REQUEST, axum::Json(json!({"error": {"message": why, "code": code}})))
                    };
                    if q.get("access_token").map(String::as_str) != Some("dataset-token-1") || dataset != DATASET {
                        return refuse(&mut meta, format!("token {:?} for dataset {dataset}", q.get("access_token")), 190);
                    }
                    if meta.outages > 0 {
                        meta.outages -= 1;
                        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({"error": {"message": "Please retry", "code": 2}})));
                    }
                    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
                        return refuse(&mut meta, "not JSON".into(), 100);
                    }
                    let body: Value = match serde_json::from_str(&body) {
                        Ok(b) => b,
                        Err(e) => return refuse(&mut meta, e.to_string(), 100),
                    };
                    let Some(events) = body["data"].as_array().filter(|d| !d.is_empty()) else {
                        return refuse(&mut meta, format!("no data in {body}"), 100);
                    };
                    let now = chrono::Utc::now().timestamp();
                    for event in events {
                        if let Err(why) = check_event(event, now) {
                            return refuse(&mut meta, why, 100);
                        }
                    }
                    meta.events.extend(events.iter().cloned());
                    (StatusCode::OK, axum::Json(json!({"events_received": events.len(), "messages": [], "fbtrace_id": "AbC"})))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v24.0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, meta)
}

async fn meta_app() -> (TestApp, Arc<Mutex<Meta>>) {
    let (graph, meta) = mock_graph().await;
    let app = TestApp::spawn_with(|p| {
        p.facebook = Some(Arc::new(FacebookWebhook {
            app_secret: APP_SECRET.into(),
            verify_token: "verifiser-meg".into(),
        }));
        p.graph_url = graph;
        // The test runs each scan itself.
        p.event_scan_interval = None;
    })
    .await;
    (app, meta)
}

/// Connects the page for Lead Ads and its dataset for the stages.
async fn connect(app: &TestApp, dataset_token: &str) {
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"connect_facebook_page": {"page_id": PAGE, "access_token": "page-token-1"},
                   "connect_conversions_api": {"page_id": PAGE, "dataset_id": DATASET, "access_token": dataset_token}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["dealership"]["capture"]["conversions_pages"],
        json!([PAGE])
    );
    assert!(
        !body.to_string().contains(dataset_token),
        "the token is never returned"
    );
}

/// One scan, then every queue drained.
async fn scan(app: &TestApp) -> norvalt_core::service::integrations::ScanReport {
    app.settle().await;
    let report = app
        .platform
        .event_scan()
        .run(norvalt_core::time::now(), "test")
        .await
        .unwrap();
    app.settle().await;
    report
}

fn sent(meta: &Mutex<Meta>) -> Vec<String> {
    meta.lock()
        .unwrap()
        .events
        .iter()
        .map(|e| e["event_name"].as_str().unwrap().to_string())
        .collect()
}

async fn deliver_lead(app: &TestApp) -> String {
    let body = fixture("facebook/leadgen-webhook.json");
    let resp = app
        .http
        .post(app.url("/webhooks/facebook"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(APP_SECRET.as_bytes(), &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    app.settle().await;
    let rep = app.token(DRAMMEN, Role::Admin).await;
    let (_, page) = app.get("/api/leads?source=facebook", &rep).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    page["items"][0]["id"].as_str().unwrap().to_string()
}

async fn set_status(app: &TestApp, lead: &str, status: &str) {
    let rep = app.token(DRAMMEN, Role::Admin).await;
    let (code, body) = app
        .patch(
            &format!("/api/leads/{lead}"),
            &rep,
            json!({"status": status}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
}

#[tokio::test]
async fn a_lead_ads_lead_s_stages_reach_meta_once_each_in_order() {
    let (app, meta) = meta_app().await;
    connect(&app, "dataset-token-1").await;
    let lead = deliver_lead(&app).await;

    // Answered within seconds: new and contacted, in that order, in one go.
    let report = scan(&app).await;
    assert_eq!(report.enqueued, 1, "{report:?}");
    assert_eq!(sent(&meta), ["new", "contacted"]);
    {
        let meta = meta.lock().unwrap();
        for event in &meta.events {
            assert_eq!(event["user_data"]["lead_id"], LEADGEN);
            assert_eq!(
                event["event_id"],
                format!("{lead}:{}", event["event_name"].as_str().unwrap())
            );
        }
        assert!(meta.events[0]["event_time"].as_i64() <= meta.events[1]["event_time"].as_i64());
        assert!(meta.refused.is_empty(), "{:?}", meta.refused);
    }

    // Nothing new: a second scan (and Meta's retried webhook) sends nothing.
    let body = fixture("facebook/leadgen-webhook.json");
    app.http
        .post(app.url("/webhooks/facebook"))
        .header("x-hub-signature-256", sign(APP_SECRET.as_bytes(), &body))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(scan(&app).await.enqueued, 0);
    assert_eq!(sent(&meta).len(), 2);

    set_status(&app, &lead, "qualified").await;
    scan(&app).await;
    set_status(&app, &lead, "won").await;
    // Two scans in a row over the same change: the won stage goes once.
    scan(&app).await;
    scan(&app).await;
    assert_eq!(sent(&meta), ["new", "contacted", "qualified", "won"]);
    assert!(meta.lock().unwrap().refused.is_empty());
    assert!(
        app.platform
            .queues
            .list(QueueName::Events, 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing dead-lettered"
    );
}

#[tokio::test]
async fn a_short_outage_at_meta_is_retried_and_a_rejected_token_waits_for_a_person() {
    let (app, meta) = meta_app().await;
    connect(&app, "dataset-token-1").await;
    meta.lock().unwrap().outages = 1;
    deliver_lead(&app).await;
    scan(&app).await;
    // The 500 was retried by the queue: sent once, after the outage.
    assert_eq!(sent(&meta), ["new", "contacted"]);

    // A token Meta refuses: the job goes to the DLQ with what to do, and
    // nothing is marked sent.
    let (other_app, other_meta) = meta_app().await;
    connect(&other_app, "revoked-token").await;
    deliver_lead(&other_app).await;
    scan(&other_app).await;
    assert!(sent(&other_meta).is_empty());
    let dead = other_app
        .platform
        .queues
        .list(QueueName::Events, 10)
        .await
        .unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let reason = dead[0].reason.clone().unwrap_or_default();
    assert!(
        reason.contains("token rejected") && reason.contains("Innstillinger"),
        "{reason}"
    );

    // Connected again with a good token, the next scan sends the stages.
    connect(&other_app, "dataset-token-1").await;
    scan(&other_app).await;
    assert_eq!(sent(&other_meta), ["new", "contacted"]);
}

#[tokio::test]
async fn stages_older_than_meta_s_window_are_never_sent_and_other_leads_never() {
    let (app, meta) = meta_app().await;
    connect(&app, "dataset-token-1").await;
    let (tenant, dealership) =
        norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
            .await
            .unwrap()
            .unwrap();
    let now = norvalt_core::time::now();
    let long_ago = now - Duration::days(8);
    let mut old = NewLead {
        customer_name: Some("Åse Øvrebø".into()),
        customer_email: Some("ase@example.no".into()),
        source_metadata: Some(
            json!({"facebook_leadgen_id": "1234567890123457", "facebook_page_id": PAGE}),
        ),
        ..Default::default()
    }
    .into_lead(dealership.id, LeadSource::Facebook, long_ago)
    .unwrap();
    old.id = norvalt_core::LeadId::new_at(long_ago);
    old.status = LeadStatus::Contacted;
    old.first_response_at = Some(long_ago + Duration::minutes(1));
    old.updated_at = now;
    app.platform
        .stores
        .leads
        .insert_lead(&tenant, &old)
        .await
        .unwrap();
    // A website lead is no business of Meta's.
    let rep = app.token(DRAMMEN, Role::Admin).await;
    app.post_lead(
        &rep,
        json!({"customer_name": "Kari Nordmann", "customer_email": "kari@example.no"}),
    )
    .await;
    assert_eq!(scan(&app).await.enqueued, 0);
    assert!(sent(&meta).is_empty());

    // Won today: qualified and won go; new and contacted stay unsent.
    set_status(&app, &old.id.to_string(), "won").await;
    scan(&app).await;
    assert_eq!(sent(&meta), ["qualified", "won"]);
    assert_eq!(
        meta.lock().unwrap().events[0]["user_data"]["lead_id"],
        1234567890123457u64
    );
}

#[tokio::test]
async fn the_conversions_api_is_connected_only_for_a_dealership_s_own_pages() {
    let (app, _) = meta_app().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    // The page is not connected for Lead Ads; the dataset id is no id.
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"connect_conversions_api": {"page_id": "999000111222333", "dataset_id": "pixel-1", "access_token": "dataset-token-1"}}),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "validation_failed"), "{body}");
    let fields = body["error"]["details"].to_string();
    for field in [
        "connect_conversions_api.page_id",
        "connect_conversions_api.dataset_id",
    ] {
        assert!(fields.contains(field), "{field}: {body}");
    }
    connect(&app, "dataset-token-1").await;
    // Another dealership cannot switch it off, nor reach the page.
    let bergen = app.token(BERGEN, Role::Admin).await;
    let (status, body) = app
        .patch(
            "/api/dealership",
            &bergen,
            json!({"disconnect_conversions_api": PAGE}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    // Disconnecting the page stops its stages and forgets the token.
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"disconnect_facebook_page": PAGE}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["dealership"]["capture"]["conversions_pages"],
        json!([])
    );
    let (tenant, _) =
        norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
            .await
            .unwrap()
            .unwrap();
    let name =
        norvalt_core::integrations::meta_stages::dataset_secret(tenant.dealership_id(), PAGE);
    assert_eq!(app.platform.secrets.secret(&name).await.unwrap(), None);
}
