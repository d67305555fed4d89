//! Each new lead as an ADF email to the dealer system's import address:
//! a website lead, the event scan, the send queue, and the mail in the
//! outbox read back by our own ADF parser to the same lead, once.

use mail_parser::MessageParser;
use norvalt_core::Role;
use norvalt_core::capture::email::adf;
use norvalt_tests::{DRAMMEN, TestApp, code, fixture};
use serde_json::json;

const DMS: &str = "import@dms.bilsenteret-drammen.no";

async fn scan(app: &TestApp) {
    app.settle().await;
    app.platform
        .event_scan()
        .run(norvalt_core::time::now(), "test")
        .await
        .unwrap();
    app.settle().await;
}

/// The plain-text bodies of the outbox's mails to the dealer system.
fn adf_mails(app: &TestApp) -> Vec<String> {
    app.outbox_files(|_| true)
        .into_iter()
        .filter_map(|(_, raw)| {
            let mail = MessageParser::default().parse(&raw)?;
            let to_dms = mail
                .to()
                .and_then(|to| to.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a == DMS);
            to_dms.then(|| mail.body_text(0).unwrap_or_default().into_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_new_lead_reaches_the_dealer_system_as_adf_once() {
    let app = TestApp::spawn_with(|p| p.event_scan_interval = None).await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let (status, err) = app
        .patch(
            "/api/dealership",
            &admin,
            json!({"adf_email": "ikke en adresse"}),
        )
        .await;
    assert_eq!((status, code(&err)), (422, "validation_failed"), "{err}");
    let (status, body) = app
        .patch("/api/dealership", &admin, json!({"adf_email": DMS}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["dealership"]["adf_email"], DMS);

    let key = norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap()
        .1
        .form_key;
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/form/{key}")))
        .header("content-type", "application/json")
        .body(fixture("forms/website-form.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    scan(&app).await;
    // Scanned again: nothing more.
    scan(&app).await;

    let mails = adf_mails(&app);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    let lead = adf::parse(&mails[0]).unwrap_or_else(|| panic!("not ADF:\n{}", mails[0]));
    assert_eq!(lead.customer_name.as_deref(), Some("Eirik Solberg"));
    assert_eq!(
        lead.customer_email.as_deref(),
        Some("eirik.solberg@example.no")
    );
    assert_eq!(lead.customer_phone.as_deref(), Some("+4793445566"));
    assert_eq!(lead.vehicle_interest.as_deref(), Some("Volkswagen ID.Buzz"));
    assert!(
        lead.message
            .as_deref()
            .unwrap()
            .starts_with("Hei, er ID.Buzz i grått")
    );
    assert_eq!(lead.metadata["vendor"], "Bilsenteret Drammen");

    // Turned off: the next lead is not sent.
    let (status, _) = app
        .patch("/api/dealership", &admin, json!({"adf_email": null}))
        .await;
    assert_eq!(status, 200);
    let resp = app
        .http
        .post(app.url(&format!("/webhooks/form/{key}")))
        .header("content-type", "application/json")
        .body(r#"{"name":"Siri Dahl","email":"siri@example.no","consent":true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    scan(&app).await;
    assert_eq!(adf_mails(&app).len(), 1);
}
