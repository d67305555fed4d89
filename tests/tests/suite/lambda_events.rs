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
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../events/");
    let raw = std::fs::read_to_string(format!("{path}{name}")).expect("event sample");
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let raw = raw
        .replace("REPLACED-BY-TEST", &token)
        .replace("LEAD_ID", lead_id);
    let request = from_str(&raw).expect("a valid API Gateway v2 event");
    let service = norvalt_http::assemble(router, app.platform.state());
    let response = service.oneshot(request).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
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
