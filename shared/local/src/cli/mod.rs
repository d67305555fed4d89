//! The `norvalt` command's parts, one file per command group; `main.rs`
//! parses the line and hands each command to its group.

pub mod configure;
pub mod dealership;
pub mod jobs;
pub mod queues;
pub mod serve;

use norvalt_core::Role;
use norvalt_core::queue::QueueName;

pub fn parse_instant(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.to_utc())
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-11-26T09:00:00+01:00"))
}

pub fn parse_queue(name: &str) -> Result<QueueName, String> {
    QueueName::parse(name).ok_or_else(|| "expected capture, ai, send or imap".to_string())
}

pub fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_clerk(s)
        .filter(|_| s != "member")
        .ok_or_else(|| "one of admin, manager, sales_rep".to_string())
}
