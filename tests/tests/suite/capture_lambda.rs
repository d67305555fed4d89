//! The capture functions on their `events/` samples, and the AWS capture
//! adapters (SQS, S3, Secrets Manager, the SES handler) on moto server.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_lambda_events::event::ses::SimpleEmailEvent;
use aws_lambda_events::event::sqs::SqsEvent;
use http::StatusCode;
use lambda_http::request::from_str;
use norvalt_aws::lambda::{SesInbound, SesOutcome};
use norvalt_aws::s3mail::S3Mail;
use norvalt_aws::secrets::SecretsManager;
use norvalt_aws::sqs::{QueueUrls, SqsQueues};
use norvalt_core::capture::CaptureEnvelope;
use norvalt_core::capture::sources::{RawMailStore, SecretStore, SourceError};
use norvalt_core::queue::{DeadLetters, Queue, QueueName};
use norvalt_core::service::intake::{Intake, IntakeConfig};
use norvalt_http::webhooks::{self, FacebookWebhook};
use norvalt_tests::fakes::{MemoryQueue, Nothing};
use norvalt_tests::{DRAMMEN, TestApp, fixture};
use serde_json::Value;
use tower::ServiceExt;

fn event(name: &str) -> String {
    std::fs::read_to_string(format!("{}/../events/{name}", env!("CARGO_MANIFEST_DIR")))
        .expect("event sample")
}

async fn form_key(app: &TestApp) -> String {
    norvalt_core::service::provisioning::find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap()
        .1
        .form_key
}

async fn call(service: axum::Router, raw: &str) -> (StatusCode, Value, http::HeaderMap) {
    let request = from_str(raw).expect("a valid function URL event");
    let response = service.oneshot(request).await.expect("infallible");
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into())),
        headers,
    )
}

#[tokio::test]
async fn webhook_form_answers_its_sample_event() {
    let app = TestApp::spawn().await;
    let raw = event("webhook-form.json").replace("FORM_KEY", &form_key(&app).await);
    let service = norvalt_http::assemble(webhooks::form::router(), app.platform.capture_state());
    let (status, body, headers) = call(service.clone(), &raw).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://www.bilsenteret-drammen.no"
    );
    // The same event again (a retry): the same capture id.
    let (_, again, _) = call(service, &raw).await;
    assert_eq!(again["capture_id"], body["capture_id"]);
}

