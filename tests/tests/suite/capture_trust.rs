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

/// SES delivers by the SMTP envelope; the headers are the sender's to write.
/// A mail addressed (envelope) to Bergen whose To: names Drammen is Bergen's,
/// and a mail that claims Toyota but fails DMARC waits for a person.
#[tokio::test(flavor = "multi_thread")]
async fn ses_mail_is_routed_by_its_envelope_and_a_forged_importer_waits_for_review() {
    use norvalt_core::capture::sources::RawMailStore;
    use norvalt_core::capture::{Capture, CaptureEnvelope, MailAuth, MailVia};
    use norvalt_core::queue::Queue;
    use norvalt_core::service::provisioning::find_by_slug;
    use norvalt_tests::BERGEN;
    let app = TestApp::spawn().await;
    let bergen_inbound = find_by_slug(&app.platform.stores, BERGEN)
        .await
        .unwrap()
        .unwrap()
        .1
        .inbound_email;
    let original = norvalt_tests::fixture("emails/toyota-no-contact-request.eml");
    for (n, dmarc) in [(1, "FAIL"), (2, "PASS")] {
        // The fixture's To: is Drammen's lead address; its own Message-ID each.
        let raw = String::from_utf8(original.clone()).unwrap().replace(
            "20261116094105.7f3a9c@toyota.no",
            &format!("ses-{n}@toyota.no"),
        );
        let key = format!("inbound/ses-{n}");
        app.platform
            .mail
            .put_mail(&key, raw.as_bytes())
            .await
            .unwrap();
        let mut envelope = CaptureEnvelope::for_mail(
            raw.as_bytes(),
            key,
            MailVia::Ses,
            None,
            vec![bergen_inbound.clone()],
            norvalt_core::time::now(),
        );
        if let Capture::Email(e) = &mut envelope.job {
            e.auth = Some(MailAuth {
                spf: Some("PASS".into()),
                dkim: Some(dmarc.into()),
                dmarc: Some(dmarc.into()),
            });
        }
        app.platform
            .queues
            .send(QueueName::Capture, &envelope.to_json())
            .await
            .unwrap();
    }
    app.drain(&QueueName::ALL).await;
    assert!(all_leads(&app).await.is_empty(), "nothing reaches Drammen");
    let token = app.token(BERGEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?limit=10", &token).await;
    let leads = page["items"].as_array().unwrap();
    assert_eq!(leads.len(), 2, "{page}");
    let by_capture = |id: &str| {
        leads
            .iter()
            .find(|l| l["source_metadata"]["capture"] == format!("email:{id}@toyota.no"))
            .unwrap()
    };
    let genuine = by_capture("ses-2");
    assert_ne!(genuine["status"], "needs_review", "{genuine}");
    let forged = by_capture("ses-1");
    assert_eq!(forged["status"], "needs_review", "{forged}");
    assert!(
        forged["source_metadata"]["review_reason"]
            .as_str()
            .unwrap()
            .contains("DMARC"),
        "{forged}"
    );
    assert_eq!(
        forged["source_metadata"]["mail_auth"],
        "spf=PASS dkim=FAIL dmarc=FAIL"
    );
}

/// The form's rate limit counts the address AWS saw (`sourceIp`), never
/// the `X-Forwarded-For` a client writes itself; and a form has a budget of
/// its own, so many addresses together cannot flood one dealership.
#[tokio::test(flavor = "multi_thread")]
async fn the_rate_limit_keys_on_the_address_aws_saw_and_on_the_form() {
    use tower::ServiceExt;
    let app = TestApp::spawn_with(|p| {
        p.form_rate_limit = 2;
        p.form_key_rate_limit = 4;
    })
    .await;
    let key = app.form_key(DRAMMEN).await;
    let router = norvalt_http::webhooks::with_client_ip(
        norvalt_http::assemble(
            norvalt_http::webhooks::form::router(),
            app.platform.capture_state(),
        ),
        norvalt_aws::lambda::source_ip,
    );
    let sample = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../events/webhook-form.json"
    ))
    .unwrap()
    .replace("FORM_KEY", &key);
    let post = |n: usize, source_ip: &str, forwarded_for: &str| {
        let mut event: Value = serde_json::from_str(&sample).unwrap();
        event["headers"]["idempotency-key"] = json!(format!("rate-{n}"));
        event["headers"]["x-forwarded-for"] = json!(forwarded_for);
        event["requestContext"]["http"]["sourceIp"] = json!(source_ip);
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).to_string())
        }
    };
    // One client rotating X-Forwarded-For is still one client.
    assert_eq!(post(1, "198.51.100.7", "10.0.0.1").await.0, 202);
    assert_eq!(post(2, "198.51.100.7", "10.0.0.2").await.0, 202);
    let (status, body) = post(3, "198.51.100.7", "10.0.0.3").await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("from this address"), "{body}");
    // Other addresses share the form's budget of 4.
    assert_eq!(post(4, "198.51.100.8", "198.51.100.8").await.0, 202);
    assert_eq!(post(5, "198.51.100.9", "198.51.100.9").await.0, 202);
    let (status, body) = post(6, "198.51.100.10", "198.51.100.10").await;
    assert_eq!(status, 429, "{body}");
    assert!(body.contains("to this form"), "{body}");
}
