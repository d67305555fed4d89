//! Booking end to end on the local platform: a customer who asks for a
//! test drive at a time gets it booked (confirmation by email with the
//! `.ics`, the rep told, the lead handed to them), or the nearest free
//! times when it is taken; the booking page lists, books once and
//! cancels, behind a signed link.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveTime;
use mail_parser::MimeHeaders;
use norvalt_core::Role;
use norvalt_core::ai::ReplyModel;
use norvalt_core::booking::when;
use norvalt_core::model::dealership::OpeningHours;
use norvalt_core::outbound::links::booking_token;
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_http::anthropic::AnthropicClient;
use norvalt_tests::claude::TurnClaude;
use norvalt_tests::{DRAMMEN, TestApp};
use serde_json::{Value, json};

/// A platform whose Drammen dealership is open every day 07–22 (so any
/// Thursday 17:00 is bookable) and lets the AI answer.
async fn app() -> (TestApp, TurnClaude) {
    let (mock, url) = TurnClaude::start(
        "Hei Kari! Takk for at du tok kontakt med Bilsenteret Drammen om Toyota bZ4X. Vil du komme på en prøvetur?",
    )
    .await;
    let app = TestApp::spawn_with(move |p| {
        p.model =
            Some(Arc::new(AnthropicClient::new(&url, "k", "claude-test")) as Arc<dyn ReplyModel>);
        p.model_budget = Duration::from_secs(4);
        p.analysis_delay_secs = 0;
        p.imap_poll_interval = None;
    })
    .await;
    let stores = &app.platform.stores;
    let (tenant, mut d) = find_by_slug(stores, DRAMMEN).await.unwrap().unwrap();
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    d.opening_hours = OpeningHours::every_day(t(7), t(22));
    d.conversation.mode = norvalt_core::model::ConversationMode::Auto;
    stores
        .dealerships
        .update_dealership(&tenant, &d)
        .await
        .unwrap();
    (app, mock)
}

async fn lead(app: &TestApp, email: &str) -> Value {
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    app.post_lead(
        &token,
        json!({"customer_name": "Kari Nordmann", "customer_email": email, "vehicle_interest": "Toyota bZ4X"}),
    )
    .await
}

/// The customer's email answer, as if it came through SES or IMAP.
async fn customer_writes(app: &TestApp, lead_id: &str, text: &str) {
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    // Logged as the customer's inbound message, then the turn is asked for
    // as intake would: the same job intake enqueues.
    let (status, message) = app
        .post(
            "/api/conversations",
            &rep,
            json!({"lead_id": lead_id, "channel": "email", "direction": "inbound",
                   "sender_type": "customer", "message_content": text}),
        )
        .await;
    assert_eq!(status, 201, "{message}");
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    norvalt_core::jobs::Envelope::conversation_turn(
        tenant.dealership_id(),
        lead_id.parse().unwrap(),
        message["id"].as_str().unwrap().parse().unwrap(),
        "test",
        chrono::Utc::now(),
    )
    .enqueue(&app.platform.queues)
    .await
    .unwrap();
    app.settle().await;
}

fn mails_with_subject(app: &TestApp, prefix: &str) -> Vec<mail_parser::Message<'static>> {
    app.outbox_files(|_| true)
        .into_iter()
        .filter_map(|(_, raw)| {
            let mail = mail_parser::MessageParser::default()
                .parse(&raw)?
                .into_owned();
            mail.subject()?.starts_with(prefix).then_some(mail)
        })
        .collect()
}

