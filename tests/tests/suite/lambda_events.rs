//! Each API function's router, fed its `events/` sample exactly as API
//! Gateway (HTTP API, payload v2) would deliver it through `lambda_http`.

use http::StatusCode;
use lambda_http::request::from_str;
use norvalt_core::Role;
use norvalt_http::routes;
use norvalt_tests::{DRAMMEN, TestApp};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Loads `events/<name>`, puts a real token (and ids) in, and runs it through `router`.
async fn invoke(
    app: &TestApp,
    name: &str,
    router: axum::Router<norvalt_http::AppState>,
    lead_id: &str,
) -> (StatusCode, Value) {
    let service = norvalt_http::assemble(router, app.platform.state());
    let (status, bytes) = invoke_service(app, name, service, &[("LEAD_ID", lead_id)]).await;
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// Loads `events/<name>`, puts a real token and the `fills` in, and runs it
/// through `service` (a function's whole app, its state included).
async fn invoke_service(
    app: &TestApp,
    name: &str,
    service: axum::Router,
    fills: &[(&str, &str)],
) -> (StatusCode, Vec<u8>) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/");
    let mut raw = std::fs::read_to_string(format!("{path}{name}")).expect("event sample");
    raw = raw.replace(
        "REPLACED-BY-TEST",
        &app.token(DRAMMEN, Role::SalesRep).await,
    );
    for (mark, value) in fills {
        raw = raw.replace(mark, value);
    }
    let request = from_str(&raw).expect("a valid API Gateway v2 or function URL event");
    let response = service.oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

#[tokio::test]
async fn the_booking_functions_answer_their_sample_events() {
    use norvalt_core::outbound::links::{BookingLinks, booking_token};
    use norvalt_http::routes::appointments::AppointmentsState;
    use norvalt_http::webhooks::booking::BookingPageState;

    let app = TestApp::spawn().await;
    let (status, lead) = invoke(&app, "api-leads-create.json", routes::leads::router(), "").await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    let lead_id = lead["id"].as_str().unwrap();
    let p = &app.platform;
    let links = BookingLinks {
        key: p.sender_config.link_key.clone(),
        base_url: Some(p.sender_config.public_url.clone()),
    };
    let queue: std::sync::Arc<dyn norvalt_core::queue::Queue> =
        std::sync::Arc::new(p.queues.clone());

    let appointments = routes::appointments::router(AppointmentsState {
        app: p.state(),
        queue: queue.clone(),
        links: links.clone(),
        mail_domain: p.sender_config.mail_domain.clone(),
    });
    let (status, body) = invoke_service(
        &app,
        "api-appointments-lead.json",
        norvalt_http::assemble(appointments, ()),
        &[("LEAD_ID", lead_id)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&body).unwrap(),
        json!({"items": []})
    );

    let page = norvalt_http::webhooks::booking::router(BookingPageState {
        stores: p.stores.clone(),
        queue,
        links: links.clone(),
        mail_domain: p.sender_config.mail_domain.clone(),
    });
    let dealership = lead["dealership_id"].as_str().unwrap().parse().unwrap();
    let token = booking_token(&links.key, dealership, lead_id.parse().unwrap());
    let (status, html) = invoke_service(
        &app,
        "booking-page.json",
        norvalt_http::assemble(page, ()),
        &[("BOOKING_TOKEN", &token)],
    )
    .await;
    let html = String::from_utf8(html).unwrap();
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Prøvekjøring hos Bilsenteret Drammen"),
        "{html}"
    );
}

#[tokio::test]
async fn api_functions_answer_their_sample_events() {
    let app = TestApp::spawn().await;
    let (status, lead) = invoke(&app, "api-leads-create.json", routes::leads::router(), "").await;
    assert_eq!(status, StatusCode::CREATED, "{lead}");
    assert_eq!(lead["customer_phone"], "+4791234567");
    let lead_id = lead["id"].as_str().unwrap();

    let (status, list) = invoke(&app, "api-leads-list.json", routes::leads::router(), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"][0]["id"], json!(lead_id));

    let (status, convo) = invoke(
        &app,
        "api-conversations-list.json",
        routes::conversations::router(),
        lead_id,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{convo}");
    assert_eq!(convo["items"], json!([]));

    let (status, cars) = invoke(
        &app,
        "api-vehicles-available.json",
        routes::vehicles::router(),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!cars["items"].as_array().unwrap().is_empty());

    let (status, me) = invoke(&app, "api-account-me.json", routes::account::router(), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["dealership"]["slug"], DRAMMEN);

    // A route of another function is not served here.
    let (status, body) = invoke(&app, "api-account-me.json", routes::leads::router(), "").await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("route_not_found"))
    );
}
