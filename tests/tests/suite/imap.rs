//! The IMAP poller against a real Dovecot (started by scripts/test): importer
//! mail in a dealership's mailbox becomes exactly one lead, whatever fails
//! or crashes in between.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use norvalt_core::Role;
use norvalt_core::capture::CaptureEnvelope;
use norvalt_core::capture::mailbox::{
    MailboxConnector, MailboxCursor, MailboxError, MailboxSession, SelectedMailbox,
    imap_password_secret,
};
use norvalt_core::model::dealership::ImapAccount;
use norvalt_core::queue::{Queue, QueueError, QueueName};
use norvalt_core::service::mailbox_poll::{MailboxPoller, MailboxReport};
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_imap::ImapConnector;
use norvalt_tests::dovecot::{Dovecot, PASSWORD};
use norvalt_tests::{BERGEN, DRAMMEN, TestApp};
use serde_json::Value;

fn fixture(name: &str) -> Vec<u8> {
    norvalt_tests::fixture(&format!("emails/{name}"))
}

/// A platform whose own poll loop is off, so each test decides when to poll.
async fn app() -> TestApp {
    TestApp::spawn_with(|p| p.imap_poll_interval = None).await
}

/// Points the dealership at `mailbox` of Dovecot user `user`.
async fn connect(app: &TestApp, dovecot: &Dovecot, slug: &str, user: &str, mailbox: &str) {
    connect_with(app, slug, user, mailbox, dovecot.port, false, PASSWORD).await;
}

