//! Stock from the dealership's own feed: uploaded through the API and
//! fetched from its URL on the schedule; cars added, updated and retired
//! (marked sold, never deleted), the refused rows reported with why.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use axum::routing::get;
use norvalt_core::Role;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

const FIRST: &str = "Merke;Modell;Variant;Årsmodell;Pris;Km;Drivstoff;Farge;Lagernummer;Chassisnummer\n\
    Toyota;RAV4;Plug-in Hybrid AWD;2023;449 900;12 500;Ladbar hybrid;Grå;T-1042;JTMW43FV10D123456\n\
    Škoda;Enyaq;80;2022;389 900;31 000;Elektrisk;Hvit;S-77;\n\
    Volvo;;;2021;;;;;V-9;\n";

const SECOND: &str = "Merke;Modell;Variant;Årsmodell;Pris;Km;Drivstoff;Farge;Lagernummer;Chassisnummer\n\
    Toyota;RAV4;Plug-in Hybrid AWD;2023;429 900;12 600;Ladbar hybrid;Grå;T-1042;JTMW43FV10D123456\n\
    Mazda;CX-60;Homura;2024;599 000;5 000;Ladbar hybrid;Rød;M-60;\n";

async fn upload(app: &TestApp, role: Role, slug: &str, body: &str) -> (u16, Value) {
    let token = app.token(slug, role).await;
    let resp = app
        .http
        .post(app.url("/api/vehicles/import"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (
        resp.status().as_u16(),
        resp.json().await.unwrap_or(Value::Null),
    )
}

async fn vehicles(app: &TestApp, slug: &str) -> Vec<Value> {
    let token = app.token(slug, Role::Manager).await;
    let (status, page) = app.get("/api/vehicles?limit=100", &token).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn by_stock<'a>(cars: &'a [Value], stock: &str) -> Option<&'a Value> {
    cars.iter().find(|v| v["stock_number"] == stock)
}

#[tokio::test]
async fn an_uploaded_feed_adds_updates_and_retires_cars() {
    let app = TestApp::spawn().await;
    let before = vehicles(&app, DRAMMEN).await.len();
    let (status, report) = upload(&app, Role::Manager, DRAMMEN, FIRST).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["added"].as_u64(), report["retired"].as_u64()),
        (Some(2), Some(0)),
        "{report}"
    );
    assert_eq!(report["refused"][0]["row"], 3);
    assert_eq!(report["refused"][0]["reason"], "mangler modell");
    let cars = vehicles(&app, DRAMMEN).await;
    assert_eq!(cars.len(), before + 2);
    let rav = by_stock(&cars, "T-1042").unwrap();
    assert_eq!(rav["price"], 449_900.0);
    assert_eq!(rav["variant"], "Plug-in Hybrid AWD");
    assert_eq!(rav["fuel_type"], "hybrid");
    assert_eq!(rav["colour"], "Grå");

    // The same feed again changes nothing.
    let (_, again) = upload(&app, Role::Admin, DRAMMEN, FIRST).await;
    assert_eq!(
        (
            again["added"].as_u64(),
            again["updated"].as_u64(),
            again["unchanged"].as_u64()
        ),
        (Some(0), Some(0), Some(2)),
        "{again}"
    );

    // A new price, a new car, and the Enyaq sold: marked so, not deleted.
    let (_, next) = upload(&app, Role::Manager, DRAMMEN, SECOND).await;
    assert_eq!(
        (
            next["added"].as_u64(),
            next["updated"].as_u64(),
            next["retired"].as_u64()
        ),
        (Some(1), Some(1), Some(1)),
        "{next}"
    );
    let cars = vehicles(&app, DRAMMEN).await;
    assert_eq!(cars.len(), before + 3);
    assert_eq!(by_stock(&cars, "T-1042").unwrap()["price"], 429_900.0);
    assert_eq!(
        by_stock(&cars, "T-1042").unwrap()["id"],
        rav["id"],
        "matched, not made again"
    );
    assert_eq!(by_stock(&cars, "S-77").unwrap()["status"], "sold");
    // Cars a person added by hand are not the feed's to retire.
    let seeded: Vec<&Value> = cars.iter().filter(|v| v["from_feed"] == false).collect();
    assert_eq!(seeded.len(), before);
    assert!(
        seeded
            .iter()
            .all(|v| v["status"] != "sold" || v["updated_at"] == v["created_at"])
    );
}

