//! Use cases. Each takes the ports it needs and the authenticated [`Actor`]
//! (or a routing-derived tenant), checks the permission, validates, and
//! writes. The HTTP routers and the Lambda job handlers only translate.
//!
//! [`Actor`]: crate::Actor
//!
//! No service imports another that imports it back. From the bottom:
//! `lead_records` (load and change one lead) and `reply_writer` (write a
//! reply's text) depend on no service; `assignment`, `automation`,
//! `leads`, `conversations`, `ai`, `handover`, `turns`, `responder` and
//! `sender` build on them in that order, and what travels between them is a job in
//! [`crate::jobs`], not a call.

pub mod account;
pub mod ai;
pub mod analytics;
pub mod appointments;
pub mod assignment;
pub mod automation;
pub mod billing;
pub mod booking;
pub mod bulk;
pub mod conversations;
pub mod drafts;
pub mod gdpr;
pub mod handover;
pub mod inbox_setup;
pub mod intake;
pub mod integrations;
pub mod inventory;
pub mod lead_export;
pub mod lead_list;
pub mod lead_records;
pub mod leads;
pub mod mailbox_poll;
pub mod maintenance;
pub mod membership;
pub mod notify;
pub mod provisioning;
pub mod reply_fields;
pub mod reply_writer;
pub mod responder;
pub mod sender;
pub mod ses_events;
pub mod settings;
pub mod turns;
pub mod vehicles;

/// How often a read-modify-write is retried when another writer got there first.
pub(crate) const MAX_WRITE_ATTEMPTS: usize = 8;
