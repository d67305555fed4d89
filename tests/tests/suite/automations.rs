//! Follow-up rules end to end on the local platform: a customer who does
//! not answer gets one reminder at the right Oslo time and the rep hears
//! later; a reply or an opt-out stops the sequence; running the job twice,
//! or twice at once, sends nothing twice; round robin shares parallel leads
//! fairly; rules are validated, scoped to their dealership, and their dry
//! run sends nothing.

use chrono::{DateTime, Duration, Utc};
use norvalt_core::automation::StopReason;
use norvalt_core::model::{Channel, LeadSource, NewLead, NewRule};
use norvalt_core::outbound::suppression;
use norvalt_core::queue::QueueName;
use norvalt_core::service::automation::RunReport;
use norvalt_core::service::automation::triggers::{self, Event};
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_core::{Role, TenantId};
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

const ALL: [QueueName; 3] = [QueueName::Capture, QueueName::Ai, QueueName::Send];

/// The platform with its schedules off: the tests run the job themselves,
/// at the instants they choose.
async fn app() -> TestApp {
    TestApp::spawn_with(|p| {
        p.imap_poll_interval = None;
        p.followups_interval = None;
    })
    .await
}

async fn tenant(app: &TestApp, slug: &str) -> TenantId {
    find_by_slug(&app.platform.stores, slug)
        .await
        .unwrap()
        .unwrap()
        .0
}