#[tokio::test]
async fn feeds_are_for_managers_of_their_own_dealership() {
    let app = TestApp::spawn().await;
    let (status, _) = upload(&app, Role::SalesRep, DRAMMEN, FIRST).await;
    assert_eq!(status, 403);
    let (status, body) = upload(&app, Role::Manager, DRAMMEN, "Produsent;Type\nMazda;CX-5\n").await;
    assert_eq!((status, code(&body)), (422, "validation_failed"), "{body}");
    let huge = "x".repeat(5 * 1024 * 1024 + 10);
    let (status, _) = upload(&app, Role::Manager, DRAMMEN, &huge).await;
    assert_eq!(status, 413);
    upload(&app, Role::Manager, DRAMMEN, FIRST).await;
    assert!(by_stock(&vehicles(&app, BERGEN).await, "T-1042").is_none());
}

/// A dealer's feed URL: answers `feed` (or a 500 while `broken`).
async fn feed_server(feed: &str) -> (String, Arc<Mutex<(String, bool)>>) {
    let state = Arc::new(Mutex::new((feed.to_string(), false)));
    let served = state.clone();
    let app = axum::Router::new().route(
        "/lager.csv",
        get(move || {
            let served = served.clone();
            async move {
                let (feed, broken) = served.lock().unwrap().clone();
                if broken {
                    (StatusCode::INTERNAL_SERVER_ERROR, String::new())
                } else {
                    (StatusCode::OK, feed)
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/lager.csv", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, state)
}

#[tokio::test]
async fn the_feed_url_is_fetched_once_an_hour_and_a_broken_feed_retires_nothing() {
    let (url, feed) = feed_server(FIRST).await;
    let app = TestApp::spawn_with(|p| p.inventory_interval = None).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"inventory_feed": {"url": url}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let job = app.platform.feed_job();
    let now = norvalt_core::time::now();
    let report = job.run(now).await.unwrap();
    assert_eq!(
        (report.imported, report.added, report.refused_rows),
        (1, 2, 1),
        "{report:?}"
    );
    // Within the hour: not fetched again.
    feed.lock().unwrap().0 = SECOND.into();
    assert_eq!(
        job.run(now + chrono::Duration::minutes(30))
            .await
            .unwrap()
            .imported,
        0
    );
    // The feed server fails: counted, nothing retired, tried on the next tick.
    feed.lock().unwrap().1 = true;
    let failed = job.run(now + chrono::Duration::minutes(61)).await.unwrap();
    assert_eq!((failed.imported, failed.failed), (0, 1));
    assert_eq!(
        by_stock(&vehicles(&app, DRAMMEN).await, "S-77").unwrap()["status"],
        "available"
    );
    feed.lock().unwrap().1 = false;
    let next = job.run(now + chrono::Duration::minutes(76)).await.unwrap();
    assert_eq!((next.added, next.retired), (1, 1), "{next:?}");
}

#[tokio::test]
async fn in_the_cloud_a_feed_on_a_private_address_is_refused() {
    let (url, _) = feed_server(FIRST).await;
    let app = TestApp::spawn_with(|p| {
        p.inventory_interval = None;
        // As in the cloud.
        p.webhooks_allow_private = false;
    })
    .await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    app.patch(
        "/api/dealership",
        &admin,
        json!({"inventory_feed": {"url": url}}),
    )
    .await;
    let report = app
        .platform
        .feed_job()
        .run(norvalt_core::time::now())
        .await
        .unwrap();
    assert_eq!((report.imported, report.failed), (0, 1));
    assert!(by_stock(&vehicles(&app, DRAMMEN).await, "T-1042").is_none());
}
