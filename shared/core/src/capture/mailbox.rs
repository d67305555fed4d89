//! IMAP mailboxes that dealerships forward importer mail to, as the poller
//! sees them: a session port (the IMAP client adapter implements it) and the
//! cursor that makes polling incremental.
//!
//! Crash safety comes from ordering, not from the server: a mail is enqueued
//! first, then marked with [`CAPTURED_KEYWORD`] and passed by the cursor. A
//! crash in between makes the next poll enqueue it again, and intake's
//! idempotency key (the Message-ID, else the bytes' hash) turns the repeat
//! into a no-op.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::model::dealership::ImapAccount;

/// The keyword set on a mail once its envelope is on the capture queue, so a
/// person reading the mailbox sees what Norvalt has taken.
pub const CAPTURED_KEYWORD: &str = "NorvaltCaptured";

/// Where the last poll of a dealership's mailbox stopped. UIDs are only
/// comparable within one UIDVALIDITY; when the server changes it, the poller
/// starts again from the beginning and relies on the keyword and intake's
/// idempotency to skip what it has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxCursor {
    pub uid_validity: u32,
    pub last_uid: u32,
}

impl MailboxCursor {
    /// The UID after which to look, given what the server reports now.
    pub fn resume_after(cursor: Option<&Self>, uid_validity: u32) -> u32 {
        match cursor {
            Some(c) if c.uid_validity == uid_validity => c.last_uid,
            _ => 0,
        }
    }
}

/// What SELECT reports that the poller needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectedMailbox {
    pub uid_validity: u32,
    /// Whether the server keeps new keywords (`\*` in PERMANENTFLAGS). Without
    /// it the cursor alone keeps track.
    pub keywords_allowed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailboxError {
    /// Wrong user or password, or the account is locked: a person must act.
    #[error("IMAP login refused: {0}")]
    Login(String),
    /// Network trouble, timeouts, a server that hung up: the next poll retries.
    #[error("IMAP server unavailable: {0}")]
    Unavailable(String),
    /// The server answered something the command cannot accept (no such
    /// mailbox, a NO or BAD response).
    #[error("IMAP command failed: {0}")]
    Command(String),
}

/// Opens sessions; one per poll of one mailbox.
#[async_trait]
pub trait MailboxConnector: Send + Sync {
    async fn open(
        &self,
        account: &ImapAccount,
        password: &str,
    ) -> Result<Box<dyn MailboxSession>, MailboxError>;
}

/// A logged-in IMAP session.
#[async_trait]
pub trait MailboxSession: Send {
    async fn select(&mut self, mailbox: &str) -> Result<SelectedMailbox, MailboxError>;
    /// UIDs above `after_uid` without [`CAPTURED_KEYWORD`], ascending.
    async fn uncaptured_after(&mut self, after_uid: u32) -> Result<Vec<u32>, MailboxError>;
    /// The raw message, without setting `\Seen`, at most `max_bytes` of it
    /// (the rest is never transferred); `None` when it was expunged
    /// meanwhile.
    async fn fetch_raw(
        &mut self,
        uid: u32,
        max_bytes: usize,
    ) -> Result<Option<Vec<u8>>, MailboxError>;
    async fn mark_captured(&mut self, uid: u32) -> Result<(), MailboxError>;
    async fn logout(self: Box<Self>);
}

/// The secret name of a dealership's IMAP password when it is configured
/// through Norvalt's own tools.
pub fn imap_password_secret(slug: &str) -> String {
    format!("imap/{slug}")
}

/// Accounts must use TLS unless the server is on this machine (Dovecot in
/// tests, a local relay); a password never crosses a network in clear text.
pub fn account_is_safe(account: &ImapAccount) -> bool {
    account.tls || is_loopback(&account.host)
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_matches(['[', ']']);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(host: &str, tls: bool) -> ImapAccount {
        ImapAccount {
            host: host.into(),
            port: 993,
            tls,
            username: "u".into(),
            password_secret: "imap/x".into(),
            mailbox: "INBOX".into(),
        }
    }

    #[test]
    fn cursor_restarts_when_uidvalidity_changes() {
        let cursor = MailboxCursor {
            uid_validity: 7,
            last_uid: 41,
        };
        assert_eq!(MailboxCursor::resume_after(Some(&cursor), 7), 41);
        assert_eq!(MailboxCursor::resume_after(Some(&cursor), 8), 0);
        assert_eq!(MailboxCursor::resume_after(None, 7), 0);
    }

    #[test]
    fn clear_text_only_on_loopback() {
        assert!(account_is_safe(&account("imap.example.no", true)));
        assert!(!account_is_safe(&account("imap.example.no", false)));
        assert!(account_is_safe(&account("127.0.0.1", false)));
        assert!(account_is_safe(&account("[::1]", false)));
        assert!(account_is_safe(&account("LOCALHOST", false)));
        assert!(!account_is_safe(&account("10.0.0.5", false)));
    }
}
