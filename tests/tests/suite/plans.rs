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

/// Clerk Billing on the Clerk webhook: a subscription item's plan sets the
/// tier, `ended` cancels; a repeated or older delivery changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn clerk_billing_sets_the_plan() {
    use norvalt_core::service::membership::sign;
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let app = TestApp::spawn_with(|p| p.clerk_webhook_secret = Some(SECRET.into())).await;
    let org = norvalt_local::seed::demo_org_id(DRAMMEN);
    let base_ms = norvalt_core::time::now().timestamp_millis();
    let deliver = |id: &'static str,
                   kind: &'static str,
                   slug: &'static str,
                   status: &'static str,
                   at: i64| {
        let app = &app;
        let org = org.clone();
        async move {
            let body = json!({"type": kind, "object": "event", "data": {
                "id": "csi_1", "object": "commerce_subscription_item", "status": status,
                "updated_at": base_ms + at,
                "plan": {"id": "cplan_1", "slug": slug, "name": slug},
                "payer": {"id": "cpayer_1", "organization_id": org}}});
            let raw = serde_json::to_vec(&body).unwrap();
            let signed_at = norvalt_core::time::now().timestamp();
            let response = app
                .http
                .post(app.url("/webhooks/clerk"))
                .header("svix-id", id)
                .header("svix-timestamp", signed_at.to_string())
                .header("svix-signature", sign(SECRET, id, signed_at, &raw))
                .header("content-type", "application/json")
                .body(raw)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<serde_json::Value>().await.unwrap()["outcome"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let plan = || async {
        let d = provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
            .await
            .unwrap()
            .unwrap()
            .1;
        (d.subscription_tier, d.subscription_status)
    };
    assert_eq!(
        deliver(
            "msg_b1",
            "subscriptionItem.active",
            "starter",
            "active",
            1000
        )
        .await,
        "plan_changed"
    );
    assert_eq!(
        plan().await,
        (SubscriptionTier::Starter, SubscriptionStatus::Active)
    );
    // Svix delivers it again: nothing more.
    assert_eq!(
        deliver(
            "msg_b1",
            "subscriptionItem.active",
            "starter",
            "active",
            1000
        )
        .await,
        "ignored"
    );
    assert_eq!(
        deliver(
            "msg_b2",
            "subscriptionItem.active",
            "enterprise",
            "active",
            3000
        )
        .await,
        "plan_changed"
    );
    // An older event arriving late does not undo the newer one.
    assert_eq!(
        deliver(
            "msg_b3",
            "subscriptionItem.active",
            "professional",
            "active",
            2000
        )
        .await,
        "ignored"
    );
    assert_eq!(
        plan().await,
        (SubscriptionTier::Enterprise, SubscriptionStatus::Active)
    );
    // Cancelled: on until the period ends; then ended.
    assert_eq!(
        deliver(
            "msg_b4",
            "subscriptionItem.canceled",
            "enterprise",
            "canceled",
            4000
        )
        .await,
        "ignored"
    );
    assert_eq!(
        deliver(
            "msg_b5",
            "subscriptionItem.ended",
            "enterprise",
            "ended",
            5000
        )
        .await,
        "plan_changed"
    );
    assert_eq!(
        plan().await,
        (SubscriptionTier::Enterprise, SubscriptionStatus::Cancelled)
    );
    // A plan that is no tier of ours changes nothing.
    assert_eq!(
        deliver("msg_b6", "subscriptionItem.active", "gold", "active", 6000).await,
        "ignored"
    );
}
