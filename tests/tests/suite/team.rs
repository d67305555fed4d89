//! The team around a lead: internal notes in its timeline, assignment with
//! a notice to the assignee, users' roles and preferences changed by an
//! admin (never leaving the dealership without one), the audit log, and
//! polling the inbox with `updated_since`.

use std::time::Duration;

use norvalt_core::Role;
use norvalt_core::queue::QueueName;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::json;

fn notices(app: &TestApp, contains: &str) -> usize {
    std::fs::read_dir(app.platform.outbox.dir())
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().contains(contains))
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_stay_internal_and_in_the_timeline() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let bergen = app.token(BERGEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Åse Bråten", "customer_phone": "912 34 567"}),
        )
        .await;
    let id = lead["id"].as_str().unwrap();

    let (status, note) = app
        .post(
            &format!("/api/leads/{id}/notes"),
            &rep,
            json!({"text": "Ringte – vil ha tilbud på innbytte av Golf.\nRinger tilbake fredag."}),
        )
        .await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["channel"], "note");
    assert_eq!(note["direction"], "internal");
    assert_eq!(note["sender_type"], "human");
    let me = app.user(DRAMMEN, Role::SalesRep).await;
    assert_eq!(note["sender"], me.name.clone().unwrap());
    assert_eq!(note["metadata"]["author_user_id"], me.id.to_string());

    let (_, timeline) = app
        .get(&format!("/api/leads/{id}/conversations"), &rep)
        .await;
    assert_eq!(timeline["items"][0]["id"], note["id"]);

    for (body, field) in [
        (json!({"text": "  "}), "text"),
        (json!({"text": "x".repeat(5001)}), "text"),
    ] {
        let (status, err) = app
            .post(&format!("/api/leads/{id}/notes"), &rep, body)
            .await;
        assert_eq!((status, code(&err)), (422, "validation_failed"));
        assert_eq!(err["error"]["details"]["fields"][0]["field"], field);
    }
    // Notes have one way in, and no way out to the customer.
    let (status, err) = app
        .post(
            "/api/conversations",
            &rep,
            json!({"lead_id": id, "channel": "note", "direction": "outbound",
                   "sender_type": "human", "message_content": "hei"}),
        )
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"));
    // Another dealership cannot write on it.
    let (status, err) = app
        .post(
            &format!("/api/leads/{id}/notes"),
            &bergen,
            json!({"text": "hei"}),
        )
        .await;
    assert_eq!((status, code(&err)), (404, "lead_not_found"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_assignee_is_told_once_and_the_inbox_can_be_polled() {
    let app = TestApp::spawn().await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let rep = app.user(DRAMMEN, Role::SalesRep).await;
    let lead = app
        .post_lead(&manager, json!({"customer_email": "kunde@example.no"}))
        .await;
    let id = lead["id"].as_str().unwrap();
    // `updated_since` is inclusive and times are in milliseconds: an
    // instant strictly after the lead's creation.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let since = norvalt_core::time::now();
    let (_, page) = app
        .get(
            &format!(
                "/api/leads?updated_since={}",
                norvalt_core::time::sortable(&since)
            ),
            &manager,
        )
        .await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");

    for _ in 0..2 {
        let (status, body) = app
            .patch(
                &format!("/api/leads/{id}"),
                &manager,
                json!({"assigned_to": rep.id}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    app.drain(&[QueueName::Send]).await;
    assert_eq!(
        notices(&app, &format!("_assigned_{}_", rep.id)),
        1,
        "told once, not on the repeat"
    );
    let (_, page) = app
        .get(
            &format!(
                "/api/leads?updated_since={}",
                norvalt_core::time::sortable(&since)
            ),
            &manager,
        )
        .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["assigned_to"], rep.id.to_string());
    // Assigning to someone outside the dealership is refused.
    let outsider = app.user(BERGEN, Role::SalesRep).await;
    let (status, err) = app
        .patch(
            &format!("/api/leads/{id}"),
            &manager,
            json!({"assigned_to": outsider.id}),
        )
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"));
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_change_roles_and_preferences_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let bergen_admin = app.token(BERGEN, Role::Admin).await;
    let rep = app.user(DRAMMEN, Role::SalesRep).await;
    let me = app.user(DRAMMEN, Role::Admin).await;

    let (status, err) = app
        .patch(
            &format!("/api/users/{}", rep.id),
            &manager,
            json!({"role": "manager"}),
        )
        .await;
    assert_eq!((status, code(&err)), (403, "insufficient_role"));
    let (status, err) = app
        .patch(
            &format!("/api/users/{}", rep.id),
            &bergen_admin,
            json!({"role": "manager"}),
        )
        .await;
    assert_eq!((status, code(&err)), (404, "user_not_found"));

    let (status, user) = app
        .patch(
            &format!("/api/users/{}", rep.id),
            &admin,
            json!({"role": "manager", "notification_preferences":
                   {"new_lead_email": false, "new_lead_sms": false, "daily_summary": true}}),
        )
        .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["role"], "manager");
    assert_eq!(user["notification_preferences"]["new_lead_email"], false);
    assert_eq!(user["version"], 2);
    let (status, err) = app
        .patch(
            &format!("/api/users/{}", rep.id),
            &admin,
            json!({"role": "owner"}),
        )
        .await;
    assert_eq!(status, 422, "{err}");

    // The only admin cannot step down or switch themselves off.
    for change in [json!({"role": "manager"}), json!({"active": false})] {
        let (status, err) = app
            .patch(&format!("/api/users/{}", me.id), &admin, change)
            .await;
        assert_eq!((status, code(&err)), (409, "last_admin"));
    }

    let (status, log) = app.get("/api/audit", &admin).await;
    assert_eq!(status, 200, "{log}");
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{log}");
    assert_eq!(items[0]["action"], "user.updated");
    assert_eq!(items[0]["target"], format!("user:{}", rep.id));
    assert_eq!(
        items[0]["details"]["fields"],
        json!(["role", "notification_preferences"])
    );
    assert!(
        !log.to_string().contains(&rep.email),
        "no personal data in the log"
    );
    let (status, err) = app.get("/api/audit", &manager).await;
    assert_eq!((status, code(&err)), (403, "insufficient_role"));
    let (_, theirs) = app.get("/api/audit", &bergen_admin).await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
}

/// A token outlives a change in Norvalt: the user record decides. A
/// deactivated rep is refused at once, a demoted manager acts as a rep.
#[tokio::test(flavor = "multi_thread")]
async fn deactivated_or_demoted_users_lose_access_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let rep_token = app.token(DRAMMEN, Role::SalesRep).await;
    let rep = app.user(DRAMMEN, Role::SalesRep).await;
    let manager_token = app.token(DRAMMEN, Role::Manager).await;
    let manager = app.user(DRAMMEN, Role::Manager).await;

    let (status, me) = app.get("/api/me", &manager_token).await;
    assert_eq!(
        (status, me["role"].as_str()),
        (200, Some("manager")),
        "{me}"
    );
    let (status, _) = app.get("/api/leads", &rep_token).await;
    assert_eq!(status, 200);

    let (status, body) = app
        .patch(
            &format!("/api/users/{}", rep.id),
            &admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    for path in ["/api/leads", "/api/me"] {
        let (status, err) = app.get(path, &rep_token).await;
        assert_eq!((status, code(&err)), (403, "user_inactive"), "{path}");
    }

    let (status, body) = app
        .patch(
            &format!("/api/users/{}", manager.id),
            &admin,
            json!({"role": "sales_rep"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, me) = app.get("/api/me", &manager_token).await;
    assert_eq!(
        (status, me["role"].as_str()),
        (200, Some("sales_rep")),
        "{me}"
    );
    let (status, err) = app.get("/api/audit", &manager_token).await;
    assert_eq!((status, code(&err)), (403, "insufficient_role"));
    let (status, err) = app
        .post(
            "/api/vehicles",
            &manager_token,
            json!({"make": "Toyota", "model": "bZ4X", "year": 2024, "price": 449000}),
        )
        .await;
    assert_eq!((status, code(&err)), (403, "insufficient_role"), "{err}");
    // A record never raises a token's role: the admin's token still rules.
    let (status, _) = app.get("/api/audit", &admin).await;
    assert_eq!(status, 200);
}

/// Clerk's membership webhook mirrors the team: a new member appears with
/// their role, a role change follows, a removal deactivates; forged or stale
/// deliveries and other organisations change nothing.
#[tokio::test(flavor = "multi_thread")]
async fn clerk_memberships_are_mirrored_into_the_team() {
    use norvalt_core::service::membership::sign;
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let app = TestApp::spawn_with(|p| p.clerk_webhook_secret = Some(SECRET.into())).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let org = norvalt_local::seed::demo_org_id(DRAMMEN);
    let base_ms = norvalt_core::time::now().timestamp_millis();
    // `at` orders the events as Clerk made them (data.updated_at).
    let event_at = |kind: &str, org: &str, role: &str, at: i64| {
        json!({"type": kind, "object": "event", "data": {
            "id": "orgmem_1", "object": "organization_membership", "role": role,
            "updated_at": base_ms + at,
            "organization": {"id": org, "slug": "x"},
            "public_user_data": {"user_id": "user_ny_selger", "identifier": "ny.selger@bilsenteret.no",
                                 "first_name": "Nora", "last_name": "Ødegård"}}})
    };
    let next_at = std::cell::Cell::new(0);
    let event = |kind: &str, org: &str, role: &str| {
        next_at.set(next_at.get() + 1000);
        event_at(kind, org, role, next_at.get())
    };
    let next_id = std::cell::Cell::new(0);
    let deliver_as = |id: String, body: serde_json::Value, signed_at: i64, secret: &'static str| {
        let app = &app;
        async move {
            let raw = serde_json::to_vec(&body).unwrap();
            let response = app
                .http
                .post(app.url("/webhooks/clerk"))
                .header("svix-id", &id)
                .header("svix-timestamp", signed_at.to_string())
                .header("svix-signature", sign(secret, &id, signed_at, &raw))
                .header("content-type", "application/json")
                .body(raw)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            (status, response.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Each call a new delivery, as Svix sends each event once under its id.
    let deliver = |body: serde_json::Value, signed_at: i64, secret: &'static str| {
        next_id.set(next_id.get() + 1);
        deliver_as(format!("msg_{}", next_id.get()), body, signed_at, secret)
    };
    let now = norvalt_core::time::now().timestamp();
    let member = |team: &serde_json::Value| {
        team["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["clerk_user_id"] == "user_ny_selger")
            .cloned()
    };

    // Forged, stale, or another organisation: nothing written.
    let (status, body) = deliver(
        event("organizationMembership.created", &org, "org:sales_rep"),
        now,
        "whsec_b3RoZXI=",
    )
    .await;
    assert_eq!((status, code(&body)), (401, "invalid_signature"));
    let (status, _) = deliver(
        event("organizationMembership.created", &org, "org:sales_rep"),
        now - 600,
        SECRET,
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = deliver(
        event(
            "organizationMembership.created",
            "org_ukjent",
            "org:sales_rep",
        ),
        now,
        SECRET,
    )
    .await;
    assert_eq!((status, body["outcome"].clone()), (200, json!("ignored")));
    let (_, team) = app.get("/api/users", &admin).await;
    assert!(member(&team).is_none());

    let (status, body) = deliver(
        event("organizationMembership.created", &org, "org:sales_rep"),
        now,
        SECRET,
    )
    .await;
    assert_eq!(
        (status, body["outcome"].clone()),
        (200, json!("created")),
        "{body}"
    );
    let (_, team) = app.get("/api/users", &admin).await;
    let user = member(&team).expect("mirrored");
    assert_eq!(user["role"], "sales_rep");
    assert_eq!(user["name"], "Nora Ødegård");
    assert_eq!(user["email"], "ny.selger@bilsenteret.no");
    // The same delivery again (Svix retries under the same id) is ignored.
    let id = format!("msg_{}", next_id.get());
    let (_, body) = deliver_as(
        id,
        event("organizationMembership.created", &org, "org:sales_rep"),
        now,
        SECRET,
    )
    .await;
    assert_eq!(body["outcome"], "ignored");

    let (_, body) = deliver(
        event("organizationMembership.updated", &org, "org:admin"),
        now,
        SECRET,
    )
    .await;
    assert_eq!(body["outcome"], "updated");
    let (_, team) = app.get("/api/users", &admin).await;
    assert_eq!(member(&team).unwrap()["role"], "admin");

    let (_, body) = deliver(
        event("organizationMembership.deleted", &org, "org:admin"),
        now,
        SECRET,
    )
    .await;
    assert_eq!(body["outcome"], "deactivated");
    let (_, team) = app.get("/api/users", &admin).await;
    assert_eq!(member(&team).unwrap()["active"], false);

    // A late retry of an older `updated` does not bring the member back.
    let (_, body) = deliver(
        event_at("organizationMembership.updated", &org, "org:admin", 1500),
        now,
        SECRET,
    )
    .await;
    assert_eq!(body["outcome"], "ignored");
    let (_, team) = app.get("/api/users", &admin).await;
    assert_eq!(member(&team).unwrap()["active"], false);
}
