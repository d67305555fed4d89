//! Signed webhooks to a dealership's own systems, end to end: endpoints
//! made through the API, events found by the event scan and delivered by
//! the events queue's consumer to a local receiver, every delivery then
//! verified by the Standard Webhooks reference library (Python
//! `standardwebhooks`), not by our own code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use norvalt_core::Role;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

/// One request the receiver took.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: String,
}

impl Received {
    fn event(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    fn kind(&self) -> String {
        self.event()["type"].as_str().unwrap().to_string()
    }
}

#[derive(Default)]
struct Receiver {
    took: Vec<Received>,
    /// `/flaky` answers 500 this many times first.
    failures_left: usize,
}

/// `/ok` answers 200, `/gone` 410, `/flaky` 500 until its failures are
/// spent; every request is kept.
async fn receiver(failures: usize) -> (String, Arc<Mutex<Receiver>>) {
    let state = Arc::new(Mutex::new(Receiver {
        took: Vec::new(),
        failures_left: failures,
    }));
    let app = axum::Router::new()
        .route(
            "/{path}",
            post(
                |State(r): State<Arc<Mutex<Receiver>>>,
                 Path(path): Path<String>,
                 headers: HeaderMap,
                 body: String| async move {
                    let mut r = r.lock().unwrap();
                    let headers = headers
                        .iter()
                        .map(|(k, v)| {
                            (k.as_str().to_string(), v.to_str().unwrap_or("").to_string())
                        })
                        .collect();
                    r.took.push(Received {
                        path: path.clone(),
                        headers,
                        body,
                    });
                    match path.as_str() {
                        "gone" => StatusCode::GONE,
                        "flaky" if r.failures_left > 0 => {
                            r.failures_left -= 1;
                            StatusCode::INTERNAL_SERVER_ERROR
                        }
                        _ => StatusCode::OK,
                    }
                },
            ),
        )
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

async fn webhook_app() -> TestApp {
    TestApp::spawn_with(|p| {
        // The test runs each scan itself, and retries come a second apart.
        p.event_scan_interval = None;
        p.webhook_retry_schedule = vec![1, 1, 1];
    })
    .await
}

async fn scan(app: &TestApp) {
    app.settle().await;
    app.platform
        .event_scan()
        .run(norvalt_core::time::now(), "test")
        .await
        .unwrap();
    app.settle().await;
}

async fn add_endpoint(app: &TestApp, url: &str, events: Value) -> (String, String) {
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (status, body) = app
        .post(
            "/api/webhooks",
            &admin,
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{body}");
    (body["id"].as_str().unwrap().to_string(), secret)
}

const ALL: [&str; 5] = [
    "lead.created",
    "lead.updated",
    "message.created",
    "appointment.booked",
    "appointment.changed",
];

/// Verifies the deliveries with the reference library; `Err` with its
/// reason when one does not verify.
fn verify(deliveries: &[(Vec<String>, &Received)]) -> Result<String, String> {
    let python = std::env::var("NORVALT_TEST_PYTHON").expect(
        "this test needs the test venv's Python: run it through scripts/test, or set NORVALT_TEST_PYTHON",
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    let list: Vec<Value> = deliveries
        .iter()
        .map(|(secrets, r)| json!({"secrets": secrets, "headers": r.headers, "body": r.body}))
        .collect();
    std::fs::write(file.path(), serde_json::to_vec(&list).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/check_webhooks.py");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(file.path())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(text)
    }
}

async fn lead(app: &TestApp, name: &str) -> String {
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let lead = app
        .post_lead(&rep, json!({"customer_name": name, "customer_email": "kari.nordmann@example.no", "initial_message": "Er bilen fortsatt til salgs?"}))
        .await;
    lead["id"].as_str().unwrap().to_string()
}

#[tokio::test]
#[ignore = "needs the test venv's Python with standardwebhooks: scripts/test runs it"]
async fn signed_events_verify_with_the_reference_library_and_each_goes_once() {
    let app = webhook_app().await;
    let (url, rx) = receiver(0).await;
    let (endpoint, secret) = add_endpoint(&app, &format!("{url}/ok"), json!(ALL)).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (_, listed) = app.get("/api/webhooks", &admin).await;
    assert_eq!(listed["items"][0]["id"], endpoint.as_str());
    assert!(
        !listed.to_string().contains(&secret),
        "the secret is shown once"
    );

    let lead = lead(&app, "Kari Nordmann").await;
    scan(&app).await;
    let created: Vec<Received> = rx.lock().unwrap().took.clone();
    let kinds: Vec<String> = created.iter().map(Received::kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| *k == "lead.created").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "lead.updated").count(),
        0,
        "{kinds:?}"
    );
    let first = created.iter().find(|r| r.kind() == "lead.created").unwrap();
    assert_eq!(first.event()["data"]["id"], lead.as_str());
    assert_eq!(first.event()["data"]["customer_name"], "Kari Nordmann");

    // Scanning the same changes again sends nothing.
    scan(&app).await;
    assert_eq!(rx.lock().unwrap().took.len(), created.len());

    // A rep answers and marks the lead qualified within the minute: one
    // message.created, and one lead.updated with where the lead is now.
    let (status, reply) = app
        .post(&format!("/api/leads/{lead}/replies"), &admin, json!({"channel": "email", "text": "Hei Kari! Ja, den står her – når passer det å komme innom?"}))
        .await;
    assert_eq!(status, 202, "{reply}");
    let (status, _) = app
        .patch(
            &format!("/api/leads/{lead}"),
            &admin,
            json!({"status": "qualified"}),
        )
        .await;
    assert_eq!(status, 200);
    scan(&app).await;
    let took = rx.lock().unwrap().took.clone();
    let of = |kind: &str| took.iter().filter(|r| r.kind() == kind).collect::<Vec<_>>();
    let updates = of("lead.updated");
    assert_eq!(
        updates.len(),
        1,
        "{:?}",
        took.iter().map(Received::kind).collect::<Vec<_>>()
    );
    assert_eq!(updates[0].event()["data"]["status"], "qualified");
    let messages = of("message.created");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].event()["data"]["id"], reply["id"]);
    assert!(
        messages[0].event()["data"]["message_content"]
            .as_str()
            .unwrap()
            .starts_with("Hei Kari!")
    );
    let ids: std::collections::BTreeSet<_> = took
        .iter()
        .map(|r| r.headers["webhook-id"].clone())
        .collect();
    assert_eq!(
        ids.len(),
        took.len(),
        "every event has its own webhook-id, and none came twice"
    );

