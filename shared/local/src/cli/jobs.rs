//! The scheduled jobs and the capture pipeline, run once by hand: analytics
//! roll-ups, follow-ups, an IMAP poll, a mail pushed through capture, and
//! the one-off maintenance after an upgrade.

use std::path::Path;

use clap::Subcommand;
use norvalt_core::service::provisioning;
use norvalt_local::{Backend, Platform, ingest};

use super::parse_instant;

#[derive(Subcommand)]
pub enum AnalyticsCommand {
    /// Bring every dealership's roll-ups up to date, as the hourly job does,
    /// and print what it did as JSON.
    Rollup {
        #[arg(long, value_parser = parse_instant)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Recompute one dealership's roll-up for one Oslo day and print it.
    RebuildDay {
        #[arg(long)]
        dealership: String,
        /// `YYYY-MM-DD`
        #[arg(long)]
        day: chrono::NaiveDate,
    },
}

#[derive(Subcommand)]
pub enum FollowupsCommand {
    /// Run every step due at `--at` (default: now) once, as the scheduled
    /// job does, and print what it did as JSON. The messages it queues are
    /// written and sent by `serve`'s workers.
    Run {
        /// The clock to run at, RFC 3339 (`2026-11-26T09:00:00+01:00`).
        #[arg(long, value_parser = parse_instant)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// `norvalt ingest-email FILE`: the mail through capture, as SES or IMAP
/// would deliver it; prints the outcome.
pub async fn ingest_email(
    platform: &Platform,
    file: &Path,
    dealership: Option<String>,
) -> Result<(), String> {
    let raw = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    println!(
        "{}",
        ingest::ingest_email(platform, &raw, dealership).await?
    );
    Ok(())
}

/// `norvalt imap-poll`: every registered mailbox once; a JSON line each.
pub async fn imap_poll(platform: &Platform) -> Result<(), String> {
    let poller = platform.mailbox_poller()?;
    let reports = poller.poll_all().await;
    for report in &reports {
        println!("{}", serde_json::to_string(report).expect("serialisable"));
    }
    match reports.iter().any(|r| r.error.is_some()) {
        true => Err("some mailboxes could not be polled".into()),
        false => Ok(()),
    }
}

pub async fn analytics(platform: &Platform, command: AnalyticsCommand) -> Result<(), String> {
    let job = platform.rollup_job();
    let now = norvalt_core::time::now();
    let printed = match command {
        AnalyticsCommand::Rollup { at } => {
            let report = job
                .run(at.unwrap_or(now))
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_string(&report)
        }
        AnalyticsCommand::RebuildDay { dealership, day } => {
            let (tenant, _) = provisioning::find_by_slug(&platform.stores, &dealership)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no dealership with slug {dealership}"))?;
            let rollup = job
                .rebuild_day(&tenant, day, now)
                .await
                .map_err(|e| e.to_string())?;
            serde_json::to_string(&rollup)
        }
    };
    println!("{}", printed.expect("serialisable"));
    Ok(())
}

pub async fn followups(platform: &Platform, command: FollowupsCommand) -> Result<(), String> {
    let FollowupsCommand::Run { at } = command;
    let at = at.unwrap_or_else(norvalt_core::time::now);
    let report = platform
        .follow_up_runner()
        .run_due(at)
        .await
        .map_err(|e| e.to_string())?;
    let reminded = platform
        .reminders()
        .run_due(at)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", serde_json::to_string(&report).expect("serialisable"));
    let targets = platform
        .escalations()
        .run_due(at)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}", serde_json::json!({"appointment_reminders": reminded}));
    println!("{}", serde_json::json!({"response_targets": targets}));
    match report.failed {
        0 => Ok(()),
        n => Err(format!(
            "{n} follow-up steps failed; they are tried again next run"
        )),
    }
}

pub async fn maintenance(platform: &Platform, backend: Backend) -> Result<(), String> {
    let now = norvalt_core::time::now();
    let emails =
        norvalt_core::service::maintenance::quarantine_unsafe_emails(&platform.stores, now)
            .await
            .map_err(|e| e.to_string())?;
    // SQLite never expires a suppression; DynamoDB's TTL did before.
    let mut suppressions_kept = 0;
    let mut changes_indexed = 0;
    if backend == Backend::Aws {
        let config = norvalt_aws::config::load().await;
        let store = norvalt_aws::DynamoStore::from_sdk_config(&config, &platform.env)
            .map_err(|e| e.to_string())?;
        for (tenant, _, _) in provisioning::directory(&platform.stores)
            .await
            .map_err(|e| e.to_string())?
        {
            suppressions_kept += store
                .keep_suppressions_forever(&tenant)
                .await
                .map_err(|e| e.to_string())?;
            changes_indexed += store
                .index_earlier_changes(&tenant)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "leads_checked": emails.leads_checked,
            "emails_quarantined": emails.emails_quarantined,
            "suppressions_kept_forever": suppressions_kept,
            "changes_indexed": changes_indexed,
        })
    );
    Ok(())
}
