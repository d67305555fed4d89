//! The Dovecot server `scripts/test` starts on loopback: where it is, and a
//! small IMAP client to put mail into it and read flags back, as a
//! dealership's mail provider would hold them.

use futures_util::TryStreamExt;
use tokio::net::TcpStream;

/// Users of the test server (scripts/lib.sh `start_dovecot`).
pub const PASSWORD: &str = "hemmelig";

pub struct Dovecot {
    pub port: u16,
    pub tls_port: u16,
    /// The test CA that signed the server's certificate (for "localhost").
    pub cert: std::path::PathBuf,
}

type Session = async_imap::Session<TcpStream>;

impl Dovecot {
    /// The server scripts/test started. Tests that need it are marked
    /// `#[ignore = "needs Dovecot: scripts/test starts it and runs ignored tests"]`;
    /// run without one, they fail here with the reason.
    pub fn from_env() -> Self {
        let port = std::env::var("NORVALT_TEST_IMAP_PORT")
            .ok()
            .and_then(|p| p.parse().ok())
            .expect("this test needs Dovecot: run it through scripts/test, which starts one");
        Self {
            port,
            tls_port: std::env::var("NORVALT_TEST_IMAPS_PORT")
                .expect("NORVALT_TEST_IMAPS_PORT")
                .parse()
                .expect("a port"),
            cert: std::env::var("NORVALT_TEST_IMAP_CERT")
                .expect("NORVALT_TEST_IMAP_CERT")
                .into(),
        }
    }

    async fn login(&self, user: &str) -> Session {
        let tcp = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("connect to Dovecot");
        let mut client = async_imap::Client::new(tcp);
        client.read_response().await.expect("greeting");
        client
            .login(user, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .expect("login")
    }

    /// A new, empty mailbox with a unique name, so tests never share one.
    pub async fn new_mailbox(&self, user: &str) -> String {
        let name = format!("T{}", uuid::Uuid::new_v4().simple());
        let mut session = self.login(user).await;
        session.create(&name).await.expect("CREATE");
        session.logout().await.ok();
        name
    }

    pub async fn append(&self, user: &str, mailbox: &str, raw: &[u8]) {
        let mut session = self.login(user).await;
        session
            .append(mailbox, None, None, raw)
            .await
            .expect("APPEND");
        session.logout().await.ok();
    }

    /// UID → flags (as IMAP names them) of every mail in the mailbox.
    pub async fn flags(&self, user: &str, mailbox: &str) -> Vec<(u32, Vec<String>)> {
        let mut session = self.login(user).await;
        let selected = session.select(mailbox).await.expect("SELECT");
        let mut out = Vec::new();
        if selected.exists > 0 {
            let fetches: Vec<_> = session
                .uid_fetch("1:*", "FLAGS")
                .await
                .expect("FETCH")
                .try_collect()
                .await
                .expect("FETCH");
            for f in fetches {
                let flags = f.flags().map(|flag| format!("{flag:?}")).collect();
                out.push((f.uid.expect("uid"), flags));
            }
        }
        session.logout().await.ok();
        out.sort();
        out
    }

    /// Deletes and re-creates the mailbox with the same mails, which gives
    /// it a new UIDVALIDITY, as a provider migration does.
    pub async fn recreate(&self, user: &str, mailbox: &str) {
        let mut session = self.login(user).await;
        let tmp = format!("{mailbox}-old");
        session.rename(mailbox, &tmp).await.expect("RENAME");
        session.create(mailbox).await.expect("CREATE");
        session.select(&tmp).await.expect("SELECT");
        session.uid_copy("1:*", mailbox).await.expect("COPY");
        session.close().await.ok();
        session.delete(&tmp).await.expect("DELETE");
        session.logout().await.ok();
    }
}
