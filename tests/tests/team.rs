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
    let since = norvalt_core::time::now();
    tokio::time::sleep(Duration::from_millis(5)).await;
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
