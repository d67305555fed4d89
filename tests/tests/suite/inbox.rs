//! The inbox's habits over HTTP: the shared set-up (tags, canned replies,
//! views) kept by managers and read by everyone in the dealership only;
//! canned-reply fields filled per lead and never sent as braces; bulk
//! actions and tags that stay inside the dealership; a user's own views,
//! away flag and email choices; rows that carry their response clock.

use norvalt_core::Role;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn the_inbox_setup_is_kept_by_managers_and_read_by_the_dealership() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let bergen = app.token(BERGEN, Role::Manager).await;
    let setup = json!({
        "tags": [{"name": "Innbytte", "colour": "teal"}, {"name": "Prøvekjøring", "colour": "violet"}],
        "canned_replies": [{"title": "Takk for henvendelsen", "body": "Hei {fornavn}! {bil} står klar hos {forhandler}. Hilsen {selger}"}],
        "views": [{"name": "Nye elbiler", "query": "status=new&q=elbil"}],
    });
    let (status, body) = app.patch("/api/inbox-setup", &rep, setup.clone()).await;
    assert_eq!((status, code(&body)), (403, "insufficient_role"), "{body}");

    for (bad, field) in [
        (
            json!({"canned_replies": [{"title": "X", "body": "Hei {fornavnet}"}]}),
            "canned_replies[0].body",
        ),
        (
            json!({"tags": [{"name": "A", "colour": "teal"}, {"name": "a", "colour": "red"}]}),
            "tags[1].name",
        ),
        (
            json!({"tags": [{"name": "Ny\u{0007}", "colour": "teal"}]}),
            "tags[0].name",
        ),
        (
            json!({"views": [{"name": "X", "query": "dealership_id=1"}]}),
            "views[0].query",
        ),
        (
            json!({"tags": [{"id": "0190d4a2-0000-7000-8000-000000000000", "name": "X", "colour": "teal"}]}),
            "tags[0].id",
        ),
    ] {
        let (status, body) = app.patch("/api/inbox-setup", &manager, bad).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(
            body["error"]["details"]["fields"][0]["field"], field,
            "{body}"
        );
    }

    let (status, saved) = app.patch("/api/inbox-setup", &manager, setup).await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["tags"].as_array().unwrap().len(), 2);
    let (_, read) = app.get("/api/inbox-setup", &rep).await;
    assert_eq!(read, saved);
    let (_, theirs) = app.get("/api/inbox-setup", &bergen).await;
    assert!(theirs["tags"].as_array().unwrap().is_empty(), "{theirs}");

    // Renaming keeps the id; the change is audited by list, not by value.
    let id = saved["tags"][0]["id"].clone();
    let (status, renamed) = app
        .patch(
            "/api/inbox-setup",
            &manager,
            json!({"tags": [{"id": id, "name": "Innbytte ønsket", "colour": "orange"}]}),
        )
        .await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["tags"][0]["id"], id);
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (_, audit) = app.get("/api/audit", &admin).await;
    let entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "inbox_setup.updated")
        .expect("audited");
    assert_eq!(entry["details"]["lists"], json!(["tags"]));
    assert!(
        !audit.to_string().contains("Innbytte"),
        "no values in the log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn canned_reply_fields_are_filled_per_lead_and_never_sent_as_braces() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let bergen = app.token(BERGEN, Role::SalesRep).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Åse Bråten", "customer_email": "ase@example.no", "vehicle_interest": "Škoda Enyaq"}),
        )
        .await;
    let id = lead["id"].as_str().unwrap();
    let (status, fields) = app
        .get(&format!("/api/leads/{id}/reply-fields"), &rep)
        .await;
    assert_eq!(status, 200, "{fields}");
    let me = app.user(DRAMMEN, Role::SalesRep).await;
    assert_eq!(fields["values"]["fornavn"], "Åse");
    assert_eq!(fields["values"]["bil"], "Škoda Enyaq");
    assert_eq!(fields["values"]["selger"], me.name.clone().unwrap());
    assert!(fields["values"]["forhandler"].as_str().unwrap().len() > 2);
    assert!(
        fields["values"]["åpningstider"]
            .as_str()
            .unwrap()
            .contains("mandag"),
        "{fields}"
    );
    // A lead with no name has no {fornavn}: null, for the reply box to stop.
    let nameless = app
        .post_lead(&rep, json!({"customer_email": "anonym@example.no"}))
        .await;
    let (_, empty) = app
        .get(
            &format!(
                "/api/leads/{}/reply-fields",
                nameless["id"].as_str().unwrap()
            ),
            &rep,
        )
        .await;
    assert!(empty["values"]["fornavn"].is_null(), "{empty}");
    // Another dealership's lead is not found.
    let (status, _) = app
        .get(&format!("/api/leads/{id}/reply-fields"), &bergen)
        .await;
    assert_eq!(status, 404);

    // A field left in braces is refused, and nothing is sent.
    let (status, body) = app
        .post(
            &format!("/api/leads/{id}/replies"),
            &rep,
            json!({"channel": "email", "text": "Hei {fornavn}! Velkommen innom."}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("{fornavn}"), "{body}");
    let (_, timeline) = app
        .get(&format!("/api/leads/{id}/conversations"), &rep)
        .await;
    assert!(
        !timeline.to_string().contains("Velkommen innom"),
        "nothing stored"
    );
    // Braces that are no field are the rep's own text.
    let (status, body) = app
        .post(
            &format!("/api/leads/{id}/replies"),
            &rep,
            json!({"channel": "email", "text": "Hei Åse! Pris {ca. 300 000} kr."}),
        )
        .await;
    assert_eq!(status, 202, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bulk_actions_and_tags_stay_inside_the_dealership() {
    let app = TestApp::spawn().await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let bergen = app.token(BERGEN, Role::Manager).await;
    let (_, setup) = app
        .patch(
            "/api/inbox-setup",
            &manager,
            json!({"tags": [{"name": "Varm", "colour": "red"}]}),
        )
        .await;
    let tag = setup["tags"][0]["id"].as_str().unwrap().to_string();
    let mut ids = Vec::new();
    for i in 0..3 {
        let lead = app
            .post_lead(&rep, json!({"customer_email": format!("k{i}@example.no")}))
            .await;
        ids.push(lead["id"].as_str().unwrap().to_string());
    }
    // Bergen names Drammen's leads and Drammen's tag: nothing happens.
    let (status, body) = app
        .post(
            "/api/leads/bulk",
            &bergen,
            json!({"lead_ids": ids, "action": {"kind": "set_status", "status": "lost"}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["not_found"], 3, "{body}");
    assert_eq!(body["changed"], 0);
    let (status, body) = app
        .post(
            "/api/leads/bulk",
            &bergen,
            json!({"filter": {}, "action": {"kind": "add_tag", "tag_id": tag}}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // Drammen tags them all by filter; the rows carry tag and clock.
    let (status, body) = app
        .post(
            "/api/leads/bulk",
            &rep,
            json!({"filter": {"status": "new"}, "action": {"kind": "add_tag", "tag_id": tag}}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["changed"].as_u64().unwrap() >= 3, "{body}");
    let (_, page) = app
        .get(&format!("/api/leads?tag={tag}&limit=100"), &rep)
        .await;
    let rows = page["items"].as_array().unwrap();
    for id in &ids {
        let row = rows.iter().find(|r| r["id"] == *id).expect("tagged");
        assert_eq!(row["tags"], json!([tag]));
        assert!(row.get("response_clock").is_some(), "{row}");
    }
    // Malformed requests: both or neither of ids and filter; an unknown action.
    for bad in [
        json!({"action": {"kind": "set_status", "status": "won"}}),
        json!({"lead_ids": [], "filter": {}, "action": {"kind": "set_status", "status": "won"}}),
        json!({"lead_ids": [], "action": {"kind": "delete"}}),
    ] {
        let (status, body) = app.post("/api/leads/bulk", &rep, bad).await;
        assert!(status == 422 || status == 400, "{status} {body}");
    }
    // One lead's tags: only the dealership's own.
    let (status, body) = app
        .patch(
            &format!("/api/leads/{}", ids[0]),
            &rep,
            json!({"tags": ["0190d4a2-0000-7000-8000-000000000000"]}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = app
        .patch(&format!("/api/leads/{}", ids[0]), &rep, json!({"tags": []}))
        .await;
    assert_eq!((status, body["tags"].clone()), (200, json!([])));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_keeps_their_own_views_away_flag_and_email_choices() {
    let app = TestApp::spawn().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, me) = app
        .patch(
            "/api/me",
            &rep,
            json!({
                "away": true,
                "views": [{"name": "Mine varme", "query": "assigned=me&sort=oldest"}],
                "notification_preferences": {
                    "new_lead_email": true, "new_lead_sms": false, "daily_summary": false,
                    "customer_reply_email": false, "escalation_email": true
                }
            }),
        )
        .await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["away"], true);
    assert_eq!(me["views"][0]["name"], "Mine varme");
    assert_eq!(
        me["notification_preferences"]["customer_reply_email"],
        false
    );
    let (_, read) = app.get("/api/me", &rep).await;
    assert_eq!(read["user"]["views"], me["views"]);
    // Someone else's fields are not the user's to set.
    for bad in [
        json!({"role": "admin"}),
        json!({"views": [{"name": "X", "query": "status=new&status=won"}]}),
        json!({"views": [{"name": "", "query": ""}]}),
    ] {
        let (status, body) = app.patch("/api/me", &rep, bad).await;
        assert_eq!(status, 422, "{body}");
    }
}
