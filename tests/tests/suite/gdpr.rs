//! GDPR: an admin exports everything held about a person, then erases it.
//! Afterwards the person's email, phone and name are nowhere in the data
//! dir's files, byte for byte (the SQLite file and its WAL included), nor in
//! the raw mail store or the outbox; the dealership's counts survive and
//! the person is not contacted again.

use std::path::Path;

use norvalt_core::Role;
use norvalt_core::queue::QueueName;
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

const ALL: [QueueName; 3] = [QueueName::Capture, QueueName::Ai, QueueName::Send];
const EMAIL: &str = "eirik.solberg@example.no";
const NAME: &str = "Eirik Solberg";

/// What must not survive, in every form the platform stores it.
const TRACES: [&str; 5] = [EMAIL, NAME, "+4793445566", "93445566", "93 44 55 66"];

async fn app() -> TestApp {
    TestApp::spawn_with(|p| {
        p.imap_poll_interval = None;
        p.followups_interval = None;
        p.rollup_interval = None;
    })
    .await
}

async fn post_form(app: &TestApp, key: &str) {
    let (_, dealership) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let status = app
        .http
        .post(app.url(&format!("/webhooks/form/{}", dealership.form_key)))
        .header("idempotency-key", key)
        .json(
            &json!({"name": NAME, "email": EMAIL, "phone": "93 44 55 66",
                      "vehicle_interest": "Volkswagen ID.Buzz",
                      "message": "Jeg heter Eirik Solberg og vil prøvekjøre.", "consent": true}),
        )
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 202);
}

/// Every file under `dir` whose bytes contain one of `needles`.
fn files_containing(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().filter_map(Result::ok) {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).unwrap_or_default();
            for needle in needles {
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push(format!("{} contains {needle:?}", path.display()));
                }
            }
        }
    }
    hits
}

