//! Every cross-crate test, in one binary: linking the platform and the AWS
//! SDK once rather than once per file is most of what a build of the tests
//! costs on a small machine. Each module is one area; `conformance` holds
//! one file per storage port.
//!
//! Tests that need moto or Dovecot are `#[ignore]`d with that reason, so a
//! plain `cargo test` never counts them as passed; `scripts/test` starts
//! both and runs them with `--include-ignored`.

mod analytics;
mod analytics_live;
mod api;
mod auth;
mod automations;
mod booking;
mod booking_ics;
mod capture;
mod capture_google;
mod capture_lambda;
mod capture_trust;
mod conformance;
mod conversation;
mod dashboard;
mod dynamodb_upgrade;
mod fuzz;
mod gdpr;
mod imap;
mod inbox;
mod integrations_adf;
mod integrations_meta;
mod integrations_webhooks;
mod inventory;
mod lambda_events;
mod lead_export;
mod plans;
mod reply;
mod reply_bedrock;
mod reply_lambda;
mod settings;
mod sms;
mod sms_numbers;
mod team;
