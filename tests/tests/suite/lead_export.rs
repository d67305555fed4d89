//! Leads out as CSV: a range and filter, with conversations, streamed over
//! several pages, safe to open in Excel, and only the dealership's own.

use chrono::Duration;
use norvalt_core::Role;
use norvalt_core::model::{LeadSource, NewLead};
use norvalt_core::service::provisioning;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp};
use serde_json::json;

async fn export(app: &TestApp, role: Role, query: &str) -> (u16, String) {
    let token = app.token(DRAMMEN, role).await;
    let resp = app
        .http
        .get(app.url(&format!("/api/leads/export.csv{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    if status == 200 {
        assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
        assert!(
            resp.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"leads-")
        );
    }
    (status, resp.text().await.unwrap())
}

fn rows(csv_text: &str, delimiter: u8) -> Vec<Vec<String>> {
    let body = csv_text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

#[tokio::test]
async fn a_range_of_leads_streams_over_pages_with_their_conversations() {
    let app = TestApp::spawn().await;
    let (tenant, dealership) = provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    // 450 leads last month: more than two pages of 200.
    let start = norvalt_core::time::now() - Duration::days(40);
    for i in 0..450 {
        let at = start + Duration::minutes(i);
        let mut lead = NewLead {
            customer_name: Some(format!("Kunde {i} Ødegård")),
            customer_email: Some(format!("kunde{i}@example.no")),
            ..Default::default()
        }
        .into_lead(dealership.id, LeadSource::Website, at)
        .unwrap();
        lead.id = norvalt_core::LeadId::new_at(at);
        if i == 7 {
            lead.initial_message = Some("=HYPERLINK(\"https://evil.example\")".into());
        }
        app.platform
            .stores
            .leads
            .insert_lead(&tenant, &lead)
            .await
            .unwrap();
    }
    let after = (start - Duration::minutes(1)).to_rfc3339();
    let before = (start + Duration::minutes(450)).to_rfc3339();
    let q = format!(
        "?created_after={}&created_before={}",
        urlencode(&after),
        urlencode(&before)
    );
    let (status, body) = export(&app, Role::Manager, &q).await;
    assert_eq!(status, 200, "{body}");
    let all = rows(&body, b';');
    assert_eq!(all[0][..5], ["id", "opprettet", "kilde", "status", "navn"]);
    assert_eq!(all.len(), 1 + 450);
    let names: std::collections::BTreeSet<&str> = all[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(names.len(), 450, "each lead once");
    assert!(names.contains("Kunde 449 Ødegård"));
    let evil = all.iter().find(|r| r[4] == "Kunde 7 Ødegård").unwrap();
    assert_eq!(
        evil[8], "'=HYPERLINK(\"https://evil.example\")",
        "a formula is text"
    );

    // A rep's reply and the conversation column, comma-separated.
    let rep = app.token(DRAMMEN, Role::Admin).await;
    let lead = app
        .post_lead(
            &rep,
            json!({"customer_name": "Siri Samtale", "customer_email": "siri@example.no"}),
        )
        .await;
    let (status, _) = app
        .post(
            &format!("/api/leads/{}/notes", lead["id"].as_str().unwrap()),
            &rep,
            json!({"text": "Ringte, vil ha prøvekjøring"}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, body) = export(
        &app,
        Role::Admin,
        "?conversation=true&delimiter=comma&source=manual",
    )
    .await;
    let all = rows(&body, b',');
    assert_eq!(all[0].last().unwrap(), "samtale");
    let siri = all.iter().find(|r| r[4] == "Siri Samtale").unwrap();
    assert!(
        siri.last()
            .unwrap()
            .contains("Notat: Ringte, vil ha prøvekjøring"),
        "{siri:?}"
    );
}

#[tokio::test]
async fn only_managers_export_and_only_their_own_dealership_s_leads() {
    let app = TestApp::spawn().await;
    let (status, _) = export(&app, Role::SalesRep, "").await;
    assert_eq!(status, 403);
    let bergen = app.token(BERGEN, Role::Admin).await;
    app.post_lead(
        &bergen,
        json!({"customer_name": "Bergen Kunde", "customer_email": "b@example.no"}),
    )
    .await;
    let (status, body) = export(&app, Role::Admin, "").await;
    assert_eq!(status, 200);
    assert!(!body.contains("Bergen Kunde"));
    let (status, _) = export(&app, Role::Admin, "?delimiter=tab").await;
    assert_eq!(status, 422);
}

fn urlencode(s: &str) -> String {
    s.replace('+', "%2B").replace(':', "%3A")
}