#[tokio::test]
async fn webhook_facebook_answers_its_sample_events() {
    let app = TestApp::spawn_with(|p| {
        p.facebook = Some(Arc::new(FacebookWebhook {
            app_secret: b"app-secret".to_vec(),
            verify_token: "VERIFY-TOKEN".into(),
        }))
    })
    .await;
    let service =
        norvalt_http::assemble(webhooks::facebook::router(), app.platform.capture_state());
    let (status, body, _) = call(service.clone(), &event("webhook-facebook-verify.json")).await;
    assert_eq!(
        (status, body.to_string()),
        (StatusCode::OK, "1158201444".to_string())
    );

    let raw = event("webhook-facebook.json");
    let body_text = serde_json::from_str::<Value>(&raw).unwrap()["body"]
        .as_str()
        .unwrap()
        .to_string();
    let signed = raw.replace(
        "SIGNATURE-BY-TEST",
        &norvalt_core::capture::facebook::sign(b"app-secret", body_text.as_bytes()),
    );
    let (status, answer, _) = call(service.clone(), &signed).await;
    assert_eq!(
        (status, answer["enqueued"].as_i64()),
        (StatusCode::OK, Some(1))
    );
    let (status, _, _) = call(service, &raw.replace("SIGNATURE-BY-TEST", "sha256=00")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A raw-mail store that is down: intake must ask for another delivery.
struct Down;

#[async_trait]
impl RawMailStore for Down {
    async fn put_mail(&self, _: &str, _: &[u8]) -> Result<(), SourceError> {
        Err(SourceError("down".into()))
    }
    async fn get_mail(&self, _: &str) -> Result<Option<Vec<u8>>, SourceError> {
        Err(SourceError("S3 is unavailable".into()))
    }
    async fn delete_mail(&self, _: &str) -> Result<(), SourceError> {
        Err(SourceError("S3 is unavailable".into()))
    }
}

#[tokio::test]
async fn lead_intake_answers_its_sample_event_with_partial_failures() {
    let app = TestApp::spawn().await;
    let queue = Arc::new(MemoryQueue::default());
    let intake = Intake {
        stores: app.platform.stores.clone(),
        queue: queue.clone(),
        mail: Arc::new(Down),
        secrets: Arc::new(Nothing),
        lead_ads: Arc::new(Nothing),
        config: IntakeConfig::default(),
    };
    let mut sqs: SqsEvent =
        serde_json::from_str(&event("lead-intake.json").replace("FORM_KEY", &form_key(&app).await))
            .unwrap();
    // A third message whose raw mail cannot be read right now.
    let mut mail_record = sqs.records[0].clone();
    mail_record.message_id = Some("mail-1".into());
    mail_record.body = Some(
        CaptureEnvelope::for_mail(
            b"x",
            "inbound/x".into(),
            norvalt_core::capture::MailVia::Ses,
            None,
            vec![],
            chrono::Utc::now(),
        )
        .to_json(),
    );
    sqs.records.push(mail_record);

    let response =
        norvalt_aws::lambda::sqs_batch(queue.as_ref(), QueueName::Capture, &intake, sqs.clone())
            .await;
    let failed: Vec<_> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    assert_eq!(
        failed,
        ["mail-1"],
        "only the retryable message goes back to SQS"
    );
    let dead = queue.dead.lock().unwrap().clone();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].2.contains("malformed"), "{:?}", dead[0]);
    assert_eq!(
        queue.sent_to(QueueName::Ai).len(),
        1,
        "the new lead asks for its first reply"
    );

    // SQS delivers the batch again: still one lead.
    norvalt_aws::lambda::sqs_batch(queue.as_ref(), QueueName::Capture, &intake, sqs).await;
    let token = app.token(DRAMMEN, norvalt_core::Role::SalesRep).await;
    let (_, page) = app.get("/api/leads?search=eirik", &token).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

// ---- AWS adapters on moto ----

async fn queues(config: &aws_config::SdkConfig) -> (SqsQueues, aws_sdk_sqs::Client, QueueUrls) {
    let client = aws_sdk_sqs::Client::new(config);
    let name = uuid::Uuid::new_v4().simple().to_string();
    let create = |n: String| {
        let client = client.clone();
        async move {
            client
                .create_queue()
                .queue_name(n)
                .send()
                .await
                .unwrap()
                .queue_url
                .unwrap()
        }
    };
    let urls = QueueUrls {
        queue: create(format!("capture-{name}")).await,
        dlq: create(format!("capture-dlq-{name}")).await,
    };
    let sqs = SqsQueues::new(
        client.clone(),
        HashMap::from([(QueueName::Capture, urls.clone())]),
    );
    (sqs, client, urls)
}

async fn bucket(config: &aws_config::SdkConfig) -> (S3Mail, aws_sdk_s3::Client, String) {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build(),
    );
    let name = format!("mail-{}", uuid::Uuid::new_v4().simple());
    s3.create_bucket()
        .bucket(&name)
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuNorth1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    (S3Mail::new(s3.clone(), name.clone()), s3, name)
}