fn thursday_17() -> chrono::DateTime<chrono::Utc> {
    when::read("torsdag kl 17", chrono::Utc::now())
        .expect("the reader knows the phrase")
        .earliest()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_free_time_is_booked_confirmed_with_an_ics_and_given_to_the_rep() {
    let (app, mock) = app().await;
    let lead = lead(&app, "kari@example.no").await;
    let id = lead["id"].as_str().unwrap();
    mock.answer_with(json!({
        "reply": "Hei Kari! Torsdag kl. 17 passer fint.", "intent": "booking_time",
        "needs_human": false,
        "proposed_time": thursday_17().with_timezone(&chrono_tz::Europe::Oslo).format("%Y-%m-%dT%H:%M").to_string()
    }));
    customer_writes(&app, id, "Kan jeg prøvekjøre torsdag kl 17?").await;

    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, appointments) = app
        .get(&format!("/api/leads/{id}/appointments"), &rep)
        .await;
    let items = appointments["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{appointments}");
    assert_eq!(
        items[0]["start"],
        json!(thursday_17()),
        "Thursday 17:00 Oslo time"
    );
    assert_eq!(items[0]["booked_by"], "ai");
    assert_eq!(items[0]["kind"], "test_drive");

    // One confirmation to the customer, with the calendar entry.
    let confirmations = mails_with_subject(&app, "Bekreftet: Prøvekjøring");
    assert_eq!(confirmations.len(), 1);
    let mail = &confirmations[0];
    let text = mail.body_text(0).unwrap();
    assert!(text.contains("Du er booket til prøvekjøring"), "{text}");
    assert!(
        text.contains("/book/"),
        "a link to change or cancel: {text}"
    );
    let ics = mail
        .attachments()
        .find(|a| a.is_content_type("text", "calendar"))
        .expect("an .ics attachment");
    let ics = String::from_utf8_lossy(ics.contents()).into_owned();
    let local = thursday_17().with_timezone(&chrono_tz::Europe::Oslo);
    assert!(
        ics.contains(&format!(
            "DTSTART;TZID=Europe/Oslo:{}",
            local.format("%Y%m%dT170000")
        )),
        "{ics}"
    );
    assert!(ics.contains("BEGIN:VTIMEZONE"), "{ics}");

    // The rep is told, and the lead is theirs now.
    assert_eq!(mails_with_subject(&app, "Avtale booket").len(), 1);
    let (_, lead) = app.get(&format!("/api/leads/{id}"), &rep).await;
    assert_eq!(lead["handover"]["reason"], "appointment", "{lead}");
    // No second message from the AI: the confirmation was the answer.
    let (_, convo) = app
        .get(&format!("/api/leads/{id}/conversations"), &rep)
        .await;
    let to_customer: Vec<&Value> = convo["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "outbound")
        .collect();
    assert_eq!(to_customer.len(), 1, "{to_customer:#?}");
    assert_eq!(to_customer[0]["sender_type"], "system");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_time_gets_the_nearest_free_ones_and_the_link() {
    let (app, mock) = app().await;
    let rep = app.token(DRAMMEN, Role::Manager).await;
    // Two others have the 17:00 test drives (capacity two).
    for email in ["a@example.no", "b@example.no"] {
        let other = lead(&app, email).await;
        let (status, body) = app
            .post(
                "/api/appointments",
                &rep,
                json!({"lead_id": other["id"], "kind": "test_drive", "start": thursday_17()}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let lead = lead(&app, "kari@example.no").await;
    let id = lead["id"].as_str().unwrap();
    mock.answer_with(json!({
        "reply": "Hei Kari! Torsdag kl. 17 passer fint.", "intent": "booking_time",
        "needs_human": false
    }));
    customer_writes(&app, id, "Kan jeg prøvekjøre torsdag kl 17?").await;
    let (_, appointments) = app
        .get(&format!("/api/leads/{id}/appointments"), &rep)
        .await;
    assert!(appointments["items"].as_array().unwrap().is_empty());
    let (_, convo) = app
        .get(&format!("/api/leads/{id}/conversations"), &rep)
        .await;
    let answer = convo["items"].as_array().unwrap().last().unwrap().clone();
    let text = answer["message_content"].as_str().unwrap();
    assert!(text.contains("ikke ledig"), "{text}");
    assert!(text.contains("Disse tidene er ledige"), "{text}");
    assert!(text.contains("/book/"), "{text}");
    assert!(
        !text.contains("passer fint"),
        "the model's promise is not sent: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_booking_page_books_once_and_cancels_behind_a_signed_link() {
    let (app, _) = app().await;
    let lead = lead(&app, "kari@example.no").await;
    let id: norvalt_core::LeadId = lead["id"].as_str().unwrap().parse().unwrap();
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let token = booking_token(
        &app.platform.sender_config.link_key,
        tenant.dealership_id(),
        id,
    );

    let page = app
        .http
        .get(app.url(&format!("/book/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Prøvekjøring hos Bilsenteret Drammen"),
        "{html}"
    );
    let start = html
        .split("data-start=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a free time")
        .to_string();

    // Booked twice (a double tap): one appointment.
    let form = format!(
        "kind=test_drive&start={}",
        form_urlencoded::byte_serialize(start.as_bytes()).collect::<String>()
    );
    for _ in 0..2 {
        let booked = app
            .http
            .post(app.url(&format!("/book/{token}")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(booked.status(), 200);
        assert!(booked.text().await.unwrap().contains("Du er booket!"));
    }
    app.settle().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, appointments) = app
        .get(&format!("/api/leads/{id}/appointments"), &rep)
        .await;
    let items = appointments["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{appointments}");
    assert_eq!(items[0]["booked_by"], "customer");
    assert_eq!(mails_with_subject(&app, "Bekreftet").len(), 1);

    // A forged or another lead's token shows nothing.
    let forged = format!("{}x", &token[..token.len() - 1]);
    for bad in [forged.as_str(), "nonsense", "a.b.c"] {
        let r = app
            .http
            .get(app.url(&format!("/book/{bad}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{bad}");
    }

    // The page now shows the appointment; cancelling frees it.
    let html = app
        .http
        .get(app.url(&format!("/book/{token}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Din avtale:"), "{html}");
    let appointment = items[0]["id"].as_str().unwrap();
    let cancelled = app
        .http
        .post(app.url(&format!("/book/{token}/cancel")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("appointment={appointment}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 200);
    app.settle().await;
    let (_, after) = app
        .get(&format!("/api/leads/{id}/appointments"), &rep)
        .await;
    assert_eq!(after["items"][0]["status"], "cancelled");
    let notices = mails_with_subject(&app, "Avbestilt");
    assert_eq!(notices.len(), 1);
    let ics = notices[0]
        .attachments()
        .next()
        .map(|a| String::from_utf8_lossy(a.contents()).into_owned())
        .unwrap();
    assert!(
        ics.contains("METHOD:CANCEL") && ics.contains("SEQUENCE:1"),
        "{ics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn analytics_show_the_booked_rate_and_the_show_rate_by_source_and_rep() {
    let (app, _) = app().await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let rep = app.user(DRAMMEN, Role::SalesRep).await;
    let soon = |hours: i64| {
        let t = chrono::Utc::now() + chrono::Duration::hours(hours);
        // On the half-hour grid, inside 07–22 Oslo.
        let local = t.with_timezone(&chrono_tz::Europe::Oslo).date_naive();
        norvalt_core::booking::when::oslo_instant(local, NaiveTime::from_hms_opt(12, 0, 0).unwrap())
    };
    let mut booked = Vec::new();
    for (n, email) in ["a@example.no", "b@example.no", "c@example.no"]
        .iter()
        .enumerate()
    {
        let lead = app
            .post_lead(
                &manager,
                json!({"customer_email": email, "assigned_to": rep.id, "vehicle_interest": "Toyota bZ4X"}),
            )
            .await;
        if n < 2 {
            let (status, a) = app
                .post(
                    "/api/appointments",
                    &manager,
                    json!({"lead_id": lead["id"], "kind": "viewing", "start": soon(48 + 24 * n as i64)}),
                )
                .await;
            assert_eq!(status, 201, "{a}");
            booked.push(a);
        }
    }
    for (a, status) in booked.iter().zip(["showed", "no_show"]) {
        let (code, body) = app
            .patch(
                &format!("/api/appointments/{}", a["id"].as_str().unwrap()),
                &manager,
                json!({"status": status}),
            )
            .await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["status"], status);
    }
    app.settle().await;
    app.platform
        .rollup_job()
        .run(chrono::Utc::now())
        .await
        .unwrap();
    let (status, s) = app.get("/api/analytics/summary", &manager).await;
    assert_eq!(status, 200, "{s}");
    let b = &s["bookings"];
    assert_eq!(
        (
            b["booked"].as_u64(),
            b["showed"].as_u64(),
            b["no_show"].as_u64()
        ),
        (Some(2), Some(1), Some(1)),
        "{b}"
    );
    assert_eq!(b["show_rate"], 0.5);
    assert_eq!(b["booked_rate"], 0.6667);
    assert_eq!(b["by_source"]["manual"]["booked"], 2);
    let mine = s["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == json!(rep.id))
        .unwrap();
    assert_eq!(
        (mine["booked"].as_u64(), mine["show_rate"].as_f64()),
        (Some(2), Some(0.5)),
        "{mine}"
    );
}
