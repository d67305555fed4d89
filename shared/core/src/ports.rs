//! Storage ports: one small trait per aggregate. Both adapters (SQLite in
//! `norvalt-local`, DynamoDB in `norvalt-aws`) implement all of them and pass
//! the same conformance suite (`tests/tests/conformance.rs`).
//!
//! Every method takes the caller's [`TenantId`]; the adapter builds its keys
//! from it, so a record of another dealership is simply not found. Writes of
//! existing records are conditional on the version the caller read: a stale
//! write fails with [`StoreError::Conflict`] and the service retries.

use async_trait::async_trait;
use std::sync::Arc;

use crate::DealershipId;
use crate::analytics::{DailyRollup, RollupCursor};
use crate::audit::AuditEntry;
use crate::automation::FollowUp;
use crate::capture::mailbox::MailboxCursor;
use crate::capture::{CaptureCommit, CaptureRecord, ContactRecord};
use crate::ids::{AppointmentId, AuditId, LeadId, MessageId, RuleId, UserId, VehicleId};
use crate::model::{
    Appointment, AutomationRule, ChangeMark, Dealership, Lead, LeadQuery, Message, User, Vehicle,
    VehicleStatus,
};
use crate::outbound::ClaimRecord;
use crate::tenancy::TenantId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional write lost: the record changed, already exists, or the
    /// routing key is taken.
    #[error("conflicting write")]
    Conflict,
    #[error("storage backend failed: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

#[async_trait]
pub trait DealershipStore: Send + Sync {
    async fn insert_dealership(
        &self,
        tenant: &TenantId,
        dealership: &Dealership,
    ) -> StoreResult<()>;
    async fn get_dealership(&self, tenant: &TenantId) -> StoreResult<Option<Dealership>>;
    /// Every dealership's id (the scheduled jobs' registry; no scan).
    async fn list_dealership_ids(&self) -> StoreResult<Vec<DealershipId>>;
    /// Replaces the dealership's settings (an operator's action).
    async fn update_dealership(
        &self,
        tenant: &TenantId,
        dealership: &Dealership,
    ) -> StoreResult<()>;
}

#[async_trait]
pub trait UserStore: Send + Sync {
    /// Fails with `Conflict` when the dealership already has this Clerk user.
    async fn insert_user(&self, tenant: &TenantId, user: &User) -> StoreResult<()>;
    async fn get_user(&self, tenant: &TenantId, id: UserId) -> StoreResult<Option<User>>;
    async fn find_user_by_clerk_id(
        &self,
        tenant: &TenantId,
        clerk_user_id: &str,
    ) -> StoreResult<Option<User>>;
    async fn list_users(&self, tenant: &TenantId) -> StoreResult<Vec<User>>;
    /// Replaces the user if its stored version is `user.version - 1`.
    async fn update_user(&self, tenant: &TenantId, user: &User) -> StoreResult<()>;
}

/// The dealership's audit log (see [`crate::audit`]).
#[async_trait]
pub trait AuditStore: Send + Sync {
    async fn append_audit(&self, tenant: &TenantId, entry: &AuditEntry) -> StoreResult<()>;
    /// Newest first, strictly older than `before` when given.
    async fn list_audit(
        &self,
        tenant: &TenantId,
        before: Option<AuditId>,
        limit: usize,
    ) -> StoreResult<Vec<AuditEntry>>;
}

