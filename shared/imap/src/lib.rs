//! The IMAP adapter of [`MailboxConnector`]: async-imap on tokio, implicit
//! TLS (port 993) with rustls and the platform's certificate store, or plain
//! TCP for a server on loopback. Every network step has a deadline, so a
//! server that stalls costs one poll, not the function's whole timeout.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_imap::types::Flag;
use async_trait::async_trait;
use futures_util::TryStreamExt;
use norvalt_core::capture::mailbox::{
    CAPTURED_KEYWORD, MailboxConnector, MailboxError, MailboxSession, SelectedMailbox,
};
use norvalt_core::model::dealership::ImapAccount;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::ClientConfig;
use tokio_rustls::rustls::pki_types::ServerName;

/// Any byte stream async-imap can talk over (TCP or TLS over TCP).
pub trait ImapStream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> ImapStream for T {}

type Session = async_imap::Session<Box<dyn ImapStream>>;

pub struct ImapConnector {
    tls: TlsConnector,
    /// Deadline of each step (connect, login, one command).
    step_timeout: Duration,
    /// Whether hosts on loopback, link-local and private addresses may be
    /// reached: yes on a developer's machine, never in the cloud, where
    /// they are the platform's own network (and the instance metadata).
    allow_private_hosts: bool,
}

impl ImapConnector {
    /// Trusts the certificates the operating system trusts.
    pub fn new() -> Result<Self, String> {
        use rustls_platform_verifier::ConfigVerifierExt;
        let config = ClientConfig::with_platform_verifier().map_err(|e| e.to_string())?;
        Ok(Self::with_tls_config(config))
    }

    /// For a private CA (and tests with a self-signed server).
    pub fn with_tls_config(config: ClientConfig) -> Self {
        Self {
            tls: TlsConnector::from(Arc::new(config)),
            step_timeout: Duration::from_secs(20),
            allow_private_hosts: false,
        }
    }

    pub fn step_timeout(mut self, timeout: Duration) -> Self {
        self.step_timeout = timeout;
        self
    }

    /// Lets the poller reach loopback and private hosts (local runs).
    pub fn allow_private_hosts(mut self, allow: bool) -> Self {
        self.allow_private_hosts = allow;
        self
    }
}

pub use norvalt_core::net::is_public;

async fn within<T>(
    limit: Duration,
    what: &str,
    step: impl Future<Output = Result<T, MailboxError>>,
) -> Result<T, MailboxError> {
    tokio::time::timeout(limit, step)
        .await
        .unwrap_or_else(|_| Err(MailboxError::Unavailable(format!("{what} timed out"))))
}

fn classify(e: async_imap::error::Error) -> MailboxError {
    use async_imap::error::Error;
    match e {
        Error::No(m) | Error::Bad(m) => MailboxError::Command(m),
        Error::Validate(e) => MailboxError::Command(e.to_string()),
        other => MailboxError::Unavailable(other.to_string()),
    }
}

#[async_trait]
impl MailboxConnector for ImapConnector {
    async fn open(
        &self,
        account: &ImapAccount,
        password: &str,
    ) -> Result<Box<dyn MailboxSession>, MailboxError> {
        let limit = self.step_timeout;
        let address = format!("{}:{}", account.host, account.port);
        let stream: Box<dyn ImapStream> = within(limit, "connect", async {
            // Resolve once, check, and connect to exactly what was checked,
            // so a name that changes its answer cannot slip past.
            let resolved: Vec<std::net::SocketAddr> = tokio::net::lookup_host(&address)
                .await
                .map_err(|e| MailboxError::Unavailable(format!("resolve {address}: {e}")))?
                .collect();
            let allowed: Vec<std::net::SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| self.allow_private_hosts || is_public(a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(MailboxError::Command(format!(
                    "refusing to connect to {address}: it is not on the public internet"
                )));
            }
            let tcp = TcpStream::connect(&allowed[..])
                .await
                .map_err(|e| MailboxError::Unavailable(format!("connect {address}: {e}")))?;
            if !account.tls {
                return Ok(Box::new(tcp) as Box<dyn ImapStream>);
            }
            let name = ServerName::try_from(account.host.clone())
                .map_err(|e| MailboxError::Command(format!("host {}: {e}", account.host)))?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| MailboxError::Unavailable(format!("TLS with {address}: {e}")))?;
            Ok(Box::new(tls) as Box<dyn ImapStream>)
        })
        .await?;