async fn post_form(app: &TestApp, key: &str, form: Value) {
    let (_, dealership) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let response = app
        .http
        .post(app.url(&format!("/webhooks/form/{}", dealership.form_key)))
        .header("idempotency-key", key)
        .json(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
}

fn eirik() -> Value {
    json!({
        "name": "Eirik Solberg",
        "email": "eirik.solberg@example.no",
        "vehicle_interest": "Volkswagen ID.Buzz",
        "message": "Er ID.Buzz i grått ledig?",
        "consent": true
    })
}

/// Outbox files whose names start with `prefix`, sorted.
fn outbox(app: &TestApp, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(app.platform.outbox.dir())
        .map(|d| d.filter_map(Result::ok).collect())
        .unwrap_or_default();
    files.retain(|e| e.file_name().to_string_lossy().starts_with(prefix));
    files.sort_by_key(|e| e.file_name());
    files
        .iter()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn sms_lines(app: &TestApp) -> Vec<Value> {
    std::fs::read_to_string(app.platform.outbox.dir().join("sms.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

async fn run(app: &TestApp, at: DateTime<Utc>) -> RunReport {
    let report = app.platform.follow_up_runner().run_due(at).await.unwrap();
    app.drain(&ALL).await;
    report
}

async fn only_lead(app: &TestApp) -> Value {
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?limit=10", &token).await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    items[0].clone()
}

fn time(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time"))
        .unwrap()
        .to_utc()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_answer_for_a_day_brings_one_reminder_and_then_the_rep() {
    let app = app().await;
    post_form(&app, "oppfolging-1", eirik()).await;
    app.drain(&ALL).await;
    assert_eq!(outbox(&app, "send").len(), 1, "the first reply");
    let lead = only_lead(&app).await;
    let sent = time(&lead["first_response_at"]);

    // The demo rule waits 24 hours after our last message.
    assert_eq!(run(&app, sent + Duration::hours(23)).await.ran, 0);
    assert_eq!(outbox(&app, "send").len(), 1);

    // Due: two runs at once (an overlapping schedule) act once between them.
    let at = sent + Duration::hours(24) + Duration::minutes(1);
    let runner = app.platform.follow_up_runner();
    let (a, b) = tokio::join!(runner.run_due(at), runner.run_due(at));
    app.drain(&ALL).await;
    assert_eq!(a.unwrap().ran + b.unwrap().ran, 1);
    let sends = outbox(&app, "send");
    assert_eq!(sends.len(), 2, "one reminder");
    let parsed: Vec<_> = sends
        .iter()
        .map(|(_, raw)| mail_parser::MessageParser::default().parse(raw).unwrap())
        .collect();
    let reminder = parsed
        .iter()
        .find(|m| m.subject() == Some("Volkswagen ID.Buzz – fortsatt interessert?"))
        .expect("the reminder, with the template's subject");
    let body = reminder.body_text(0).unwrap();
    assert!(body.starts_with("Hei Eirik!"), "{body}");
    assert!(
        body.contains("er interessert i Volkswagen ID.Buzz"),
        "{body}"
    );

    // A retried or repeated run sends nothing more.
    assert_eq!(run(&app, at).await.ran, 0);
    assert_eq!(outbox(&app, "send").len(), 2);
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, messages) = app
        .get(
            &format!("/api/leads/{}/conversations", lead["id"].as_str().unwrap()),
            &token,
        )
        .await;
    let senders: Vec<&str> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["sender"].as_str().unwrap())
        .collect();
    assert_eq!(senders, ["Eirik Solberg", "AI", "Automatisk oppfølging"]);

    // Two days after the reminder the team is asked to call.
    assert!(
        outbox(&app, "notify")
            .iter()
            .all(|(n, _)| !n.contains("_auto_"))
    );
    assert_eq!(run(&app, at + Duration::days(2)).await.ran, 1);
    let notices: Vec<_> = outbox(&app, "notify")
        .into_iter()
        .filter(|(n, _)| n.contains("_auto_"))
        .collect();
    assert!(!notices.is_empty());
    let notice = mail_parser::MessageParser::default()
        .parse(&notices[0].1)
        .unwrap();
    assert_eq!(
        notice.subject(),
        Some("Oppfølging (Ingen svar etter 24 timer (e-post)): Eirik Solberg – Volkswagen ID.Buzz")
    );
    assert!(
        notice
            .body_text(0)
            .unwrap()
            .contains("Kunden har ikke svart på tre dager")
    );
    // The sequence is over.
    assert_eq!(
        run(&app, at + Duration::days(30)).await,
        RunReport::default()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_reply_or_an_opt_out_stops_the_sequence() {
    let app = app().await;
    post_form(&app, "svar-stopper", eirik()).await;
    let mut kari = eirik();
    kari["name"] = json!("Kari Nordmann");
    kari["email"] = json!("kari.nordmann@example.no");
    post_form(&app, "optout-stopper", kari).await;
    app.drain(&ALL).await;
    let first = outbox(&app, "send");
    assert_eq!(first.len(), 2);

    // Eirik answers our reply by email.
    let eirik_mail = first
        .iter()
        .map(|(_, raw)| mail_parser::MessageParser::default().parse(raw).unwrap())
        .find(|m| {
            m.to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a.starts_with("eirik"))
        })
        .unwrap();
    let reply_to = eirik_mail
        .reply_to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap()
        .to_string();
    let answer = format!(
        "From: Eirik Solberg <eirik.solberg@example.no>\r\nTo: {reply_to}\r\nSubject: Re: Volkswagen ID.Buzz\r\n\
         Message-ID: <svar-stopper@example.no>\r\nIn-Reply-To: <{}>\r\nDate: Wed, 25 Nov 2026 12:00:00 +0100\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\nTorsdag passer fint.\r\n",
        eirik_mail.message_id().unwrap()
    );
    norvalt_local::ingest::ingest_email(&app.platform, answer.as_bytes(), None)
        .await
        .unwrap();
    // Kari unsubscribes from email.
    let t = tenant(&app, DRAMMEN).await;
    suppression::suppress(
        &app.platform.stores,
        &t,
        Channel::Email,
        "kari.nordmann@example.no",
        "unsubscribed",
        norvalt_core::time::now(),
    )
    .await
    .unwrap();
    app.drain(&ALL).await;

    let report = run(&app, norvalt_core::time::now() + Duration::hours(25)).await;
    assert_eq!((report.ran, report.stopped), (0, 2), "{report:?}");
    assert_eq!(outbox(&app, "send").len(), 2, "no reminders");
    let mut reasons = Vec::new();
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?limit=10", &token).await;
    for lead in page["items"].as_array().unwrap() {
        let id = lead["id"].as_str().unwrap().parse().unwrap();
        for f in app
            .platform
            .stores
            .follow_ups
            .list_lead_follow_ups(&t, id)
            .await
            .unwrap()
        {
            reasons.push(f.stopped.unwrap().reason);
        }
    }
    reasons.sort_by_key(|r| format!("{r:?}"));
    assert_eq!(reasons, [StopReason::CustomerReplied, StopReason::OptedOut]);
}

/// The job at chosen instants on the service level: an SMS step due on a
/// Sunday evening in the week the clocks go back waits for Monday 08:00
/// Oslo time, and goes once.
#[tokio::test(flavor = "multi_thread")]
async fn an_sms_step_waits_for_monday_morning_across_the_dst_change() {
    let app = app().await;
    let stores = &app.platform.stores;
    let t = tenant(&app, DRAMMEN).await;
    let mut dealership = stores
        .dealerships
        .get_dealership(&t)
        .await
        .unwrap()
        .unwrap();
    dealership.reply.sms_enabled = true;
    stores
        .dealerships
        .update_dealership(&t, &dealership)
        .await
        .unwrap();
    let created = time(&json!("2026-10-24T19:30:00Z")); // Saturday 21:30 CEST
    let rule: NewRule = serde_json::from_value(json!({
        "name": "Dagen etter",
        "trigger": {"type": "new_lead"},
        "conditions": {"has_phone": true},
        "steps": [{"delay_minutes": 1440, "action": {"type": "send_sms",
            "template": "Hei {fornavn}! Vil du prøvekjøre {bil}? Hilsen {forhandler}"}}]
    }))
    .unwrap();
    let rule = rule.into_rule(t.dealership_id(), &[], created).unwrap();
    stores.rules.insert_rule(&t, &rule).await.unwrap();
    let lead = NewLead {
        customer_name: Some("Åse Bråten".into()),
        customer_phone: Some("+4791234567".into()),
        vehicle_interest: Some("Toyota bZ4X".into()),
        ..Default::default()
    }
    .into_lead(t.dealership_id(), LeadSource::Manual, created)
    .unwrap();
    stores.leads.insert_lead(&t, &lead).await.unwrap();
    triggers::fire(stores, &t, &lead, Event::NewLead, created, created)
        .await
        .unwrap();

    // 24 h later is Sunday 20:30 CET: not on a Sunday.
    assert_eq!(run(&app, time(&json!("2026-10-25T19:31:00Z"))).await.ran, 0);
    // Monday 07:59 CET is still before the SMS hours.
    assert_eq!(run(&app, time(&json!("2026-10-26T06:59:00Z"))).await.ran, 0);
    assert!(sms_lines(&app).is_empty());
    // Monday 08:00 CET = 07:00 UTC.
    assert_eq!(run(&app, time(&json!("2026-10-26T07:00:00Z"))).await.ran, 1);
    assert_eq!(run(&app, time(&json!("2026-10-26T07:05:00Z"))).await.ran, 0);
    let sms = sms_lines(&app);
    assert_eq!(sms.len(), 1, "{sms:?}");
    assert_eq!(sms[0]["to"], "+4791234567");
    let body = sms[0]["body"].as_str().unwrap();
    assert!(
        body.starts_with("Hei Åse! Vil du prøvekjøre Toyota bZ4X? Hilsen Bilsenteret Drammen"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn round_robin_shares_parallel_leads_fairly_and_tells_each_rep() {
    let app = app().await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let (status, rule) = app
        .post(
            "/api/automations",
            &manager,
            json!({"name": "Fordel nye leads", "trigger": {"type": "new_lead"},
                   "steps": [{"delay_minutes": 0, "action": {"type": "assign", "to": {"mode": "round_robin"}}}]}),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    let posts = (0..12).map(|i| {
        let app = &app;
        async move {
            post_form(
                app,
                &format!("rr-{i}"),
                json!({"name": format!("Kunde {i}"), "email": format!("kunde{i}@example.no"),
                       "vehicle_interest": "Skoda Enyaq", "consent": true}),
            )
            .await
        }
    });
    futures_util::future::join_all(posts).await;
    app.drain(&ALL).await;

    let (_, page) = app.get("/api/leads?limit=50", &manager).await;
    let leads = page["items"].as_array().unwrap();
    assert_eq!(leads.len(), 12);
    let t = tenant(&app, DRAMMEN).await;
    let users = app.platform.stores.users.list_users(&t).await.unwrap();
    let reps: Vec<_> = users.iter().filter(|u| u.role == Role::SalesRep).collect();
    assert_eq!(reps.len(), 2);
    for rep in &reps {
        let theirs = leads
            .iter()
            .filter(|l| l["assigned_to"] == rep.id.to_string())
            .count();
        assert_eq!(theirs, 6, "{} got {theirs} of 12", rep.email);
        let told = outbox(&app, "notify")
            .iter()
            .filter(|(n, _)| n.contains(&format!("_assigned_{}_", rep.id)))
            .count();
        assert_eq!(
            told, 6,
            "each assignment is announced once to {}",
            rep.email
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rules_are_validated_scoped_and_their_dry_run_sends_nothing() {
    let app = app().await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let bergen = app.token(BERGEN, Role::Admin).await;
    let good = json!({
        "name": "Tilbud etter tre dager",
        "trigger": {"type": "time_based", "status": "contacted", "days": 3},
        "steps": [
            {"delay_minutes": 0, "action": {"type": "send_email", "template": {
                "subject": "Tilbud på {bil}", "body": "Hei {fornavn}!\n\nVil du ha et tilbud på {bil}?"}}},
            {"delay_minutes": 60, "action": {"type": "send_email"}},
            {"delay_minutes": 0, "action": {"type": "set_status", "status": "qualified"}}
        ]
    });

    let (status, body) = app.post("/api/automations", &rep, good.clone()).await;
    assert_eq!((status, code(&body)), (403, "insufficient_role"));
    let (status, body) = app
        .post(
            "/api/automations",
            &manager,
            json!({"name": "", "trigger": {"type": "no_response", "hours": 0},
                   "steps": [{"delay_minutes": 0, "action": {"type": "send_sms", "template": "Hei {kundenr}"}}]}),
        )
        .await;
    assert_eq!((status, code(&body)), (422, "validation_failed"), "{body}");
    let fields: Vec<&str> = body["error"]["details"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["name", "trigger.hours", "steps[0].action.template"]
    );
    let (status, body) = app
        .post(
            "/api/automations",
            &manager,
            json!({"name": "x", "trigger": {"type": "whenever"}, "steps": []}),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    let (status, rule) = app.post("/api/automations", &manager, good).await;
    assert_eq!(status, 201, "{rule}");
    let id = rule["id"].as_str().unwrap();
    let (_, list) = app.get("/api/automations", &rep).await;
    assert_eq!(
        list.as_array().unwrap().len(),
        3,
        "two demo rules and this one"
    );

    // Another dealership: 404 on every route, and its rule list is its own.
    for (status, body) in [
        app.get(&format!("/api/automations/{id}"), &bergen).await,
        app.patch(
            &format!("/api/automations/{id}"),
            &bergen,
            json!({"is_active": false}),
        )
        .await,
        app.delete(&format!("/api/automations/{id}"), &bergen).await,
    ] {
        assert_eq!((status, code(&body)), (404, "rule_not_found"));
    }
    let (_, theirs) = app.get("/api/automations", &bergen).await;
    assert!(theirs.as_array().unwrap().iter().all(|r| r["id"] != id));

    // The dry run on a lead.
    let lead = app
        .post_lead(
            &manager,
            json!({"customer_name": "Kari Nordmann", "customer_email": "kari@example.no",
                   "vehicle_interest": "Toyota bZ4X"}),
        )
        .await;
    let lead_id = lead["id"].as_str().unwrap();
    let before = std::fs::read_dir(app.platform.outbox.dir())
        .map(|d| d.count())
        .unwrap_or(0);
    let (status, run) = app
        .post(
            &format!("/api/automations/{id}/test"),
            &manager,
            json!({"lead_id": lead_id}),
        )
        .await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["conditions_match"], true);
    assert_eq!(run["would_stop"], "status_changed", "the lead is still new");
    let steps = run["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    let first = time(&steps[0]["due_at"]);
    let armed = time(&run["armed_at"]);
    assert_eq!(first, armed + Duration::days(3));
    assert!(
        steps[0]["due_at_oslo"]
            .as_str()
            .unwrap()
            .ends_with("+01:00")
    );
    assert_eq!(steps[0]["subject"], "Tilbud på Toyota bZ4X");
    assert!(
        steps[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Hei Kari!")
    );
    assert_eq!(steps[0]["written_by"], "template");
    assert_eq!(time(&steps[1]["due_at"]), first + Duration::minutes(60));
    assert_eq!(
        steps[1]["written_by"], "fallback",
        "no model configured here"
    );
    assert!(
        steps[1]["message"]
            .as_str()
            .unwrap()
            .contains("er interessert i Toyota bZ4X")
    );
    assert_eq!(steps[2]["action"], "set_status");
    assert!(steps[2]["message"].is_null());
    app.settle().await;
    let after = std::fs::read_dir(app.platform.outbox.dir())
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(before, after, "a dry run sends nothing");
    let (_, conversation) = app
        .get(&format!("/api/leads/{lead_id}/conversations"), &manager)
        .await;
    assert!(conversation["items"].as_array().unwrap().is_empty());
    // Another dealership's lead is not found for this rule.
    let theirs = app
        .post_lead(&bergen, json!({"customer_email": "ola@example.no"}))
        .await;
    let (status, body) = app
        .post(
            &format!("/api/automations/{id}/test"),
            &manager,
            json!({"lead_id": theirs["id"]}),
        )
        .await;
    assert_eq!((status, code(&body)), (404, "lead_not_found"));

    // Off, then gone.
    let (status, off) = app
        .patch(
            &format!("/api/automations/{id}"),
            &manager,
            json!({"is_active": false}),
        )
        .await;
    assert_eq!((status, off["is_active"].clone()), (200, json!(false)));
    assert_eq!(off["version"], 2);
    let (status, _) = app
        .delete(&format!("/api/automations/{id}"), &manager)
        .await;
    assert_eq!(status, 204);
    let (status, _) = app.get(&format!("/api/automations/{id}"), &manager).await;
    assert_eq!(status, 404);
}

/// A step without a template goes through the reply engine (here its
/// template fallback: no model is configured) and is sent once, however
/// often its ai job is delivered.
#[tokio::test(flavor = "multi_thread")]
async fn an_ai_written_follow_up_is_written_and_sent_once() {
    use norvalt_core::jobs::{Delivery, JobHandler};
    let app = app().await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let (status, rule) = app
        .post(
            "/api/automations",
            &manager,
            json!({"name": "Etter en time", "trigger": {"type": "no_response", "hours": 1},
                   "steps": [{"delay_minutes": 0, "action": {"type": "send_email"}}]}),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    post_form(&app, "ai-oppfolging", eirik()).await;
    app.drain(&ALL).await;
    let lead = only_lead(&app).await;
    let sent = time(&lead["first_response_at"]);
    let report = run(&app, sent + Duration::minutes(61)).await;
    assert_eq!(report.ran, 1, "only the one-hour rule is due: {report:?}");
    let sends = outbox(&app, "send");
    assert_eq!(sends.len(), 2);
    let (_, messages) = app
        .get(
            &format!("/api/leads/{}/conversations", lead["id"].as_str().unwrap()),
            &manager,
        )
        .await;
    let follow_up = messages["items"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(follow_up["sender"], "Automatisk oppfølging");
    assert_eq!(follow_up["metadata"]["fallback"], true);
    assert_eq!(follow_up["metadata"]["automation"]["rule_id"], rule["id"]);
    assert!(
        follow_up["message_content"]
            .as_str()
            .unwrap()
            .contains("er interessert i Volkswagen ID.Buzz")
    );

    // The same ai job delivered again: no new message, no new send.
    let envelope = norvalt_core::jobs::Envelope::write_follow_up(
        tenant(&app, DRAMMEN).await.dealership_id(),
        "again",
        norvalt_core::jobs::FollowUpWrite {
            lead_id: lead["id"].as_str().unwrap().parse().unwrap(),
            rule_id: rule["id"].as_str().unwrap().parse().unwrap(),
            step: 0,
            message_id: follow_up["id"].as_str().unwrap().parse().unwrap(),
            channel: Channel::Email,
        },
        norvalt_core::time::now(),
    );
    let delivery = Delivery {
        id: "again".into(),
        body: serde_json::to_string(&envelope).unwrap(),
        receive_count: 2,
    };
    assert_eq!(app.platform.responder().handle(&delivery).await, Ok(()));
    app.drain(&ALL).await;
    assert_eq!(outbox(&app, "send").len(), 2);
    let (_, messages) = app
        .get(
            &format!("/api/leads/{}/conversations", lead["id"].as_str().unwrap()),
            &manager,
        )
        .await;
    assert_eq!(messages["items"].as_array().unwrap().len(), 3);
}
