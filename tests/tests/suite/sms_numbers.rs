//! Who owns an SMS number. A dealership's admin can only take a number the
//! operator provisioned for it (never the platform's shared number, never
//! another's). Dealerships without a number of their own text from the
//! shared one, and a customer's answer to it goes to the dealership that
//! texted them last; a STOPP to it stops every dealership that texted them.

use std::sync::Arc;

use norvalt_core::Role;
use norvalt_core::model::Channel;
use norvalt_core::outbound::suppression::is_suppressed;
use norvalt_core::queue::QueueName;
use norvalt_core::service::provisioning::{find_by_slug, provision_sms_number};
use norvalt_http::webhooks::twilio::TwilioWebhook;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::json;

const TOKEN: &str = "twilio-auth-token";
const PUBLIC: &str = "https://sms.norvalt.test";
const SHARED: &str = "+4759990000";
const CUSTOMER: &str = "+4747654321";

async fn app() -> TestApp {
    let app = TestApp::spawn_with(|p| {
        p.imap_poll_interval = None;
        p.followups_interval = None;
        p.shared_sms_number = Some(SHARED.into());
        p.twilio = Some(Arc::new(TwilioWebhook {
            auth_token: TOKEN.into(),
            public_url: PUBLIC.into(),
        }));
    })
    .await;
    for slug in [DRAMMEN, BERGEN] {
        let admin = app.token(slug, Role::Admin).await;
        let (status, body) = app
            .patch(
                "/api/dealership",
                &admin,
                json!({"reply": {"sms_enabled": true}}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    app
}

async fn text(app: &TestApp, sid: &str, to: &str, body: &str) {
    let fields = [
        ("MessageSid", sid),
        ("AccountSid", "AC123"),
        ("From", CUSTOMER),
        ("To", to),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    let response = app.twilio_text(TOKEN, PUBLIC, &fields, None).send().await;
    assert_eq!(response.unwrap().status(), 200);
    app.drain(&QueueName::ALL).await;
}

/// The customer asks `slug` through its website form with a phone number
/// only; the first reply goes by SMS from the shared number.
async fn customer_asks(app: &TestApp, slug: &str) -> String {
    let key = app.form_key(slug).await;
    let status = app
        .http
        .post(app.url(&format!("/webhooks/form/{key}")))
        .json(&json!({"name": "Kari", "phone": "476 54 321", "vehicle_interest": "Toyota bZ4X"}))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 202);
    app.drain(&QueueName::ALL).await;
    let rep = app.token(slug, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads", &rep).await;
    let leads = page["items"].as_array().unwrap();
    assert_eq!(leads.len(), 1, "{page}");
    leads[0]["id"].as_str().unwrap().to_string()
}

async fn customer_messages(app: &TestApp, slug: &str, lead: &str) -> Vec<String> {
    let rep = app.token(slug, Role::SalesRep).await;
    let (_, convo) = app
        .get(&format!("/api/leads/{lead}/conversations"), &rep)
        .await;
    convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["sender_type"] == "customer")
        .map(|m| m["message_content"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn answers_to_the_shared_number_reach_the_last_dealership_and_stopp_stops_all() {
    let app = app().await;
    let drammen_lead = customer_asks(&app, DRAMMEN).await;
    let bergen_lead = customer_asks(&app, BERGEN).await;
    let sms = std::fs::read_to_string(app.platform.outbox.dir().join("sms.jsonl")).unwrap();
    assert_eq!(sms.lines().count(), 2, "one reply from each: {sms}");

    text(&app, "SM1", SHARED, "Ja, gjerne på lørdag").await;
    assert_eq!(customer_messages(&app, BERGEN, &bergen_lead).await.len(), 2);
    assert_eq!(
        customer_messages(&app, BERGEN, &bergen_lead).await[1],
        "Ja, gjerne på lørdag"
    );
    // Drammen holds only the form inquiry.
    assert_eq!(
        customer_messages(&app, DRAMMEN, &drammen_lead).await.len(),
        1
    );

    text(&app, "SM2", SHARED, "STOPP").await;
    let stores = &app.platform.stores;
    for slug in [DRAMMEN, BERGEN] {
        let (tenant, _) = find_by_slug(stores, slug).await.unwrap().unwrap();
        assert!(
            is_suppressed(stores, &tenant, Channel::Sms, CUSTOMER)
                .await
                .unwrap(),
            "{slug} must not text the customer again"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_takes_only_a_number_provisioned_for_the_dealership() {
    let app = app().await;
    let drammen = app.token(DRAMMEN, Role::Admin).await;
    let bergen = app.token(BERGEN, Role::Admin).await;
    let set = |number: &'static str| json!({"reply": {"sms_number": number}});
    for number in [SHARED, "+4759440000"] {
        let (status, err) = app.patch("/api/dealership", &drammen, set(number)).await;
        assert_eq!(
            (status, code(&err)),
            (422, "validation_failed"),
            "{number}: {err}"
        );
        assert!(err.to_string().contains("reply.sms_number"), "{err}");
    }
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    provision_sms_number(&app.platform.stores, &tenant, "59 44 00 00")
        .await
        .unwrap();
    let (status, body) = app
        .patch("/api/dealership", &drammen, set("+4759440000"))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dealership"]["reply"]["sms_number"], "+4759440000");
    let (status, err) = app
        .patch("/api/dealership", &bergen, set("+4759440000"))
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"), "{err}");
    // Provisioned for one dealership only.
    let (bergen_tenant, _) = find_by_slug(&app.platform.stores, BERGEN)
        .await
        .unwrap()
        .unwrap();
    let taken = provision_sms_number(&app.platform.stores, &bergen_tenant, "+4759440000").await;
    assert!(taken.is_err());
}

/// The public form could run up SMS bills abroad: automatic SMS go only to
/// the countries the dealership allows (Norway unless it says otherwise).
#[tokio::test(flavor = "multi_thread")]
async fn automatic_sms_go_only_to_allowed_countries() {
    let app = app().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let key = app.form_key(DRAMMEN).await;
    let ask = |phone: &'static str| {
        let url = app.url(&format!("/webhooks/form/{key}"));
        let http = app.http.clone();
        async move {
            let status = http
                .post(url)
                .json(&json!({"name": "Sven", "phone": phone}))
                .send()
                .await
                .unwrap()
                .status();
            assert_eq!(status, 202);
        }
    };
    let texted = |app: &TestApp| {
        std::fs::read_to_string(app.platform.outbox.dir().join("sms.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["to"].clone())
            .collect::<Vec<_>>()
    };
    ask("+46 70 123 45 67").await;
    app.drain(&QueueName::ALL).await;
    assert!(texted(&app).is_empty(), "{:?}", texted(&app));

    let (status, err) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"reply": {"sms_countries": ["+46"]}}),
        )
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"), "{err}");
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"reply": {"sms_countries": ["47", "46"]}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["dealership"]["reply"]["sms_countries"],
        json!(["46", "47"])
    );
    ask("+46 70 765 43 21").await;
    app.drain(&QueueName::ALL).await;
    assert_eq!(texted(&app), [json!("+46707654321")]);
}