async fn connect_with(
    app: &TestApp,
    slug: &str,
    user: &str,
    mailbox: &str,
    port: u16,
    tls: bool,
    password: &str,
) {
    let stores = &app.platform.stores;
    let (tenant, mut dealership) = find_by_slug(stores, slug).await.unwrap().unwrap();
    let secret = imap_password_secret(slug);
    app.platform
        .secrets
        .put_secret(&secret, password)
        .await
        .unwrap();
    dealership.capture.imap = Some(ImapAccount {
        host: if tls { "localhost" } else { "127.0.0.1" }.into(),
        port,
        tls,
        username: user.into(),
        password_secret: secret,
        mailbox: mailbox.into(),
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
}

fn poller(app: &TestApp) -> MailboxPoller {
    app.platform.mailbox_poller().unwrap()
}

async fn leads(app: &TestApp, slug: &str) -> Vec<Value> {
    app.drain(&[QueueName::Capture]).await;
    let token = app.token(slug, Role::SalesRep).await;
    let (status, page) = app.get("/api/leads?limit=100", &token).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

async fn report_for<'a>(
    reports: &'a [MailboxReport],
    app: &TestApp,
    slug: &str,
) -> &'a MailboxReport {
    let (tenant, _) = find_by_slug(&app.platform.stores, slug)
        .await
        .unwrap()
        .unwrap();
    reports
        .iter()
        .find(|r| r.dealership_id == Some(tenant.dealership_id()))
        .unwrap_or_else(|| panic!("no report for {slug}: {reports:?}"))
}

fn captured(flags: &[(u32, Vec<String>)]) -> usize {
    flags
        .iter()
        .filter(|(_, f)| f.iter().any(|f| f.contains("NorvaltCaptured")))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn importer_mail_in_the_mailbox_becomes_leads_once_and_is_marked() {
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let mailbox = dovecot.new_mailbox("drammen").await;
    connect(&app, &dovecot, DRAMMEN, "drammen", &mailbox).await;
    for name in [
        "toyota-no-contact-request.eml",
        "vw-no-test-drive.eml",
        "skoda-no-win1252-base64.eml",
        "autoreply-auto-submitted.eml",
    ] {
        dovecot.append("drammen", &mailbox, &fixture(name)).await;
    }

    let reports = poller(&app).poll_all().await;
    let report = report_for(&reports, &app, DRAMMEN).await;
    assert_eq!(report.error, None, "{report:?}");
    assert_eq!(report.enqueued, 4);
    let found = leads(&app, DRAMMEN).await;
    assert_eq!(found.len(), 3, "the auto-reply is not a lead: {found:#?}");
    assert!(found.iter().all(|l| l["source"] == "email"), "{found:#?}");
    // \Seen is left alone for the people who read the mailbox too.
    let flags = dovecot.flags("drammen", &mailbox).await;
    assert_eq!(captured(&flags), 4, "{flags:?}");
    assert!(
        flags.iter().all(|(_, f)| !f.iter().any(|f| f == "Seen")),
        "{flags:?}"
    );

    // Nothing new: nothing enqueued. A new mail: only that one.
    let again = poller(&app).poll_all().await;
    assert_eq!(report_for(&again, &app, DRAMMEN).await.enqueued, 0);
    dovecot
        .append(
            "drammen",
            &mailbox,
            &fixture("audi-no-html-only-latin1.eml"),
        )
        .await;
    let third = poller(&app).poll_all().await;
    assert_eq!(report_for(&third, &app, DRAMMEN).await.enqueued, 1);
    assert_eq!(leads(&app, DRAMMEN).await.len(), 4);
    assert!(
        leads(&app, BERGEN).await.is_empty(),
        "no lead of Drammen's mailbox reaches Bergen"
    );
}

/// A session whose STORE never returns: the poll is cut off right after the
/// envelope was enqueued, before the mail is marked or the cursor moves —
/// what a Lambda timeout or a killed process leaves behind.
struct HangsOnMark(ImapConnector);
struct HangingSession(Box<dyn MailboxSession>);

#[async_trait]
impl MailboxConnector for HangsOnMark {
    async fn open(
        &self,
        account: &ImapAccount,
        password: &str,
    ) -> Result<Box<dyn MailboxSession>, MailboxError> {
        Ok(Box::new(HangingSession(
            self.0.open(account, password).await?,
        )))
    }
}

#[async_trait]
impl MailboxSession for HangingSession {
    async fn select(&mut self, mailbox: &str) -> Result<SelectedMailbox, MailboxError> {
        self.0.select(mailbox).await
    }
    async fn uncaptured_after(&mut self, after: u32) -> Result<Vec<u32>, MailboxError> {
        self.0.uncaptured_after(after).await
    }
    async fn fetch_raw(
        &mut self,
        uid: u32,
        max_bytes: usize,
    ) -> Result<Option<Vec<u8>>, MailboxError> {
        self.0.fetch_raw(uid, max_bytes).await
    }
    async fn mark_captured(&mut self, _: u32) -> Result<(), MailboxError> {
        std::future::pending().await
    }
    async fn logout(self: Box<Self>) {}
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn a_poll_cut_off_after_enqueueing_neither_loses_nor_duplicates_the_lead() {
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let mailbox = dovecot.new_mailbox("drammen").await;
    connect(&app, &dovecot, DRAMMEN, "drammen", &mailbox).await;
    dovecot
        .append(
            "drammen",
            &mailbox,
            &fixture("toyota-no-contact-request.eml"),
        )
        .await;

    let mut cut_off = poller(&app);
    cut_off.connector = Arc::new(HangsOnMark(
        ImapConnector::new().unwrap().allow_private_hosts(true),
    ));
    let crashed = tokio::time::timeout(Duration::from_secs(2), cut_off.poll_all()).await;
    assert!(crashed.is_err(), "the poll should have hung on STORE");
    assert_eq!(captured(&dovecot.flags("drammen", &mailbox).await), 0);

    // The next poll takes the same mail again; intake knows its key.
    let reports = poller(&app).poll_all().await;
    assert_eq!(report_for(&reports, &app, DRAMMEN).await.enqueued, 1);
    assert_eq!(captured(&dovecot.flags("drammen", &mailbox).await), 1);
    let found = leads(&app, DRAMMEN).await;
    assert_eq!(found.len(), 1, "one lead, not two: {found:#?}");
    let token = app.token(DRAMMEN, Role::SalesRep).await;
    let (_, messages) = app
        .get(
            &format!(
                "/api/leads/{}/conversations",
                found[0]["id"].as_str().unwrap()
            ),
            &token,
        )
        .await;
    let inbound = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .count();
    assert_eq!(inbound, 1, "the mail is on the lead once: {messages}");
}

/// A queue that is down: nothing may be marked or passed by the cursor.
struct DownQueue {
    down: AtomicBool,
    inner: Arc<dyn Queue>,
}

#[async_trait]
impl Queue for DownQueue {
    async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(QueueError("SQS is down".into()));
        }
        self.inner.send(queue, body).await
    }
    async fn dead_letter(&self, q: QueueName, body: &str, reason: &str) -> Result<(), QueueError> {
        self.inner.dead_letter(q, body, reason).await
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn mail_that_cannot_be_enqueued_stays_unmarked_for_the_next_poll() {
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let mailbox = dovecot.new_mailbox("drammen").await;
    connect(&app, &dovecot, DRAMMEN, "drammen", &mailbox).await;
    dovecot
        .append("drammen", &mailbox, &fixture("vw-no-test-drive.eml"))
        .await;
    let queue = Arc::new(DownQueue {
        down: AtomicBool::new(true),
        inner: Arc::new(app.platform.queues.clone()),
    });
    let mut flaky = poller(&app);
    flaky.queue = queue.clone();

    let reports = flaky.poll_all().await;
    let report = report_for(&reports, &app, DRAMMEN).await;
    assert_eq!(report.enqueued, 0);
    assert!(
        report.error.as_deref().unwrap().contains("SQS is down"),
        "{report:?}"
    );
    assert_eq!(captured(&dovecot.flags("drammen", &mailbox).await), 0);
    assert!(leads(&app, DRAMMEN).await.is_empty());

    queue.down.store(false, Ordering::SeqCst);
    let reports = flaky.poll_all().await;
    assert_eq!(report_for(&reports, &app, DRAMMEN).await.enqueued, 1);
    assert_eq!(leads(&app, DRAMMEN).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn a_new_uidvalidity_rereads_the_mailbox_without_duplicating() {
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let mailbox = dovecot.new_mailbox("drammen").await;
    connect(&app, &dovecot, DRAMMEN, "drammen", &mailbox).await;
    dovecot
        .append(
            "drammen",
            &mailbox,
            &fixture("toyota-no-contact-request.eml"),
        )
        .await;
    let first = poller(&app).poll_all().await;
    assert_eq!(report_for(&first, &app, DRAMMEN).await.enqueued, 1);
    let (tenant, _) = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap();
    let before = app
        .platform
        .stores
        .mailboxes
        .get_mailbox_cursor(&tenant)
        .await
        .unwrap()
        .expect("a cursor after the first poll");

    // The provider rebuilds the mailbox: new UIDVALIDITY, UIDs from 1 again,
    // the marked mail copied with its keyword, plus one mail not yet seen.
    dovecot.recreate("drammen", &mailbox).await;
    dovecot
        .append("drammen", &mailbox, &fixture("vw-no-test-drive.eml"))
        .await;
    let reports = poller(&app).poll_all().await;
    let report = report_for(&reports, &app, DRAMMEN).await;
    assert_eq!(report.error, None);
    assert_eq!(report.enqueued, 1, "only the unmarked mail: {report:?}");
    let after = app
        .platform
        .stores
        .mailboxes
        .get_mailbox_cursor(&tenant)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(after.uid_validity, before.uid_validity);
    assert_eq!(leads(&app, DRAMMEN).await.len(), 2);

    // A cursor far ahead under a stale UIDVALIDITY does not hide new mail.
    app.platform
        .stores
        .mailboxes
        .save_mailbox_cursor(
            &tenant,
            &MailboxCursor {
                uid_validity: after.uid_validity.wrapping_add(1),
                last_uid: 10_000,
            },
        )
        .await
        .unwrap();
    dovecot
        .append("drammen", &mailbox, &fixture("adf-xml-lead.eml"))
        .await;
    let reports = poller(&app).poll_all().await;
    assert_eq!(report_for(&reports, &app, DRAMMEN).await.enqueued, 1);
    assert_eq!(leads(&app, DRAMMEN).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn a_refused_login_is_reported_and_other_mailboxes_are_still_polled() {
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let drammen_box = dovecot.new_mailbox("drammen").await;
    let bergen_box = dovecot.new_mailbox("bergen").await;
    connect_with(
        &app,
        DRAMMEN,
        "drammen",
        &drammen_box,
        dovecot.port,
        false,
        "feil-passord",
    )
    .await;
    connect(&app, &dovecot, BERGEN, "bergen", &bergen_box).await;
    dovecot
        .append("drammen", &drammen_box, &fixture("vw-no-test-drive.eml"))
        .await;
    dovecot
        .append(
            "bergen",
            &bergen_box,
            &fixture("toyota-no-contact-request.eml"),
        )
        .await;

    let reports = poller(&app).poll_all().await;
    let drammen = report_for(&reports, &app, DRAMMEN).await;
    assert!(
        drammen
            .error
            .as_deref()
            .is_some_and(|e| e.contains("login refused")),
        "{drammen:?}"
    );
    assert_eq!(report_for(&reports, &app, BERGEN).await.enqueued, 1);
    assert_eq!(leads(&app, BERGEN).await.len(), 1);
    assert!(leads(&app, DRAMMEN).await.is_empty());
    assert_eq!(captured(&dovecot.flags("drammen", &drammen_box).await), 0);
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn tls_is_verified_against_the_trusted_certificates() {
    let dovecot = Dovecot::from_env();
    let account = ImapAccount {
        host: "localhost".into(),
        port: dovecot.tls_port,
        tls: true,
        username: "drammen".into(),
        password_secret: String::new(),
        mailbox: "INBOX".into(),
    };
    // The system's trust store does not know the self-signed certificate.
    let refused = ImapConnector::new()
        .unwrap()
        .allow_private_hosts(true)
        .open(&account, PASSWORD)
        .await
        .err()
        .expect("an untrusted certificate must be refused");
    assert!(
        matches!(&refused, MailboxError::Unavailable(m) if m.contains("TLS")),
        "{refused:?}"
    );

    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&dovecot.cert).unwrap())
        .unwrap();
    let config = tokio_rustls::rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let mut session = ImapConnector::with_tls_config(config)
        .allow_private_hosts(true)
        .open(&account, PASSWORD)
        .await
        .expect("TLS with a trusted certificate");
    let selected = session.select("INBOX").await.unwrap();
    assert!(selected.uid_validity > 0);
    session.logout().await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn the_local_server_polls_mailboxes_on_its_own() {
    let dovecot = Dovecot::from_env();
    let app =
        TestApp::spawn_with(|p| p.imap_poll_interval = Some(Duration::from_millis(200))).await;
    let mailbox = dovecot.new_mailbox("bergen").await;
    connect(&app, &dovecot, BERGEN, "bergen", &mailbox).await;
    dovecot
        .append("bergen", &mailbox, &fixture("forwarded-inline-gmail.eml"))
        .await;
    norvalt_tests::eventually("the server's poller capturing the mail", || async {
        (!leads(&app, BERGEN).await.is_empty()).then_some(())
    })
    .await;
    assert_eq!(captured(&dovecot.flags("bergen", &mailbox).await), 1);
}

#[test]
fn envelopes_from_imap_name_the_dealership_and_carry_no_mail() {
    let raw = fixture("toyota-no-contact-request.eml");
    let envelope = CaptureEnvelope::for_mail(
        &raw,
        norvalt_core::capture::mail_key("imap", &raw),
        norvalt_core::capture::MailVia::Imap,
        Some(DRAMMEN.into()),
        Vec::new(),
        norvalt_core::time::now(),
    );
    let json = envelope.to_json();
    assert!(json.contains("\"via\":\"imap\""), "{json}");
    assert!(json.contains(DRAMMEN), "{json}");
    assert!(
        json.len() < 1024,
        "the envelope carries a key, not the mail"
    );
}

/// A server that accepts the connection and never says a word.
async fn silent_imap_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    port
}

/// One dealership's IMAP server that never answers costs that dealership
/// its poll, not the others theirs: each mailbox has its own deadline.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn a_silent_server_does_not_starve_the_other_mailboxes() {
    use norvalt_core::service::mailbox_poll::PollLimits;
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let silent = silent_imap_server().await;
    connect_with(&app, DRAMMEN, "drammen", "INBOX", silent, false, PASSWORD).await;
    let bergen_box = dovecot.new_mailbox("bergen").await;
    connect(&app, &dovecot, BERGEN, "bergen", &bergen_box).await;
    dovecot
        .append(
            "bergen",
            &bergen_box,
            &fixture("toyota-no-contact-request.eml"),
        )
        .await;
    // One at a time, so the silent mailbox is in the way whatever the order.
    let poller = MailboxPoller {
        limits: PollLimits {
            mailbox_deadline: Duration::from_secs(2),
            concurrency: 1,
            ..PollLimits::default()
        },
        ..poller(&app)
    };
    let reports = poller.poll_all().await;
    let drammen = report_for(&reports, &app, DRAMMEN).await;
    assert!(
        drammen
            .error
            .as_deref()
            .is_some_and(|e| e.contains("did not finish")),
        "{drammen:?}"
    );
    assert_eq!(report_for(&reports, &app, BERGEN).await.enqueued, 1);
    assert_eq!(leads(&app, BERGEN).await.len(), 1);
}

/// A huge mail is read only up to the cap; the notice at its start is still
/// a lead.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn a_huge_mail_is_cut_at_the_cap_and_still_a_lead() {
    use norvalt_core::service::mailbox_poll::PollLimits;
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let mailbox = dovecot.new_mailbox("drammen").await;
    connect(&app, &dovecot, DRAMMEN, "drammen", &mailbox).await;
    let attachment = "QUJD".repeat(200_000 / 4);
    let raw = format!(
        "From: Toyota Norge <no-reply@toyota.no>\r\nTo: leads@bilsenteret-drammen.norvalt.no\r\n\
         Subject: Ny henvendelse\r\nMessage-ID: <stor-1@toyota.no>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n\
         Navn: Stor Vedlegg\r\nE-post: stor@example.no\r\nModell: bZ4X\r\n\r\n--b\r\n\
         Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n{attachment}\r\n--b--\r\n"
    );
    dovecot.append("drammen", &mailbox, raw.as_bytes()).await;
    let poller = MailboxPoller {
        limits: PollLimits {
            max_mail_bytes: 16 * 1024,
            ..PollLimits::default()
        },
        ..poller(&app)
    };
    let reports = poller.poll_all().await;
    let report = report_for(&reports, &app, DRAMMEN).await;
    assert_eq!((report.enqueued, report.truncated), (1, 1), "{report:?}");
    let leads = leads(&app, DRAMMEN).await;
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["customer_email"], "stor@example.no");
}

/// In the cloud the poller never connects to loopback, private or
/// link-local addresses (the platform's own network, instance metadata).
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn the_cloud_poller_refuses_private_hosts() {
    let dovecot = Dovecot::from_env();
    let app = app().await;
    let mailbox = dovecot.new_mailbox("drammen").await;
    connect(&app, &dovecot, DRAMMEN, "drammen", &mailbox).await;
    dovecot
        .append("drammen", &mailbox, &fixture("vw-no-test-drive.eml"))
        .await;
    let poller = MailboxPoller {
        connector: Arc::new(ImapConnector::new().unwrap()),
        ..poller(&app)
    };
    let reports = poller.poll_all().await;
    let report = report_for(&reports, &app, DRAMMEN).await;
    assert!(
        report
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not on the public internet")),
        "{report:?}"
    );
    assert_eq!(report.enqueued, 0);
}

/// The schedule as it runs in the cloud and locally: one poll request per
/// registered mailbox on the imap queue, each polled as its own job.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]
async fn the_schedule_fans_out_one_poll_per_mailbox_through_the_imap_queue() {
    let dovecot = Dovecot::from_env();
    let app = app().await;
    for (slug, user, mail) in [
        (DRAMMEN, "drammen", "toyota-no-contact-request.eml"),
        (BERGEN, "bergen", "vw-no-test-drive.eml"),
    ] {
        let mailbox = dovecot.new_mailbox(user).await;
        connect(&app, &dovecot, slug, user, &mailbox).await;
        dovecot.append(user, &mailbox, &fixture(mail)).await;
    }
    let sent = norvalt_core::service::mailbox_poll::dispatch_all(
        &app.platform.stores,
        &app.platform.queues,
        "test",
        norvalt_core::time::now(),
    )
    .await
    .unwrap();
    assert_eq!(sent, 2);
    let polled = norvalt_local::worker::drain(&app.platform.queues, QueueName::Imap, &poller(&app))
        .await
        .unwrap();
    assert_eq!(polled, 2, "one job per mailbox");
    assert_eq!(leads(&app, DRAMMEN).await.len(), 1);
    assert_eq!(leads(&app, BERGEN).await.len(), 1);
}
