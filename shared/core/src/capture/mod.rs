//! Lead capture: the envelope that entry points enqueue, the parsers for
//! each channel (website form, Meta Lead Ads, importer email), and the
//! records that make intake idempotent and merge repeat inquiries.
//!
//! Everything here is pure: the webhooks and `lead-intake` (in
//! [`crate::service::intake`]) bring the I/O through ports.

pub mod candidate;
pub mod dedup;
pub mod email;
pub mod envelope;
pub mod facebook;
pub mod form;
pub mod google;
pub mod mailbox;
pub mod sources;

pub use candidate::{FormLead, LeadCandidate};
pub use dedup::{
    CaptureCommit, CaptureOutcome, CaptureRecord, ContactKey, ContactRecord, LeadWrite,
};
pub use envelope::{
    Capture, CaptureEnvelope, EmailCapture, FacebookCapture, FormCapture, GoogleCapture,
    IdempotencyKey, MailAuth, MailVia, SmsCapture, form_capture_id, mail_key,
};