        let mut client = async_imap::Client::new(stream);
        within(limit, "greeting", async {
            match client.read_response().await {
                Ok(Some(_)) => Ok(()),
                Ok(None) => Err(MailboxError::Unavailable("closed before greeting".into())),
                Err(e) => Err(MailboxError::Unavailable(e.to_string())),
            }
        })
        .await?;
        let session = within(limit, "login", async {
            client
                .login(&account.username, password)
                .await
                .map_err(|(e, _)| match e {
                    async_imap::error::Error::No(m) | async_imap::error::Error::Bad(m) => {
                        MailboxError::Login(m)
                    }
                    other => classify(other),
                })
        })
        .await?;
        Ok(Box::new(ImapSession {
            session,
            step_timeout: limit,
        }))
    }
}

struct ImapSession {
    session: Session,
    step_timeout: Duration,
}

#[async_trait]
impl MailboxSession for ImapSession {
    async fn select(&mut self, mailbox: &str) -> Result<SelectedMailbox, MailboxError> {
        let selected = within(self.step_timeout, "SELECT", async {
            self.session.select(mailbox).await.map_err(classify)
        })
        .await?;
        let uid_validity = selected
            .uid_validity
            .ok_or_else(|| MailboxError::Command("server sent no UIDVALIDITY".into()))?;
        // No PERMANENTFLAGS means every flag is permanent (RFC 3501 §7.1).
        let keywords_allowed = selected.permanent_flags.is_empty()
            || selected.permanent_flags.iter().any(|f| match f {
                Flag::MayCreate => true,
                Flag::Custom(k) => k.eq_ignore_ascii_case(CAPTURED_KEYWORD),
                _ => false,
            });
        Ok(SelectedMailbox {
            uid_validity,
            keywords_allowed,
        })
    }

    async fn uncaptured_after(&mut self, after_uid: u32) -> Result<Vec<u32>, MailboxError> {
        let query = format!(
            "UID {}:* UNKEYWORD {CAPTURED_KEYWORD}",
            after_uid.saturating_add(1)
        );
        let found = within(self.step_timeout, "UID SEARCH", async {
            self.session.uid_search(&query).await.map_err(classify)
        })
        .await?;
        // `n:*` always matches the newest message, even below n.
        let mut uids: Vec<u32> = found.into_iter().filter(|&uid| uid > after_uid).collect();
        uids.sort_unstable();
        Ok(uids)
    }

    async fn fetch_raw(
        &mut self,
        uid: u32,
        max_bytes: usize,
    ) -> Result<Option<Vec<u8>>, MailboxError> {
        within(self.step_timeout, "UID FETCH", async {
            let fetches: Vec<_> = self
                .session
                .uid_fetch(uid.to_string(), format!("BODY.PEEK[]<0.{max_bytes}>"))
                .await
                .map_err(classify)?
                .try_collect()
                .await
                .map_err(classify)?;
            Ok(fetches
                .iter()
                .find(|f| f.uid == Some(uid))
                .and_then(|f| f.body())
                .map(<[u8]>::to_vec))
        })
        .await
    }

    async fn mark_captured(&mut self, uid: u32) -> Result<(), MailboxError> {
        within(self.step_timeout, "UID STORE", async {
            let _: Vec<_> = self
                .session
                .uid_store(
                    uid.to_string(),
                    format!("+FLAGS.SILENT ({CAPTURED_KEYWORD})"),
                )
                .await
                .map_err(classify)?
                .try_collect()
                .await
                .map_err(classify)?;
            Ok(())
        })
        .await
    }

    async fn logout(mut self: Box<Self>) {
        let limit = self.step_timeout;
        if let Err(e) = within(limit, "LOGOUT", async {
            self.session.logout().await.map_err(classify)
        })
        .await
        {
            tracing::debug!(error = %e, "IMAP logout failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_public;

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["193.75.75.75", "8.8.8.8", "2a00:1450:4010:c05::6c"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
