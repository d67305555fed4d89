//! Dealership mailboxes read for new mail; each new mail becomes one capture
//! envelope, exactly as if SES had delivered it. The order per mail — store
//! the raw bytes, enqueue, then mark and advance the cursor — means a crash
//! anywhere loses nothing; the only repeat it can cause is an envelope
//! intake already knows.
//!
//! In the cloud the work is fanned out: the `imap-poller` schedule puts one
//! message per mailbox on the imap queue ([`dispatch_all`]),
//! and `imap-mailbox` polls each in its own invocation
//! ([`MailboxPoller`] as a [`JobHandler`]), so a slow or hostile server holds
//! up no other dealership. [`MailboxPoller::poll_all`] polls them all in one
//! process, a few at a time (the operator CLI's `poll-imap`).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::capture::mailbox::{
    MailboxConnector, MailboxCursor, MailboxError, MailboxSession, account_is_safe,
};
use crate::capture::sources::{RawMailStore, SecretStore};
use crate::capture::{CaptureEnvelope, MailVia, mail_key};
use crate::ids::DealershipId;
use crate::jobs::{Delivery, Envelope, ImapJob, JobError, JobHandler};
use crate::metrics::Metric;
use crate::ports::Stores;
use crate::queue::{Queue, QueueError, QueueName};
use crate::tenancy::TenantId;

/// Mails taken from one mailbox per poll, so one poll fits in the function's
/// time budget; the rest wait for the next minute.
pub const DEFAULT_BATCH: usize = 50;

/// How much of the poll one mailbox may take, so that one dealership's slow
/// or hostile IMAP server cannot starve the others.
#[derive(Debug, Clone, Copy)]
pub struct PollLimits {
    /// Mails taken per mailbox per poll.
    pub batch: usize,
    /// The whole of one mailbox's poll (connect, login, every command); the
    /// poller's 55 s budget holds several rounds of these.
    pub mailbox_deadline: std::time::Duration,
    /// Mailboxes polled at once.
    pub concurrency: usize,
    /// Bytes read of one mail. A lead notice is a few kilobytes; the rest of
    /// a huge mail (attachments) is cut, and the parser reads what it got.
    pub max_mail_bytes: usize,
}

impl Default for PollLimits {
    fn default() -> Self {
        Self {
            batch: DEFAULT_BATCH,
            mailbox_deadline: std::time::Duration::from_secs(20),
            concurrency: 4,
            max_mail_bytes: 5 * 1024 * 1024,
        }
    }
}

#[derive(Clone)]
pub struct MailboxPoller {
    pub stores: Stores,
    pub queue: Arc<dyn Queue>,
    pub mail: Arc<dyn RawMailStore>,
    pub secrets: Arc<dyn SecretStore>,
    pub connector: Arc<dyn MailboxConnector>,
    pub limits: PollLimits,
}

/// What one poll of one mailbox did; logged and turned into metrics.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MailboxReport {
    pub dealership_id: Option<DealershipId>,
    /// Envelopes put on the capture queue.
    pub enqueued: usize,
    /// New mails left for the next poll (over the batch size).
    pub remaining: usize,
    /// Enqueued but not marked on the server (the cursor still moved on).
    pub unmarked: usize,
    /// Mails cut at the size cap (what was read became the capture).
    pub truncated: usize,
    pub error: Option<String>,
}

impl MailboxReport {
    fn emit_metrics(&self) {
        let dealership = self
            .dealership_id
            .map(|d| d.to_string())
            .unwrap_or_default();
        if self.enqueued > 0 {
            Metric::count("ImapMailsEnqueued", self.enqueued)
                .property("dealership_id", dealership.clone())
                .emit();
        }
        if self.error.is_some() {
            Metric::count("ImapPollFailures", 1)
                .property("dealership_id", dealership)
                .emit();
        }
    }
}