#[async_trait]
pub trait LeadStore: Send + Sync {
    /// Fails with `Conflict` when the id exists.
    async fn insert_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()>;
    /// Returns soft-deleted leads too; the service decides what they mean.
    async fn get_lead(&self, tenant: &TenantId, id: LeadId) -> StoreResult<Option<Lead>>;
    /// Up to `limit` leads matching `query` (never deleted ones), newest
    /// first, strictly older than `after` when given.
    async fn list_leads(
        &self,
        tenant: &TenantId,
        query: &LeadQuery,
        after: Option<LeadId>,
        limit: usize,
    ) -> StoreResult<Vec<Lead>>;
    /// Replaces the lead if its stored version is `lead.version - 1`.
    async fn update_lead(&self, tenant: &TenantId, lead: &Lead) -> StoreResult<()>;
    /// Up to `limit` leads (deleted ones too) changed at or after `since`,
    /// in the order they last changed, strictly after `after` when given.
    /// Served by an index on the change time: the cost follows what
    /// changed, never the dealership's size (inbox polls, escalations).
    async fn changed_leads(
        &self,
        tenant: &TenantId,
        since: chrono::DateTime<chrono::Utc>,
        after: Option<ChangeMark>,
        limit: usize,
    ) -> StoreResult<Vec<Lead>>;
    /// Every lead changed at or after `since` (deleted ones too), in the
    /// order they changed, read page by page.
    async fn all_changed_leads(
        &self,
        tenant: &TenantId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<Lead>> {
        const PAGE: usize = 500;
        let mut all: Vec<Lead> = Vec::new();
        loop {
            let after = all.last().map(Lead::change_mark);
            let page = self.changed_leads(tenant, since, after, PAGE).await?;
            let full = page.len() == PAGE;
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }
}

#[async_trait]
pub trait ConversationStore: Send + Sync {
    async fn insert_message(&self, tenant: &TenantId, message: &Message) -> StoreResult<()>;
    /// Replaces a stored message (GDPR erasure blanks its content);
    /// `Conflict` when there is none.
    async fn update_message(&self, tenant: &TenantId, message: &Message) -> StoreResult<()>;
    /// One message of a lead's conversation, however long it is.
    async fn get_message(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        id: MessageId,
    ) -> StoreResult<Option<Message>>;
    /// Oldest first, strictly newer than `after` when given.
    async fn list_messages(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>>;
    /// Every message of the lead, oldest first, read page by page: for
    /// export, erasure and roll-ups, which must never stop at a page size.
    async fn all_messages(&self, tenant: &TenantId, lead: LeadId) -> StoreResult<Vec<Message>> {
        const PAGE: usize = 500;
        let mut all: Vec<Message> = Vec::new();
        loop {
            let after = all.last().map(|m| m.id);
            let page = self.list_messages(tenant, lead, after, PAGE).await?;
            let full = page.len() == PAGE;
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }
}

#[async_trait]
pub trait VehicleStore: Send + Sync {
    async fn insert_vehicle(&self, tenant: &TenantId, vehicle: &Vehicle) -> StoreResult<()>;
    async fn get_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<Option<Vehicle>>;
    /// Newest first, strictly older than `after` when given.
    async fn list_vehicles(
        &self,
        tenant: &TenantId,
        status: Option<VehicleStatus>,
        after: Option<VehicleId>,
        limit: usize,
    ) -> StoreResult<Vec<Vehicle>>;
    /// Replaces the vehicle if its stored version is `vehicle.version - 1`.
    async fn update_vehicle(&self, tenant: &TenantId, vehicle: &Vehicle) -> StoreResult<()>;
    /// Every vehicle of the dealership, whatever its status, read page by
    /// page.
    async fn all_vehicles(&self, tenant: &TenantId) -> StoreResult<Vec<Vehicle>> {
        const PAGE: usize = 500;
        let mut all: Vec<Vehicle> = Vec::new();
        loop {
            let after = all.last().map(|v| v.id);
            let page = self.list_vehicles(tenant, None, after, PAGE).await?;
            let full = page.len() == PAGE;
            all.extend(page);
            if !full {
                return Ok(all);
            }
        }
    }
    /// `false` when there was nothing to delete.
    async fn delete_vehicle(&self, tenant: &TenantId, id: VehicleId) -> StoreResult<bool>;
}

/// Booked appointments. The seats that keep a slot within its capacity are
/// claims (`booking::seats`); this is the record of each booking.
#[async_trait]
pub trait AppointmentStore: Send + Sync {
    /// `Conflict` when the id exists.
    async fn insert_appointment(&self, tenant: &TenantId, a: &Appointment) -> StoreResult<()>;
    async fn get_appointment(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
    ) -> StoreResult<Option<Appointment>>;
    /// Replaces it if its stored version is `a.version - 1`.
    async fn update_appointment(&self, tenant: &TenantId, a: &Appointment) -> StoreResult<()>;
    /// Every appointment starting in `[from, to)`, whatever its status,
    /// earliest first.
    async fn appointments_between(
        &self,
        tenant: &TenantId,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<Appointment>>;
    /// A lead's appointments, earliest first.
    async fn appointments_of_lead(
        &self,
        tenant: &TenantId,
        lead: LeadId,
    ) -> StoreResult<Vec<Appointment>>;
}

#[async_trait]
pub trait RuleStore: Send + Sync {
    async fn insert_rule(&self, tenant: &TenantId, rule: &AutomationRule) -> StoreResult<()>;
    async fn get_rule(&self, tenant: &TenantId, id: RuleId) -> StoreResult<Option<AutomationRule>>;
    async fn list_rules(&self, tenant: &TenantId) -> StoreResult<Vec<AutomationRule>>;
    /// Replaces the rule if its stored version is `rule.version - 1`.
    async fn update_rule(&self, tenant: &TenantId, rule: &AutomationRule) -> StoreResult<()>;
    async fn delete_rule(&self, tenant: &TenantId, id: RuleId) -> StoreResult<bool>;
}

/// Idempotency and de-duplication records of lead capture
/// (see [`crate::capture::dedup`]).
#[async_trait]
pub trait CaptureStore: Send + Sync {
    async fn get_capture(&self, tenant: &TenantId, key: &str)
    -> StoreResult<Option<CaptureRecord>>;
    async fn get_contact(&self, tenant: &TenantId, key: &str)
    -> StoreResult<Option<ContactRecord>>;
    /// Writes every record of the commit or none. `Conflict` when the capture
    /// record exists, the lead write is stale, or a contact claim is not
    /// [allowed](crate::capture::dedup::ContactClaim::allows).
    async fn commit_capture(&self, tenant: &TenantId, commit: &CaptureCommit) -> StoreResult<()>;
    /// GDPR erasure: deletes the contact records under `contact_keys` and
    /// every capture record that points at `lead`.
    async fn forget_lead(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        contact_keys: &[String],
    ) -> StoreResult<()>;
}

/// The IMAP poller's state: which dealerships have a mailbox to poll (a
/// registry, so the poller never scans dealerships) and where each poll
/// stopped.
#[async_trait]
pub trait MailboxStore: Send + Sync {
    /// Adds or removes the dealership from the poll registry. Idempotent.
    async fn set_mailbox_polled(&self, tenant: &TenantId, polled: bool) -> StoreResult<()>;
    async fn list_polled_mailboxes(&self) -> StoreResult<Vec<DealershipId>>;
    async fn get_mailbox_cursor(&self, tenant: &TenantId) -> StoreResult<Option<MailboxCursor>>;
    async fn save_mailbox_cursor(
        &self,
        tenant: &TenantId,
        cursor: &MailboxCursor,
    ) -> StoreResult<()>;
}

/// Idempotency claims of outbound work: which message is a lead's first
/// reply, whether a send key has been sent (see [`crate::outbound::claims`]).
#[async_trait]
pub trait ClaimStore: Send + Sync {
    /// Writes the record unless one with its key exists; returns the
    /// existing record when there is one (and writes nothing).
    async fn claim(
        &self,
        tenant: &TenantId,
        record: &ClaimRecord,
    ) -> StoreResult<Option<ClaimRecord>>;
    async fn get_claim(&self, tenant: &TenantId, key: &str) -> StoreResult<Option<ClaimRecord>>;
    /// Replaces the record if the stored one still has `claimed_at`
    /// (the caller's claim); `Conflict` otherwise.
    async fn update_claim(
        &self,
        tenant: &TenantId,
        record: &ClaimRecord,
        claimed_at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
    /// Deletes the record if it is still the caller's (`claimed_at`).
    async fn release_claim(
        &self,
        tenant: &TenantId,
        key: &str,
        claimed_at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
}

/// Follow-up sequences in progress (see [`crate::automation::followup`]).
#[async_trait]
pub trait FollowUpStore: Send + Sync {
    /// Fails with `Conflict` when the lead already has this rule's record:
    /// a rule runs at most once per lead.
    async fn insert_follow_up(&self, tenant: &TenantId, follow_up: &FollowUp) -> StoreResult<()>;
    async fn get_follow_up(
        &self,
        tenant: &TenantId,
        rule: RuleId,
        lead: LeadId,
    ) -> StoreResult<Option<FollowUp>>;
    /// Replaces the record if its stored version is `follow_up.version - 1`.
    async fn update_follow_up(&self, tenant: &TenantId, follow_up: &FollowUp) -> StoreResult<()>;
    async fn list_lead_follow_ups(
        &self,
        tenant: &TenantId,
        lead: LeadId,
    ) -> StoreResult<Vec<FollowUp>>;
    /// Across every dealership (the scheduled job's view): up to `limit`
    /// sequences whose next step is due at or before `now`, earliest first.
    /// Served by an index on the due time, never a scan.
    async fn due_follow_ups(
        &self,
        now: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> StoreResult<Vec<FollowUp>>;
}

/// Analytics roll-ups (see [`crate::analytics`]): one per Oslo day.
#[async_trait]
pub trait AnalyticsStore: Send + Sync {
    /// Replaces the day's roll-up (a rebuilt day is simply written again).
    async fn put_rollup(&self, tenant: &TenantId, rollup: &DailyRollup) -> StoreResult<()>;
    /// The roll-ups of `from..=to`, oldest first; days without one are absent.
    async fn list_rollups(
        &self,
        tenant: &TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StoreResult<Vec<DailyRollup>>;
    /// Where the roll-up job left off for this dealership.
    async fn get_rollup_cursor(&self, tenant: &TenantId) -> StoreResult<Option<RollupCursor>>;
    async fn save_rollup_cursor(&self, tenant: &TenantId, cursor: &RollupCursor)
    -> StoreResult<()>;
    /// The leads with anything written at or after `since`: the lead
    /// itself, a message of its conversation, or one of its appointments.
    /// Their days are the roll-ups to compute again. Served by an index on
    /// the write time, never a scan.
    async fn leads_active_since(
        &self,
        tenant: &TenantId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<std::collections::BTreeSet<LeadId>>;
}

/// Named counters in the dealership's partition, incremented atomically
/// (round-robin assignment takes turns by one).
#[async_trait]
pub trait CounterStore: Send + Sync {
    /// Adds one and returns the new value (the first call returns 1).
    async fn increment(&self, tenant: &TenantId, name: &str) -> StoreResult<u64>;
}

/// Where a scheduled job that reads changes left off, per dealership and
/// job (`event-scan` …): the time its last run started.
#[async_trait]
pub trait JobCursorStore: Send + Sync {
    async fn get_job_cursor(
        &self,
        tenant: &TenantId,
        job: &str,
    ) -> StoreResult<Option<chrono::DateTime<chrono::Utc>>>;
    async fn save_job_cursor(
        &self,
        tenant: &TenantId,
        job: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<()>;
}

/// The log of webhook deliveries per endpoint (kept
/// [`crate::integrations::webhooks::LOG_DAYS`]).
#[async_trait]
pub trait WebhookLogStore: Send + Sync {
    /// Writes the delivery, replacing the record with its id.
    async fn put_delivery(
        &self,
        tenant: &TenantId,
        delivery: &crate::integrations::webhooks::WebhookDelivery,
    ) -> StoreResult<()>;
    async fn get_delivery(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        id: &str,
    ) -> StoreResult<Option<crate::integrations::webhooks::WebhookDelivery>>;
    /// The endpoint's newest deliveries first.
    async fn list_deliveries(
        &self,
        tenant: &TenantId,
        endpoint_id: &str,
        limit: usize,
    ) -> StoreResult<Vec<crate::integrations::webhooks::WebhookDelivery>>;
}

/// The kinds of outside identifier that lead to a dealership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKind {
    ClerkOrg,
    Slug,
    FormKey,
    InboundEmail,
    FacebookPage,
    /// The dealership's own SMS number (E.164) that customers text.
    SmsNumber,
    /// A number the operator bought for the dealership (the operator's
    /// list): only such a number can become its `SmsNumber`.
    ProvisionedSms,
}

impl RouteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RouteKind::ClerkOrg => "clerk_org",
            RouteKind::Slug => "slug",
            RouteKind::FormKey => "form_key",
            RouteKind::InboundEmail => "inbound_email",
            RouteKind::FacebookPage => "facebook_page",
            RouteKind::SmsNumber => "sms_number",
            RouteKind::ProvisionedSms => "provisioned_sms",
        }
    }

    /// Slugs and addresses are case-insensitive; the other keys are opaque.
    pub fn normalise_key(self, key: &str) -> String {
        match self {
            RouteKind::Slug | RouteKind::InboundEmail => key.trim().to_lowercase(),
            _ => key.trim().to_string(),
        }
    }
}

/// Routing records live outside every tenant: they are how a tenant is found.
#[async_trait]
pub trait RoutingStore: Send + Sync {
    /// Points `key` at the dealership. Idempotent for the same dealership;
    /// `Conflict` when another dealership holds the key.
    async fn claim_route(&self, kind: RouteKind, key: &str, tenant: &TenantId) -> StoreResult<()>;
    async fn lookup_route(&self, kind: RouteKind, key: &str) -> StoreResult<Option<DealershipId>>;
    /// Removes the record if it points at this dealership (undoes a claim).
    async fn release_route(&self, kind: RouteKind, key: &str, tenant: &TenantId)
    -> StoreResult<()>;
}

/// Every port, as the services take them. Adapters build one of these.
#[derive(Clone)]
pub struct Stores {
    pub dealerships: Arc<dyn DealershipStore>,
    pub users: Arc<dyn UserStore>,
    pub leads: Arc<dyn LeadStore>,
    pub conversations: Arc<dyn ConversationStore>,
    pub vehicles: Arc<dyn VehicleStore>,
    pub appointments: Arc<dyn AppointmentStore>,
    pub rules: Arc<dyn RuleStore>,
    pub routes: Arc<dyn RoutingStore>,
    pub captures: Arc<dyn CaptureStore>,
    pub mailboxes: Arc<dyn MailboxStore>,
    pub claims: Arc<dyn ClaimStore>,
    pub follow_ups: Arc<dyn FollowUpStore>,
    pub counters: Arc<dyn CounterStore>,
    pub audit: Arc<dyn AuditStore>,
    pub analytics: Arc<dyn AnalyticsStore>,
    pub job_cursors: Arc<dyn JobCursorStore>,
    pub webhook_log: Arc<dyn WebhookLogStore>,
}

impl Stores {
    /// All ports served by one adapter value.
    pub fn from_adapter<A>(adapter: Arc<A>) -> Self
    where
        A: DealershipStore
            + UserStore
            + LeadStore
            + ConversationStore
            + VehicleStore
            + AppointmentStore
            + RuleStore
            + RoutingStore
            + CaptureStore
            + MailboxStore
            + ClaimStore
            + FollowUpStore
            + CounterStore
            + AuditStore
            + AnalyticsStore
            + JobCursorStore
            + WebhookLogStore
            + 'static,
    {
        Stores {
            dealerships: adapter.clone(),
            users: adapter.clone(),
            leads: adapter.clone(),
            conversations: adapter.clone(),
            vehicles: adapter.clone(),
            appointments: adapter.clone(),
            rules: adapter.clone(),
            routes: adapter.clone(),
            captures: adapter.clone(),
            mailboxes: adapter.clone(),
            claims: adapter.clone(),
            follow_ups: adapter.clone(),
            counters: adapter.clone(),
            audit: adapter.clone(),
            analytics: adapter.clone(),
            job_cursors: adapter.clone(),
            webhook_log: adapter,
        }
    }
}
