//! A dealership's settings: admins only; a patch is validated whole and
//! names every bad field; routing keys held by another dealership refuse it
//! with nothing changed; secrets are stored, never shown; changes reach the
//! next lead; every change is in the audit log.

use norvalt_core::Role;
use norvalt_core::queue::QueueName;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

const BERGEN_PAGE: &str = "204233998877666";

async fn settings(app: &TestApp, token: &str) -> Value {
    let (status, body) = app.get("/api/dealership", token).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn post_form(app: &TestApp, form_key: &str) -> u16 {
    app.http
        .post(app.url(&format!("/webhooks/form/{form_key}")))
        .header("idempotency-key", format!("k-{form_key}"))
        .json(
            &json!({"name": "Eirik Solberg", "email": "eirik@example.no",
                      "vehicle_interest": "Volkswagen ID.Buzz", "consent": true}),
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn only_admins_see_settings_and_bad_patches_change_nothing() {
    let (graph, _) = norvalt_tests::mock_page_tokens(&[("EAAB-bergens-side", BERGEN_PAGE)]).await;
    let app = TestApp::spawn_with(|p| p.graph_url = graph).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let (status, err) = app.get("/api/dealership", &manager).await;
    assert_eq!((status, code(&err)), (403, "insufficient_role"));
    let (status, err) = app
        .patch("/api/dealership", &manager, json!({"name": "x"}))
        .await;
    assert_eq!((status, code(&err)), (403, "insufficient_role"));

    let before = settings(&app, &admin).await;
    let form_key = before["dealership"]["form_key"].as_str().unwrap();
    assert!(
        before["form_url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/webhooks/form/{form_key}"))
    );
    let snippet = before["embed_snippet"].as_str().unwrap();
    assert!(
        snippet.contains("norvalt_hp") && snippet.contains("embed.js"),
        "{snippet}"
    );

    let (status, err) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({
                "name": "Nytt navn som ikke skal lagres",
                "branding": {"logo_url": "ftp://logo", "brand_colour": "blå"},
                "opening_exceptions": [{"date": "2026-12-24", "opens": "10:00"}],
                "reply": {"sms_number": "123", "notify_emails": ["ikke-epost"],
                          "quiet_hours": {"sms_from": "21:00", "sms_until": "08:00"}},
                "capture": {"allowed_origins": ["https://bilsenteret.no/kontakt"]},
                "imap": {"host": "imap.example.no", "tls": false, "username": "leads"}
            }),
        )
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"), "{err}");
    let fields: Vec<&str> = err["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in [
        "branding.logo_url",
        "branding.brand_colour",
        "opening_exceptions[0]",
        "reply.sms_number",
        "reply.notify_emails",
        "reply.quiet_hours.sms_until",
        "capture.allowed_origins",
        "imap.tls",
    ] {
        assert!(fields.contains(&field), "{field} missing from {fields:?}");
    }
    assert_eq!(settings(&app, &admin).await, before, "nothing was written");

    // A page another dealership holds (even with its real token): 409, and
    // the name in the same patch is not saved either.
    let (status, err) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"name": "Bilsenteret Drammen AS",
                   "connect_facebook_page": {"page_id": BERGEN_PAGE, "access_token": "EAAB-bergens-side"}}),
        )
        .await;
    assert_eq!((status, code(&err)), (409, "facebook_page_taken"), "{err}");
    assert_eq!(settings(&app, &admin).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn settings_apply_to_the_next_lead_and_keys_move_cleanly() {
    let drammen_page = "104233998877665";
    let (graph, _) = norvalt_tests::mock_page_tokens(&[
        ("EAAB-hemmelig-token", "304233998877667"),
        ("EAAB-bergen-token", drammen_page),
    ])
    .await;
    let app = TestApp::spawn_with(|p| {
        p.imap_poll_interval = None;
        p.graph_url = graph;
    })
    .await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let bergen_admin = app.token(BERGEN, Role::Admin).await;
    let before = settings(&app, &admin).await;
    let old_key = before["dealership"]["form_key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        before["dealership"]["capture"]["facebook_pages"][0],
        drammen_page
    );

    let (status, after) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({
                "branding": {"logo_url": "https://bilsenteret.no/logo.png", "brand_colour": "#0A3D62"},
                "opening_exceptions": [{"date": "2026-12-24", "opens": "10:00", "closes": "13:00", "note": "Julaften"}],
                "reply": {"sender_name": "Kari i Bilsenteret", "signature": "Hilsen Kari\nBilsenteret Drammen",
                          "tone": "uformell", "language_hints": "Bruk du-form.",
                          "notify_emails": ["Salg@Bilsenteret.no", "salg@bilsenteret.no"]},
                "regenerate_form_key": true,
                "connect_facebook_page": {"page_id": "304233998877667", "access_token": "EAAB-hemmelig-token"},
                "disconnect_facebook_page": drammen_page,
                "imap": {"host": "imap.bilsenteret.no", "username": "leads", "password": "imap-hemmelig"}
            }),
        )
        .await;
    assert_eq!(status, 200, "{after}");
    let d = &after["dealership"];
    assert_eq!(d["branding"]["brand_colour"], "#0a3d62");
    assert_eq!(d["reply"]["notify_emails"], json!(["salg@bilsenteret.no"]));
    assert_eq!(d["capture"]["facebook_pages"], json!(["304233998877667"]));
    assert_eq!(d["capture"]["imap"]["host"], "imap.bilsenteret.no");
    let new_key = d["form_key"].as_str().unwrap();
    assert_ne!(new_key, old_key);
    // Secrets went to the secret store and are never shown.
    let shown = settings(&app, &admin).await.to_string();
    assert!(!shown.contains("hemmelig"), "{shown}");
    let drammen_id = d["id"].as_str().unwrap();
    assert_eq!(
        app.platform
            .secrets
            .secret(&format!("facebook/{drammen_id}/page/304233998877667"))
            .await
            .unwrap()
            .as_deref(),
        Some("EAAB-hemmelig-token")
    );

    // The old form URL is dead, the new one takes leads.
    assert_eq!(post_form(&app, &old_key).await, 404);
    assert_eq!(post_form(&app, new_key).await, 202);
    app.drain(&[QueueName::Capture, QueueName::Ai, QueueName::Send])
        .await;
    let sent: Vec<_> = std::fs::read_dir(app.platform.outbox.dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("send"))
        .collect();
    assert_eq!(sent.len(), 1);
    let raw = std::fs::read(sent[0].path()).unwrap();
    let mail = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(
        mail.from().and_then(|a| a.first()).and_then(|a| a.name()),
        Some("Kari i Bilsenteret")
    );
    let body = mail.body_text(0).unwrap();
    assert!(body.contains("Hilsen Kari"), "{body}");

    // The page Drammen let go can now be connected by Bergen.
    let (status, body) = app
        .patch(
            "/api/dealership",
            &bergen_admin,
            json!({"connect_facebook_page": {"page_id": drammen_page, "access_token": "EAAB-bergen-token"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (_, log) = app.get("/api/audit", &admin).await;
    let entry = &log["items"][0];
    assert_eq!(entry["action"], "dealership.updated");
    let fields = entry["details"]["fields"].as_array().unwrap();
    for f in [
        "branding",
        "opening_exceptions",
        "reply",
        "form_key",
        "facebook_pages",
        "imap",
    ] {
        assert!(fields.contains(&json!(f)), "{f} missing from {fields:?}");
    }
    assert!(!log.to_string().contains("hemmelig"));
}

/// Connecting a page takes the page's own token, checked with Graph: an
/// admin cannot claim a page they do not hold, a wrong or expired token
/// changes nothing, and disconnecting deletes the token.
#[tokio::test(flavor = "multi_thread")]
async fn a_facebook_page_is_connected_only_with_its_own_token() {
    const PAGE: &str = "404233998877668";
    let (graph, asked) = norvalt_tests::mock_page_tokens(&[
        ("EAAB-riktig", PAGE),
        ("EAAB-annen-side", "504233998877669"),
    ])
    .await;
    let app = TestApp::spawn_with(|p| p.graph_url = graph).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let before = settings(&app, &admin).await;
    let connect = |token: Option<&str>| {
        let mut page = json!({"page_id": PAGE});
        if let Some(t) = token {
            page["access_token"] = json!(t);
        }
        json!({ "connect_facebook_page": page })
    };
    for (token, why) in [
        (None, "no token"),
        (Some("EAAB-annen-side"), "another page's token"),
        (Some("EAAB-utløpt"), "an expired token"),
    ] {
        let (status, err) = app.patch("/api/dealership", &admin, connect(token)).await;
        assert_eq!(
            (status, code(&err)),
            (422, "validation_failed"),
            "{why}: {err}"
        );
        assert_eq!(
            err["error"]["details"]["fields"][0]["field"], "connect_facebook_page.access_token",
            "{why}"
        );
    }
    assert_eq!(settings(&app, &admin).await, before, "nothing was written");
    assert_eq!(*asked.lock().unwrap(), ["EAAB-annen-side", "EAAB-utløpt"]);

    let (status, body) = app
        .patch("/api/dealership", &admin, connect(Some("EAAB-riktig")))
        .await;
    assert_eq!(status, 200, "{body}");
    let id = body["dealership"]["id"].as_str().unwrap().to_string();
    let secret = format!("facebook/{id}/page/{PAGE}");
    let stored = app.platform.secrets.secret(&secret).await.unwrap();
    assert_eq!(stored.as_deref(), Some("EAAB-riktig"));

    let (status, body) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"disconnect_facebook_page": PAGE}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.platform.secrets.secret(&secret).await.unwrap(), None);
}

/// One rule for a dealership's address, whether it is created or changed in
/// settings: up to 300 characters, on several lines if need be.
#[tokio::test(flavor = "multi_thread")]
async fn an_address_follows_one_rule_at_creation_and_in_settings() {
    use norvalt_core::model::NewDealership;
    use norvalt_core::service::provisioning::{self, PlatformSettings};
    let app = TestApp::spawn().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let two_lines = "Strandveien 12\n3015 Drammen";
    let too_long = "Å".repeat(301);
    let create = |slug: &str, address: &str| NewDealership {
        name: "Adressebil".into(),
        slug: slug.into(),
        email: "post@adressebil.no".into(),
        phone: None,
        address: Some(address.into()),
        clerk_org_id: None,
        subscription_tier: None,
        opening_hours: None,
    };
    let settings = PlatformSettings::default();
    let now = norvalt_core::time::now();
    let stores = &app.platform.stores;

    let (status, body) = app
        .patch("/api/dealership", &admin, json!({"address": two_lines}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dealership"]["address"], two_lines);
    let created =
        provisioning::create_dealership(stores, &settings, create("adr-en", two_lines), now).await;
    assert_eq!(created.unwrap().1.address.as_deref(), Some(two_lines));

    let (status, err) = app
        .patch("/api/dealership", &admin, json!({"address": too_long}))
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"), "{err}");
    let refused =
        provisioning::create_dealership(stores, &settings, create("adr-to", &too_long), now).await;
    assert!(
        matches!(refused, Err(norvalt_core::DomainError::Validation(_))),
        "creation refuses what settings refuse"
    );
}

/// The AI's conversation and booking settings: `auto` is the admin's
/// choice (dealerships start in `draft`), and nonsense is refused whole.
#[tokio::test]
async fn the_conversation_mode_and_booking_settings_are_the_admins() {
    let app = TestApp::spawn().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let before = settings(&app, &admin).await;
    assert_eq!(before["dealership"]["conversation"]["mode"], "draft");
    assert_eq!(before["dealership"]["booking"]["horizon_days"], 14);

    let (status, err) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({
                "conversation": {"mode": "auto", "debounce_secs": 9999, "max_ai_turns": 0},
                "booking": {"enabled": true, "horizon_days": 0, "types": [
                    {"kind": "test_drive", "duration_minutes": 5, "capacity": 0, "lead_minutes": 0},
                    {"kind": "test_drive", "duration_minutes": 45, "capacity": 2, "lead_minutes": 0}
                ]}
            }),
        )
        .await;
    assert_eq!(status, 422, "{err}");
    let fields: Vec<&str> = err["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    for field in [
        "conversation.debounce_secs",
        "conversation.max_ai_turns",
        "booking.horizon_days",
        "booking.types[0].duration_minutes",
        "booking.types[0].capacity",
        "booking.types[1].kind",
    ] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    assert_eq!(
        settings(&app, &admin).await["dealership"]["conversation"]["mode"],
        "draft"
    );

    let (status, saved) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({
                "conversation": {"mode": "auto", "debounce_secs": 45, "handover_message": "Ola ringer deg i dag."},
                "booking": {"horizon_days": 21, "types": [
                    {"kind": "viewing", "duration_minutes": 30, "capacity": 4, "lead_minutes": 30}
                ]}
            }),
        )
        .await;
    assert_eq!(status, 200, "{saved}");
    let d = &saved["dealership"];
    assert_eq!(d["conversation"]["mode"], "auto");
    assert_eq!(d["conversation"]["debounce_secs"], 45);
    assert_eq!(
        d["conversation"]["max_ai_turns"], 4,
        "absent fields take their defaults"
    );
    assert_eq!(d["booking"]["types"].as_array().unwrap().len(), 1);

    // A sales rep cannot change it.
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, _) = app
        .patch(
            "/api/dealership",
            &rep,
            json!({"conversation": {"mode": "off"}}),
        )
        .await;
    assert_eq!(status, 403);
}