#[tokio::test(flavor = "multi_thread")]
async fn export_then_erase_leaves_no_trace() {
    let app = app().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    post_form(&app, "gdpr-1").await;
    app.drain(&ALL).await;

    // Eirik answers by email (a raw mail is stored), and a rep adds a note.
    let (_, page) = app.get("/api/leads?limit=5", &rep).await;
    let lead = page["items"][0].clone();
    let lead_id = lead["id"].as_str().unwrap().to_string();
    let sent: Vec<_> = std::fs::read_dir(app.platform.outbox.dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("send"))
        .collect();
    let ours = std::fs::read(sent[0].path()).unwrap();
    let ours = mail_parser::MessageParser::default().parse(&ours).unwrap();
    let reply_to = ours
        .reply_to()
        .unwrap()
        .first()
        .unwrap()
        .address()
        .unwrap()
        .to_string();
    let answer = format!(
        "From: {NAME} <{EMAIL}>\r\nTo: {reply_to}\r\nSubject: Re: ID.Buzz\r\nMessage-ID: <gdpr-svar@example.no>\r\n\
         In-Reply-To: <{}>\r\nDate: Wed, 25 Nov 2026 12:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         Torsdag passer. Mvh {NAME}, tlf 93 44 55 66\r\n",
        ours.message_id().unwrap()
    );
    norvalt_local::ingest::ingest_email(&app.platform, answer.as_bytes(), None)
        .await
        .unwrap();
    let (status, _) = app
        .post(
            &format!("/api/leads/{lead_id}/notes"),
            &rep,
            json!({"text": format!("{NAME} ringte, vil ha tilbud.")}),
        )
        .await;
    assert_eq!(status, 201);
    app.drain(&ALL).await;
    let data_dir = app.platform.data_dir.clone();
    assert!(
        !files_containing(&data_dir, &[EMAIL]).is_empty(),
        "the test must see the data first"
    );

    // Export: admin only, this dealership only.
    let (status, err) = app
        .get(&format!("/api/gdpr/export?email={EMAIL}"), &rep)
        .await;
    assert_eq!((status, code(&err)), (403, "insufficient_role"));
    let bergen = app.token(BERGEN, Role::Admin).await;
    let (status, theirs) = app
        .get(&format!("/api/gdpr/export?email={EMAIL}"), &bergen)
        .await;
    assert_eq!(status, 200);
    assert!(theirs["leads"].as_array().unwrap().is_empty());
    let (status, export) = app.get("/api/gdpr/export?phone=93445566", &admin).await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["email"], EMAIL);
    let record = &export["leads"][0];
    assert_eq!(record["lead"]["customer_name"], NAME);
    let kinds: Vec<&str> = record["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["channel"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"note") && kinds.len() >= 4, "{kinds:?}");
    assert_eq!(record["sends"][0]["state"], "done");
    assert!(
        !record["follow_ups"].as_array().unwrap().is_empty(),
        "the demo reminder is armed"
    );

    // Erase.
    let (status, err) = app.post("/api/gdpr/erase", &admin, json!({})).await;
    assert_eq!((status, code(&err)), (422, "validation_failed"));
    let (status, done) = app
        .post("/api/gdpr/erase", &admin, json!({"email": EMAIL}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["leads"], 1);
    assert_eq!(done["raw_mails"], 1);

    let hits = files_containing(&data_dir, &TRACES);
    assert!(hits.is_empty(), "left behind: {hits:#?}");

    // The lead is still counted, anonymised; its conversation is blank.
    let (_, lead) = app.get(&format!("/api/leads/{lead_id}"), &admin).await;
    assert!(lead["erased_at"].is_string(), "{lead}");
    assert_eq!(
        (lead["customer_name"].clone(), lead["status"].clone()),
        (Value::Null, json!("contacted"))
    );
    let (_, conv) = app
        .get(&format!("/api/leads/{lead_id}/conversations"), &admin)
        .await;
    assert!(
        conv["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["message_content"] == "[slettet]")
    );

    // The person writes again: a new lead, but nothing is sent to them.
    let sends_before = std::fs::read_dir(app.platform.outbox.dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("send"))
        .count();
    post_form(&app, "gdpr-2").await;
    app.drain(&ALL).await;
    let sends_after = std::fs::read_dir(app.platform.outbox.dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("send"))
        .count();
    assert_eq!(
        sends_before, sends_after,
        "an erased person is not contacted again"
    );

    // The audit log says what happened, not to whom.
    let (_, log) = app.get("/api/audit", &admin).await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["gdpr.erased", "gdpr.exported"]);
    assert!(!log.to_string().contains("eirik"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_id_finds_the_person_and_other_dealerships_cannot_erase_it() {
    let app = app().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let bergen = app.token(BERGEN, Role::Admin).await;
    post_form(&app, "gdpr-3").await;
    app.drain(&ALL).await;
    let (_, page) = app.get("/api/leads?limit=5", &admin).await;
    let lead_id = page["items"][0]["id"].as_str().unwrap().to_string();
    let (status, err) = app
        .post("/api/gdpr/erase", &bergen, json!({"lead_id": lead_id}))
        .await;
    assert_eq!((status, code(&err)), (404, "lead_not_found"));
    let (status, done) = app
        .post("/api/gdpr/erase", &admin, json!({"lead_id": lead_id}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["leads"], 1);
    let (_, lead) = app.get(&format!("/api/leads/{lead_id}"), &admin).await;
    assert_eq!(lead["customer_email"], Value::Null);
}

/// Local erasure removes the erasing dealership's queued and dead messages
/// that carry the person, and nothing else: not another dealership's copy
/// of the same address, not a message that merely contains the person's
/// name as a field name ("payload").
#[tokio::test(flavor = "multi_thread")]
async fn erasure_clears_only_the_dealerships_own_queued_copies() {
    use norvalt_core::queue::{DeadLetters, Queue};
    let app = app().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let drammen = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap()
        .0
        .dealership_id();
    let bergen = find_by_slug(&app.platform.stores, BERGEN)
        .await
        .unwrap()
        .unwrap()
        .0
        .dealership_id();
    // A lead whose customer is called "payload", and one dead capture of
    // each kind to be told apart.
    app.post_lead(
        &rep,
        json!({"customer_name": "payload", "customer_email": "payload@example.no"}),
    )
    .await;
    let queues = &app.platform.queues;
    let theirs = json!({"dealership_id": bergen, "capture": {"lead": {"customer_email": "payload@example.no"}}});
    let unrelated = json!({"dealership_id": drammen, "payload": {"customer_name": "Ola Nordmann"}});
    let the_persons = json!({"dealership_id": drammen, "capture": {"lead": {"customer_name": "payload", "customer_email": "payload@example.no"}}});
    for body in [&theirs, &unrelated, &the_persons] {
        queues
            .dead_letter(QueueName::Capture, &body.to_string(), "kept for review")
            .await
            .unwrap();
    }
    let (status, done) = app
        .post(
            "/api/gdpr/erase",
            &admin,
            json!({"email": "payload@example.no"}),
        )
        .await;
    assert_eq!(status, 200, "{done}");
    let left: Vec<Value> = queues
        .list(QueueName::Capture, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| serde_json::from_str(&d.body).unwrap())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
    assert!(left.contains(&theirs), "another dealership's copy survives");
    assert!(
        left.contains(&unrelated),
        "a field named payload is not the person"
    );
}

/// Erasure reaches the raw mail of every inquiry, merged ones too; and what
/// was received before the erasure (a redriven dead letter, a late retry)
/// cannot bring the person back, while the person writing again later is
/// a new lead.
#[tokio::test(flavor = "multi_thread")]
async fn erased_people_stay_erased_and_every_raw_mail_goes() {
    use norvalt_core::capture::sources::RawMailStore;
    use norvalt_core::capture::{Capture, CaptureEnvelope, FormCapture, IdempotencyKey};
    use norvalt_core::queue::Queue;
    let app = app().await;
    let admin = app.token(DRAMMEN, Role::Admin).await;
    let key = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap()
        .1
        .form_key;
    // Two importer mails from the same customer: one lead, two raw mails.
    let mail = |n: u32| {
        format!(
            "From: Toyota Norge <no-reply@toyota.no>\r\nTo: leads@bilsenteret-drammen.norvalt.no\r\n\
             Subject: Ny henvendelse\r\nMessage-ID: <gdpr-{n}@toyota.no>\r\n\r\n\
             Navn: {NAME}\r\nE-post: {EMAIL}\r\nTelefon: 93 44 55 66\r\nModell: bZ4X\r\n"
        )
    };
    for n in 1..=2 {
        let raw = mail(n);
        let mail_key = format!("inbound/gdpr-{n}");
        app.platform
            .mail
            .put_mail(&mail_key, raw.as_bytes())
            .await
            .unwrap();
        let envelope = CaptureEnvelope::for_mail(
            raw.as_bytes(),
            mail_key,
            norvalt_core::capture::MailVia::Cli,
            Some(DRAMMEN.into()),
            Vec::new(),
            norvalt_core::time::now(),
        );
        app.platform
            .queues
            .send(QueueName::Capture, &envelope.to_json())
            .await
            .unwrap();
        app.drain(&ALL).await;
    }
    let (_, page) = app.get("/api/leads?limit=10", &admin).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "merged: {page}");

    // A form post made before the erasure, still on its way.
    let before = norvalt_core::time::now();
    let candidate = norvalt_core::capture::LeadCandidate {
        customer_name: Some(NAME.into()),
        customer_email: Some(EMAIL.into()),
        ..Default::default()
    };
    let late = CaptureEnvelope::new(
        None,
        IdempotencyKey::form(&key, "late-retry"),
        "trace".into(),
        before,
        Capture::Form(FormCapture {
            form_key: key.clone(),
            capture_id: uuid::Uuid::new_v4(),
            lead: candidate,
        }),
    );

    let (status, done) = app
        .post("/api/gdpr/erase", &admin, json!({"email": EMAIL}))
        .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["raw_mails"], 2, "{done}");
    for n in 1..=2 {
        let left = app
            .platform
            .mail
            .get_mail(&format!("inbound/gdpr-{n}"))
            .await
            .unwrap();
        assert!(left.is_none(), "raw mail {n} survived");
    }

    app.platform
        .queues
        .send(QueueName::Capture, &late.to_json())
        .await
        .unwrap();
    app.drain(&ALL).await;
    let (_, page) = app.get(&format!("/api/leads?search={EMAIL}"), &admin).await;
    assert!(page["items"].as_array().unwrap().is_empty(), "{page}");

    // The person comes back on their own: a new lead.
    post_form(&app, "gdpr-comes-back").await;
    app.drain(&ALL).await;
    let (_, page) = app.get(&format!("/api/leads?search={EMAIL}"), &admin).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
}
