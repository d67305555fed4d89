//! Capture that never refuses or loses a real lead, and never lets one
//! customer's post redirect another's replies: Norwegian numbers that begin
//! with 47, one bad field beside a usable contact, mail-header injection
//! through the form, and contact takeover through a merge.

use norvalt_core::Role;
use norvalt_core::queue::QueueName;
use norvalt_tests::{DRAMMEN, TestApp, code};
use serde_json::{Value, json};

async fn post_form(app: &TestApp, body: Value) -> (u16, Value) {
    let key = app.form_key(DRAMMEN).await;
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/form/{key}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// Every lead of the dealership, after the queues have run dry.
async fn all_leads(app: &TestApp) -> Vec<Value> {
    app.drain(&QueueName::ALL).await;
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, page) = app.get("/api/leads?limit=100", &token).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

fn lead_named<'a>(leads: &'a [Value], name: &str) -> &'a Value {
    let found: Vec<&Value> = leads
        .iter()
        .filter(|l| l["customer_name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "one lead named {name}: {leads:?}");
    found[0]
}

#[tokio::test(flavor = "multi_thread")]
async fn mobiles_that_begin_with_47_are_leads() {
    let app = TestApp::spawn().await;
    let cases = [
        ("Kunde A", "47 65 43 21", "+4747654321"),
        ("Kunde B", "476 54 320", "+4747654320"),
        ("Kunde C", "4712 3456", "+4747123456"),
        ("Kunde D", "+47 478 12 345", "+4747812345"),
        ("Kunde E", "0047 47 11 22 33", "+4747112233"),
    ];
    for (name, phone, _) in cases {
        // Different customers: one lead each, not merged by number.
        let (status, body) = post_form(&app, json!({"name": name, "phone": phone})).await;
        assert_eq!(status, 202, "{phone}: {body}");
    }
    let leads = all_leads(&app).await;
    assert_eq!(leads.len(), cases.len(), "{leads:?}");
    for (name, _, e164) in cases {
        let lead = leads
            .iter()
            .find(|l| l["customer_phone"] == e164)
            .unwrap_or_else(|| panic!("{name}: no lead with {e164}"));
        assert!(
            lead["source_metadata"]["unparsed_phone"].is_null(),
            "{lead}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn one_bad_field_never_costs_the_lead() {
    let app = TestApp::spawn().await;
    let (status, body) = post_form(
        &app,
        json!({"name": "Åse Lønnå", "email": "ase@", "phone": "912 34 567",
               "source_url": "javascript:alert(1)", "message": "Har dere bZ4X?"}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let (status, body) = post_form(
        &app,
        json!({"name": "Per Ås", "email": "per@example.no", "phone": "12"}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    // Without any usable contact the post is refused, naming both fields.
    let (status, body) = post_form(
        &app,
        json!({"name": "Uten kontakt", "email": "x@", "phone": "12"}),
    )
    .await;
    assert_eq!((status, code(&body)), (422, "validation_failed"), "{body}");
    let fields: Vec<&str> = body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "phone"], "{body}");

    let leads = all_leads(&app).await;
    assert_eq!(leads.len(), 2, "{leads:?}");
    let ase = lead_named(&leads, "Åse Lønnå");
    assert_eq!(ase["customer_phone"], "+4791234567");
    assert!(ase["customer_email"].is_null());
    assert_eq!(ase["source_metadata"]["unparsed_email"], "ase@");
    assert_eq!(
        ase["source_metadata"]["unparsed_source_url"],
        "javascript:alert(1)"
    );
    let per = lead_named(&leads, "Per Ås");
    assert_eq!(per["customer_email"], "per@example.no");
    assert_eq!(per["source_metadata"]["unparsed_phone"], "12");
}

/// The review's finding: an "email" that smuggles a Bcc header. It is never
/// an address; the lead is kept by its phone, and no mail carries a Bcc.
#[tokio::test(flavor = "multi_thread")]
async fn a_header_injection_in_the_email_field_reaches_no_one() {
    let app = TestApp::spawn().await;
    let hostile = "a@evil.example>\r\nBcc: v1@x.example, v2@y.example\r\nX-J: z <k@example.no>";
    let (status, body) = post_form(&app, json!({"name": "Eva", "email": hostile})).await;
    assert_eq!((status, code(&body)), (422, "validation_failed"), "{body}");

    let (status, body) = post_form(
        &app,
        json!({"name": "Eva", "email": hostile, "phone": "48 21 19 03"}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let leads = all_leads(&app).await;
    let eva = lead_named(&leads, "Eva");
    assert!(eva["customer_email"].is_null(), "{eva}");
    assert!(
        eva["source_metadata"]["unparsed_email"]
            .as_str()
            .unwrap()
            .starts_with("a@evil.example>")
    );
    for mail in app.outbox_emails("") {
        let lower = mail.to_lowercase();
        assert!(!lower.contains("\nbcc:"), "{mail}");
        assert!(!lower.contains("v1@x.example"), "{mail}");
    }
}

/// Whoever knows a customer's phone number cannot post their own email and
/// receive that customer's replies: the merge keeps the lead's contact
/// fields, and the new address waits on the message for a rep.
#[tokio::test(flavor = "multi_thread")]
async fn a_merge_never_redirects_the_customers_replies() {
    let app = TestApp::spawn().await;
    let (status, _) = post_form(
        &app,
        json!({"name": "Kari Nordmann", "phone": "913 22 044", "message": "Er bilen ledig?"}),
    )
    .await;
    assert_eq!(status, 202);
    all_leads(&app).await;
    let (status, _) = post_form(
        &app,
        json!({"name": "Kari Nordmann", "phone": "0047 913 22 044",
               "email": "attacker@evil.example", "message": "Send svaret hit"}),
    )
    .await;
    assert_eq!(status, 202);
    let leads = all_leads(&app).await;
    assert_eq!(leads.len(), 1, "merged: {leads:?}");
    let lead = &leads[0];
    assert_eq!(lead["customer_phone"], "+4791322044");
    assert!(lead["customer_email"].is_null(), "{lead}");
    assert!(app.outbox_emails("attacker@evil.example").is_empty());

    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, convo) = app
        .get(
            &format!("/api/leads/{}/conversations", lead["id"].as_str().unwrap()),
            &token,
        )
        .await;
    let offered: Vec<&Value> = convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| !m["metadata"]["new_contact"].is_null())
        .collect();
    assert_eq!(offered.len(), 1, "{convo}");
    assert_eq!(
        offered[0]["metadata"]["new_contact"],
        json!({"email": "attacker@evil.example"})
    );
}