/// The schedule's half of the fan-out: one message per registered mailbox
/// on the imap queue; how many were sent.
pub async fn dispatch_all(
    stores: &Stores,
    queue: &dyn Queue,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<usize, QueueError> {
    let ids = stores
        .mailboxes
        .list_polled_mailboxes()
        .await
        .map_err(|e| QueueError(format!("cannot list mailboxes: {e}")))?;
    for id in &ids {
        Envelope::poll(*id, trace_id, now).enqueue(queue).await?;
    }
    Ok(ids.len())
}

impl MailboxPoller {
    /// Polls every registered mailbox, a few at a time, each within its
    /// deadline; one mailbox's failure or silence does not stop the others.
    /// The order turns every minute, so no mailbox is always last.
    pub async fn poll_all(&self) -> Vec<MailboxReport> {
        use futures_util::StreamExt;
        let mut ids = match self.stores.mailboxes.list_polled_mailboxes().await {
            Ok(ids) => ids,
            Err(e) => {
                return vec![MailboxReport {
                    error: Some(format!("cannot list mailboxes: {e}")),
                    ..Default::default()
                }];
            }
        };
        if !ids.is_empty() {
            let turn = (crate::time::now().timestamp() / 60).unsigned_abs() as usize;
            let len = ids.len();
            ids.rotate_left(turn % len);
        }
        let polls = futures_util::stream::iter(ids)
            .map(|id| async move { (id, self.poll_within_deadline(id).await) })
            .buffer_unordered(self.limits.concurrency.max(1))
            .collect::<Vec<_>>()
            .await;
        let mut reports = Vec::with_capacity(polls.len());
        for (id, report) in polls {
            Self::log(id, &report);
            reports.push(report);
        }
        reports
    }

    fn log(id: DealershipId, report: &MailboxReport) {
        report.emit_metrics();
        match &report.error {
            Some(error) => {
                tracing::warn!(dealership_id = %id, enqueued = report.enqueued, %error, "IMAP poll failed")
            }
            None if report.enqueued > 0 => {
                tracing::info!(dealership_id = %id, enqueued = report.enqueued, remaining = report.remaining, "IMAP mail captured")
            }
            None => {}
        }
    }

    /// [`poll`](Self::poll), given up after the mailbox deadline. What was
    /// enqueued before then is safe: the cursor moves after each mail.
    async fn poll_within_deadline(&self, id: DealershipId) -> MailboxReport {
        match tokio::time::timeout(self.limits.mailbox_deadline, self.poll(id)).await {
            Ok(report) => report,
            Err(_) => MailboxReport {
                dealership_id: Some(id),
                error: Some(format!(
                    "the mailbox did not finish within {} s; the next poll goes on",
                    self.limits.mailbox_deadline.as_secs()
                )),
                ..Default::default()
            },
        }
    }

    /// Polls one dealership's mailbox.
    pub async fn poll(&self, id: DealershipId) -> MailboxReport {
        let mut report = MailboxReport {
            dealership_id: Some(id),
            ..Default::default()
        };
        if let Err(e) = self.poll_into(id, &mut report).await {
            report.error = Some(e);
        }
        report
    }

    async fn poll_into(&self, id: DealershipId, report: &mut MailboxReport) -> Result<(), String> {
        // The registry is written only when a dealership's own settings are
        // saved, so it names a tenant as a routing record does.
        let tenant = TenantId::mint(id);
        let dealership = self
            .stores
            .dealerships
            .get_dealership(&tenant)
            .await
            .map_err(|e| e.to_string())?;
        let Some((dealership, account)) =
            dealership.and_then(|d| d.capture.imap.clone().map(|a| (d, a)))
        else {
            // Deleted, or IMAP switched off: take it out of the registry.
            self.stores
                .mailboxes
                .set_mailbox_polled(&tenant, false)
                .await
                .map_err(|e| e.to_string())?;
            return Err("no IMAP account configured; removed from the poll registry".into());
        };
        if !account_is_safe(&account) {
            return Err(format!(
                "refusing to log in to {} without TLS",
                account.host
            ));
        }
        let password = self
            .secrets
            .secret(&account.password_secret)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("secret {} is missing", account.password_secret))?;

        let mut session = self
            .connector
            .open(&account, &password)
            .await
            .map_err(|e| e.to_string())?;
        let outcome = self
            .take_new_mail(
                &tenant,
                &dealership.slug,
                &account.mailbox,
                session.as_mut(),
                report,
            )
            .await;
        session.logout().await;
        outcome
    }

    async fn take_new_mail(
        &self,
        tenant: &TenantId,
        slug: &str,
        mailbox: &str,
        session: &mut dyn MailboxSession,
        report: &mut MailboxReport,
    ) -> Result<(), String> {
        let selected = session.select(mailbox).await.map_err(|e| e.to_string())?;
        let stored = self
            .stores
            .mailboxes
            .get_mailbox_cursor(tenant)
            .await
            .map_err(|e| e.to_string())?;
        let after = MailboxCursor::resume_after(stored.as_ref(), selected.uid_validity);
        if stored.is_some_and(|c| c.uid_validity != selected.uid_validity) {
            tracing::warn!(dealership_id = %tenant.dealership_id(), "UIDVALIDITY changed; reading the mailbox again from the start");
        }
        let uids = session
            .uncaptured_after(after)
            .await
            .map_err(|e| e.to_string())?;
        report.remaining = uids.len().saturating_sub(self.limits.batch);
        let mut cursor = MailboxCursor {
            uid_validity: selected.uid_validity,
            last_uid: after,
        };
        let mut saved = stored;
        for uid in uids.into_iter().take(self.limits.batch) {
            let max = self.limits.max_mail_bytes;
            let Some(raw) = session
                .fetch_raw(uid, max)
                .await
                .map_err(|e| e.to_string())?
            else {
                continue;
            };
            if raw.len() >= max {
                report.truncated += 1;
                tracing::warn!(uid, bytes = raw.len(), "mail cut at the size cap");
            }
            let key = mail_key("imap", &raw);
            self.mail
                .put_mail(&key, &raw)
                .await
                .map_err(|e| format!("store mail UID {uid}: {e}"))?;
            let envelope = CaptureEnvelope::for_mail(
                &raw,
                key,
                MailVia::Imap,
                Some(slug.to_string()),
                Vec::new(),
                crate::time::now(),
            );
            self.queue
                .send(QueueName::Capture, &envelope.to_json())
                .await
                .map_err(|e| format!("enqueue mail UID {uid}: {e}"))?;
            report.enqueued += 1;
            cursor.last_uid = uid;
            // From here on the mail is safe; marking it is for people and for
            // a poll that starts from 0 after a UIDVALIDITY change.
            let marked = if selected.keywords_allowed {
                session.mark_captured(uid).await
            } else {
                Ok(())
            };
            self.save_cursor(tenant, &cursor).await?;
            saved = Some(cursor);
            match marked {
                Ok(()) => {}
                Err(MailboxError::Unavailable(e)) => {
                    report.unmarked += 1;
                    return Err(format!("connection lost after UID {uid}: {e}"));
                }
                Err(e) => {
                    report.unmarked += 1;
                    tracing::warn!(uid, error = %e, "could not mark captured mail");
                }
            }
        }
        if saved != Some(cursor) {
            // Records the UIDVALIDITY even when nothing new arrived.
            self.save_cursor(tenant, &cursor).await?;
        }
        Ok(())
    }

    async fn save_cursor(&self, tenant: &TenantId, cursor: &MailboxCursor) -> Result<(), String> {
        self.stores
            .mailboxes
            .save_mailbox_cursor(tenant, cursor)
            .await
            .map_err(|e| format!("save cursor: {e}"))
    }
}

/// `imap-mailbox`: one mailbox per message. A poll that fails (the server
/// is down, the password changed) is reported and done with: the next
/// tick polls again, so a retry here would only poll twice.
#[async_trait]
impl JobHandler for MailboxPoller {
    async fn handle(&self, delivery: &Delivery) -> Result<(), JobError> {
        let envelope = Envelope::<ImapJob>::parse(&delivery.body)?;
        let id = envelope.dealership_id;
        let report = self.poll_within_deadline(id).await;
        Self::log(id, &report);
        Ok(())
    }
}
