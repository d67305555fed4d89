//! Plans: what a dealership's subscription includes is what it can turn
//! on (402 `plan_upgrade_required` with a Norwegian message otherwise), and
//! a downgrade turns off what the new plan lacks.

use norvalt_core::Role;
use norvalt_core::model::dealership::{SubscriptionStatus, SubscriptionTier};
use norvalt_core::service::provisioning;
use norvalt_tests::{DRAMMEN, TestApp, code};
use serde_json::json;

async fn set_plan(
    app: &TestApp,
    tier: SubscriptionTier,
    status: SubscriptionStatus,
) -> Vec<String> {
    let (tenant, _) = provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let (_, off) = provisioning::change_plan(
        &app.platform.stores,
        &tenant,
        Some(tier),
        Some(status),
        norvalt_core::time::now(),
    )
    .await
    .unwrap();
    off.iter()
        .map(|f| {
            serde_json::to_value(f)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test]
async fn a_starter_dealership_cannot_turn_on_what_its_plan_lacks() {
    let app = TestApp::spawn().await;
    set_plan(&app, SubscriptionTier::Starter, SubscriptionStatus::Active).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    for (patch, feature) in [
        (
            json!({"reply": {"sms_enabled": true}}),
            "SMS er med i Professional-abonnementet",
        ),
        (
            json!({"conversation": {"mode": "auto", "debounce_secs": 30}}),
            "Automatiske AI-svar er med i Professional-abonnementet",
        ),
        (
            json!({"adf_email": "dms@example.no"}),
            "ADF til forhandlersystemet er med i Enterprise-abonnementet",
        ),
    ] {
        let (status, body) = app.patch("/api/dealership", &admin, patch.clone()).await;
        assert_eq!(
            (status, code(&body)),
            (402, "plan_upgrade_required"),
            "{patch}: {body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(feature),
            "{body}"
        );
    }
    let (status, body) = app
        .post(
            "/api/webhooks",
            &admin,
            json!({"url": "https://dms.example.no/hook", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (402, "plan_upgrade_required"),
        "{body}"
    );
    // Nothing was changed by the refused patches.
    let (_, settings) = app.get("/api/dealership", &admin).await;
    assert_eq!(settings["dealership"]["reply"]["sms_enabled"], false);
    assert_eq!(settings["dealership"]["adf_email"], json!(null));
    // What the plan has is still allowed.
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"reply": {"tone": "vennlig"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn a_downgrade_turns_off_what_the_new_plan_lacks() {
    let app = TestApp::spawn().await;
    set_plan(
        &app,
        SubscriptionTier::Enterprise,
        SubscriptionStatus::Active,
    )
    .await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"reply": {"sms_enabled": true}, "adf_email": "dms@example.no"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .post(
            "/api/webhooks",
            &admin,
            json!({"url": "https://dms.example.no/hook", "events": ["lead.created"]}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let id = body["id"].as_str().unwrap().to_string();

    // Professional keeps SMS; the integrations with the dealer's own
    // systems go.
    let off = set_plan(
        &app,
        SubscriptionTier::Professional,
        SubscriptionStatus::Active,
    )
    .await;
    assert_eq!(off, ["webhooks", "adf_export"]);
    let (_, settings) = app.get("/api/dealership", &admin).await;
    assert_eq!(settings["dealership"]["reply"]["sms_enabled"], true);
    assert_eq!(settings["dealership"]["adf_email"], json!(null));
    let (_, hooks) = app.get("/api/webhooks", &admin).await;
    assert_eq!(hooks["items"][0]["enabled"], false);
    assert_eq!(
        hooks["items"][0]["disabled_reason"],
        "Ikke med i abonnementet"
    );
    let (status, body) = app
        .patch(
            &format!("/api/webhooks/{id}"),
            &admin,
            json!({"enabled": true}),
        )
        .await;
    assert_eq!((status, code(&body)), (402, "plan_upgrade_required"));

    // A cancelled subscription has Starter's features: SMS goes too.
    let off = set_plan(
        &app,
        SubscriptionTier::Professional,
        SubscriptionStatus::Cancelled,
    )
    .await;
    assert_eq!(off, ["sms"]);
}