async fn receive_all(client: &aws_sdk_sqs::Client, url: &str) -> Vec<String> {
    let out = client
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    out.messages
        .unwrap_or_default()
        .into_iter()
        .map(|m| m.body.unwrap())
        .collect()
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
async fn sqs_queues_send_dead_letter_and_redrive() {
    let config = norvalt_tests::moto::config().await;
    let (sqs, client, urls) = queues(&config).await;
    sqs.send(QueueName::Capture, "første").await.unwrap();
    assert_eq!(receive_all(&client, &urls.queue).await, ["første"]);
    sqs.dead_letter(
        QueueName::Capture,
        "{\"broken\": true}",
        "malformed capture envelope",
    )
    .await
    .unwrap();
    let listed = sqs.list(QueueName::Capture, 10).await.unwrap();
    assert_eq!(listed.len(), 1, "listing leaves the message where it is");
    assert_eq!(
        listed[0].reason.as_deref(),
        Some("malformed capture envelope")
    );
    assert_eq!(sqs.list(QueueName::Capture, 10).await.unwrap().len(), 1);
    let shown = sqs
        .show(QueueName::Capture, &listed[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shown.body, "{\"broken\": true}");
    assert_eq!(
        sqs.redrive(QueueName::Capture, Some(&listed[0].id))
            .await
            .unwrap(),
        1
    );
    assert!(sqs.list(QueueName::Capture, 10).await.unwrap().is_empty());
    assert_eq!(
        receive_all(&client, &urls.queue).await,
        ["{\"broken\": true}"]
    );
    assert!(
        sqs.send(QueueName::Ai, "x").await.is_err(),
        "an unconfigured queue is an error, not a silent drop"
    );
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
async fn s3_mail_and_secrets_manager() {
    let config = norvalt_tests::moto::config().await;
    let (mail, _, _) = bucket(&config).await;
    mail.put_mail("imap/abc.eml", b"From: a@b.no\r\n\r\nHei")
        .await
        .unwrap();
    assert_eq!(
        mail.get_mail("imap/abc.eml").await.unwrap().unwrap(),
        b"From: a@b.no\r\n\r\nHei"
    );
    assert!(mail.get_mail("imap/none.eml").await.unwrap().is_none());
    assert_eq!(
        mail.quarantine("imap/abc.eml").await.unwrap(),
        "quarantine/imap/abc.eml"
    );
    assert!(mail.get_mail("imap/abc.eml").await.unwrap().is_none());

    let client = aws_sdk_secretsmanager::Client::new(&config);
    let prefix = format!("norvalt-{}/", uuid::Uuid::new_v4().simple());
    client
        .create_secret()
        .name(format!("{prefix}facebook/page/1"))
        .secret_string("page-token")
        .send()
        .await
        .unwrap();
    let secrets = SecretsManager::new(client, prefix.clone());
    assert_eq!(
        secrets.secret("facebook/page/1").await.unwrap().as_deref(),
        Some("page-token")
    );
    assert_eq!(secrets.secret("facebook/page/2").await.unwrap(), None);

    // The operator CLI writes: a new secret, then a new version of it.
    use norvalt_core::capture::sources::SecretWriter;
    secrets.put_secret("imap/skien", "første").await.unwrap();
    secrets.put_secret("imap/skien", "andre").await.unwrap();
    let cold_start =
        || SecretsManager::new(aws_sdk_secretsmanager::Client::new(&config), prefix.clone());
    let fresh = cold_start();
    assert_eq!(
        fresh.secret("imap/skien").await.unwrap().as_deref(),
        Some("andre"),
        "a cold start reads the newest version"
    );

    // A disconnected page's token is gone for good, and deleting twice is fine.
    secrets.delete_secret("imap/skien").await.unwrap();
    secrets.delete_secret("imap/skien").await.unwrap();
    assert_eq!(secrets.secret("imap/skien").await.unwrap(), None);
    assert_eq!(cold_start().secret("imap/skien").await.unwrap(), None);
    let fresh = cold_start();

    // The cursor key and the Clerk signing secret come from the secret store.
    assert!(norvalt_aws::secrets::cursor_key(&fresh).await.is_err());
    let generated = "Zk3Lq9TnV2wXy8Rb4Hc6Jd1Mf5Gp0Sa7Ue3Wi9Oo2Kr6Yt8Nv4Bx1Cz5Dm7Ef0Gh";
    secrets.put_secret("cursor-key", generated).await.unwrap();
    secrets
        .put_secret("clerk/webhook-signing-secret", "whsec_dGVzdA==")
        .await
        .unwrap();
    assert_eq!(
        norvalt_aws::secrets::cursor_key(&fresh).await.unwrap(),
        norvalt_core::pagination::CursorCodec::key_from_secret(generated).unwrap()
    );
    assert_eq!(
        norvalt_aws::secrets::clerk_webhook_secret(&fresh)
            .await
            .unwrap(),
        "whsec_dGVzdA=="
    );
}

#[tokio::test]
#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
async fn email_inbound_enqueues_clean_mail_and_quarantines_spam() {
    let config = norvalt_tests::moto::config().await;
    let (mail, _, _) = bucket(&config).await;
    let (sqs, client, urls) = queues(&config).await;
    let raw = fixture("emails/toyota-no-contact-request.eml");
    let ses: SimpleEmailEvent = serde_json::from_str(&event("email-inbound.json")).unwrap();
    let message_id = ses.records[0].ses.mail.message_id.clone().unwrap();
    mail.put_mail(&format!("inbound/{message_id}"), &raw)
        .await
        .unwrap();
    let inbound = SesInbound {
        mail: mail.clone(),
        queue: Box::new(sqs),
        prefix: "inbound/".into(),
    };

    // The envelope decides, not the headers (`mail.destination`).
    let mut ses = ses;
    ses.records[0].ses.mail.destination = vec!["leads@fjord-bil-bergen.norvalt.no".into()];
    let outcome = inbound.handle(ses.clone()).await.unwrap();
    assert_eq!(
        outcome,
        [SesOutcome::Enqueued {
            mail_key: format!("inbound/{message_id}")
        }]
    );
    let bodies = receive_all(&client, &urls.queue).await;
    let envelope: CaptureEnvelope = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(
        envelope.idempotency_key,
        "email:20261116094105.7f3a9c@toyota.no"
    );
    let json: Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(json["payload"]["via"], "ses");
    assert_eq!(
        json["payload"]["recipients"],
        serde_json::json!(["leads@bilsenteret-drammen.norvalt.no"])
    );
    assert_eq!(
        json["payload"]["auth"],
        serde_json::json!({"spf": "PASS", "dkim": "PASS", "dmarc": "PASS"})
    );

    let mut spam = ses;
    spam.records[0].ses.receipt.spam_verdict.status = Some("FAIL".into());
    let outcome = inbound.handle(spam).await.unwrap();
    assert!(matches!(&outcome[0], SesOutcome::Quarantined { verdict, .. } if verdict == "spam"));
    assert!(
        receive_all(&client, &urls.queue).await.is_empty(),
        "spam is not enqueued"
    );
    assert!(
        mail.get_mail(&format!("quarantine/inbound/{message_id}"))
            .await
            .unwrap()
            .is_some()
    );
}

/// `imap-poller` as the Lambda wires it: registry and cursor in DynamoDB,
/// password in Secrets Manager, raw mail to S3, envelopes to SQS — against
/// moto and a real Dovecot.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto and Dovecot: scripts/test starts them and runs ignored tests"]
async fn imap_poller_on_the_aws_adapters() {
    use norvalt_core::capture::mailbox::imap_password_secret;
    use norvalt_core::model::dealership::ImapAccount;
    use norvalt_core::model::dealership::NewDealership;
    use norvalt_core::service::mailbox_poll::{MailboxPoller, PollLimits};
    use norvalt_core::service::provisioning::{self, PlatformSettings};

    let config = norvalt_tests::moto::config().await;
    let dovecot = norvalt_tests::dovecot::Dovecot::from_env();
    let dynamo = aws_sdk_dynamodb::Client::new(&config);
    let table = format!("imap-{}", uuid::Uuid::new_v4().simple());
    norvalt_aws::dynamodb::ensure_table(&dynamo, &table)
        .await
        .unwrap();
    let stores =
        norvalt_core::Stores::from_adapter(Arc::new(norvalt_aws::DynamoStore::new(dynamo, table)));
    let (tenant, mut dealership) = provisioning::create_dealership(
        &stores,
        &PlatformSettings::default(),
        NewDealership {
            name: "Bil i Skien".into(),
            slug: "bil-i-skien".into(),
            email: "post@bil-i-skien.no".into(),
            phone: None,
            address: None,
            clerk_org_id: None,
            subscription_tier: None,
            opening_hours: None,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let secrets_client = aws_sdk_secretsmanager::Client::new(&config);
    let prefix = format!("norvalt-{}/", uuid::Uuid::new_v4().simple());
    secrets_client
        .create_secret()
        .name(format!("{prefix}{}", imap_password_secret("bil-i-skien")))
        .secret_string(norvalt_tests::dovecot::PASSWORD)
        .send()
        .await
        .unwrap();
    let mailbox = dovecot.new_mailbox("norvalt").await;
    dealership.capture.imap = Some(ImapAccount {
        host: "127.0.0.1".into(),
        port: dovecot.port,
        tls: false,
        username: "norvalt".into(),
        password_secret: imap_password_secret("bil-i-skien"),
        mailbox: mailbox.clone(),
    });
    stores
        .dealerships
        .update_dealership(&tenant, &dealership)
        .await
        .unwrap();
    stores
        .mailboxes
        .set_mailbox_polled(&tenant, true)
        .await
        .unwrap();
    dovecot
        .append("norvalt", &mailbox, &fixture("emails/vw-no-test-drive.eml"))
        .await;

    let (sqs, sqs_client, urls) = queues(&config).await;
    let (mail, _, _) = bucket(&config).await;
    let poller = MailboxPoller {
        stores: stores.clone(),
        queue: Arc::new(sqs),
        mail: Arc::new(mail.clone()),
        secrets: Arc::new(SecretsManager::new(secrets_client, prefix)),
        // The test's Dovecot is on loopback, which the cloud poller refuses.
        connector: Arc::new(
            norvalt_imap::ImapConnector::new()
                .unwrap()
                .allow_private_hosts(true),
        ),
        limits: PollLimits::default(),
    };
    let reports = poller.poll_all().await;
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].error, None, "{reports:?}");
    assert_eq!(reports[0].enqueued, 1);

    let bodies = receive_all(&sqs_client, &urls.queue).await;
    assert_eq!(bodies.len(), 1);
    let envelope: CaptureEnvelope = serde_json::from_str(&bodies[0]).unwrap();
    let norvalt_core::capture::Capture::Email(email) = &envelope.job else {
        panic!("{envelope:?}")
    };
    assert_eq!(email.dealership_slug.as_deref(), Some("bil-i-skien"));
    assert!(email.mail_key.starts_with("imap/"), "{}", email.mail_key);
    // IMAP hands mail out with CRLF line ends; otherwise byte for byte.
    let stored = mail.get_mail(&email.mail_key).await.unwrap().unwrap();
    let without_cr = |b: &[u8]| {
        b.iter()
            .copied()
            .filter(|&c| c != b'\r')
            .collect::<Vec<u8>>()
    };
    assert!(
        without_cr(&stored) == without_cr(&fixture("emails/vw-no-test-drive.eml")),
        "the raw mail in S3 is the mail in the mailbox"
    );
    let cursor = stores
        .mailboxes
        .get_mailbox_cursor(&tenant)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cursor.last_uid, 1);
    assert_eq!(poller.poll_all().await[0].enqueued, 0);
}