    // The reference library verifies each; a changed byte fails.
    let with_secret: Vec<(Vec<String>, &Received)> =
        took.iter().map(|r| (vec![secret.clone()], r)).collect();
    verify(&with_secret).unwrap();
    let mut forged = took[0].clone();
    forged.body = forged.body.replace("Kari", "Kåre");
    assert!(
        verify(&[(vec![secret.clone()], &forged)]).is_err(),
        "the checker can fail"
    );

    // A new secret: both sign for a day, so the receiver can switch over.
    let (status, rotated) = app
        .patch(
            &format!("/api/webhooks/{endpoint}"),
            &admin,
            json!({"rotate_secret": true}),
        )
        .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    let (status, _) = app
        .patch(
            &format!("/api/leads/{lead}"),
            &admin,
            json!({"status": "won"}),
        )
        .await;
    assert_eq!(status, 200);
    scan(&app).await;
    let took = rx.lock().unwrap().took.clone();
    let last = took.last().unwrap();
    assert_eq!(last.headers["webhook-signature"].split(' ').count(), 2);
    verify(&[(vec![new_secret], last)]).unwrap();
    verify(&[(vec![secret], last)]).unwrap();

    // The log has each delivery, succeeded.
    let (status, log) = app
        .get(&format!("/api/webhooks/{endpoint}/deliveries"), &admin)
        .await;
    assert_eq!(status, 200, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), took.len(), "{log}");
    assert!(
        items
            .iter()
            .all(|d| d["status"] == "succeeded" && d["attempts"] == 1),
        "{log}"
    );
}

#[tokio::test]
async fn a_410_turns_the_endpoint_off_and_a_failing_receiver_is_tried_again() {
    let app = webhook_app().await;
    let (url, rx) = receiver(2).await;
    let (gone, _) = add_endpoint(&app, &format!("{url}/gone"), json!(["lead.created"])).await;
    let (flaky, _) = add_endpoint(&app, &format!("{url}/flaky"), json!(["lead.created"])).await;
    lead(&app, "Ola Nordmann").await;
    scan(&app).await;
    let took = rx.lock().unwrap().took.clone();
    let to = |path: &str| {
        took.iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(to("gone").len(), 1);
    // Two 500s, then the third attempt succeeds: the same message each time.
    let tries = to("flaky");
    assert_eq!(tries.len(), 3);
    assert!(
        tries
            .iter()
            .all(|r| r.headers["webhook-id"] == tries[0].headers["webhook-id"])
    );

    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (_, listed) = app.get("/api/webhooks", &admin).await;
    let endpoint = |id: &str| {
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(endpoint(&gone)["enabled"], false);
    assert!(
        endpoint(&gone)["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410")
    );
    assert_eq!(endpoint(&flaky)["enabled"], true);
    let (_, log) = app
        .get(&format!("/api/webhooks/{flaky}/deliveries"), &admin)
        .await;
    assert_eq!(log["items"][0]["status"], "succeeded", "{log}");
    assert_eq!(log["items"][0]["attempts"], 3, "{log}");
    let (_, gone_log) = app
        .get(&format!("/api/webhooks/{gone}/deliveries"), &admin)
        .await;
    assert_eq!(gone_log["items"][0]["status"], "gone", "{gone_log}");

    // Nothing more goes to the endpoint that said 410.
    lead(&app, "Per Hansen").await;
    scan(&app).await;
    let took = rx.lock().unwrap().took.clone();
    assert_eq!(took.iter().filter(|r| r.path == "gone").count(), 1);
    assert_eq!(took.iter().filter(|r| r.path == "flaky").count(), 4);

    // "Send again" from the log: one more delivery, the same webhook-id.
    let delivery = log["items"][0]["id"].as_str().unwrap();
    let (status, again) = app
        .post(
            &format!("/api/webhooks/{flaky}/deliveries/{delivery}/resend"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, 202, "{again}");
    app.settle().await;
    let took = rx.lock().unwrap().took.clone();
    let flaky_tries: Vec<&Received> = took.iter().filter(|r| r.path == "flaky").collect();
    assert_eq!(flaky_tries.len(), 5);
    assert_eq!(
        flaky_tries[4].headers["webhook-id"],
        tries[0].headers["webhook-id"]
    );
    // The endpoint that said 410 cannot be sent to until it is turned on.
    let gone_delivery = gone_log["items"][0]["id"].as_str().unwrap();
    let (status, body) = app
        .post(
            &format!("/api/webhooks/{gone}/deliveries/{gone_delivery}/resend"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!((status, code(&body)), (409, "webhook_endpoint_disabled"));
}

#[tokio::test]
async fn endpoints_are_checked_and_kept_to_their_dealership() {
    let app = TestApp::spawn_with(|p| {
        p.event_scan_interval = None;
        // As in the cloud.
        p.webhooks_allow_private = false;
    })
    .await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    for (body, field) in [
        (
            json!({"url": "http://hooks.example.no/x", "events": ["lead.created"]}),
            "url",
        ),
        (
            json!({"url": "https://127.0.0.1/x", "events": ["lead.created"]}),
            "url",
        ),
        (
            json!({"url": "https://169.254.169.254/latest", "events": ["lead.created"]}),
            "url",
        ),
        (
            json!({"url": "https://[fd00::1]/x", "events": ["lead.created"]}),
            "url",
        ),
        (
            json!({"url": "https://hooks.example.no/x", "events": []}),
            "events",
        ),
    ] {
        let (status, err) = app.post("/api/webhooks", &admin, body.clone()).await;
        assert_eq!(
            (status, code(&err)),
            (422, "validation_failed"),
            "{body}: {err}"
        );
        assert_eq!(
            err["error"]["details"]["fields"][0]["field"], field,
            "{err}"
        );
    }
    let (status, err) = app
        .post(
            "/api/webhooks",
            &admin,
            json!({"url": "https://hooks.example.no/x", "events": ["lead.deleted"]}),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, _) = app
        .post(
            "/api/webhooks",
            &rep,
            json!({"url": "https://hooks.example.no/x", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(status, 403);

    let mut ids = Vec::new();
    for i in 0..5 {
        let (status, body) = app
            .post("/api/webhooks", &admin, json!({"url": format!("https://hooks{i}.example.no/norvalt"), "events": ["lead.created"]}))
            .await;
        assert_eq!(status, 201, "{body}");
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    let (status, _) = app
        .post(
            "/api/webhooks",
            &admin,
            json!({"url": "https://hooks6.example.no/x", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(status, 422, "at most five");

    // Another dealership sees none of them and can touch none.
    let bergen = app.token(BERGEN, Role::Admin).await;
    let (_, listed) = app.get("/api/webhooks", &bergen).await;
    assert_eq!(listed["items"], json!([]));
    let (status, _) = app
        .patch(
            &format!("/api/webhooks/{}", ids[0]),
            &bergen,
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .delete(&format!("/api/webhooks/{}", ids[0]), &bergen)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get(&format!("/api/webhooks/{}/deliveries", ids[0]), &bergen)
        .await;
    assert_eq!(status, 404);

    // Removing one deletes its secret.
    let (status, _) = app
        .delete(&format!("/api/webhooks/{}", ids[0]), &admin)
        .await;
    assert_eq!(status, 204);
    let (tenant, _) =
        norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
            .await
            .unwrap()
            .unwrap();
    let name =
        norvalt_core::integrations::webhooks::endpoint_secret(tenant.dealership_id(), &ids[0]);
    assert_eq!(app.platform.secrets.secret(&name).await.unwrap(), None);
}
