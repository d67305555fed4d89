//! `norvalt`: the local platform's command line (`scripts/dev` wraps it).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use norvalt_core::{Role, time};
use norvalt_local::{Backend, Platform, seed};

mod cli;

use cli::dealership::DealershipCommand;
use cli::jobs::{AnalyticsCommand, FollowupsCommand};
use cli::queues::{DlqCommand, QueuesCommand};
use cli::{parse_role, serve};

#[derive(Parser)]
#[command(
    name = "norvalt",
    about = "Norvalt's local platform: API, storage and dev tools in one process"
)]
struct Cli {
    /// Where state lives (SQLite file, signing key).
    #[arg(
        long,
        env = "NORVALT_DATA_DIR",
        default_value = ".norvalt",
        global = true
    )]
    data_dir: PathBuf,
    /// Storage backend.
    #[arg(
        long,
        env = "NORVALT_BACKEND",
        value_enum,
        default_value = "sqlite",
        global = true
    )]
    backend: Backend,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the whole platform on one address (seeds the demo dealerships on first start).
    Serve {
        #[arg(long, env = "NORVALT_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Print a session token for a dealership user; the token alone is on the last line.
    Token {
        #[arg(long)]
        dealership: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Lifetime in hours.
        #[arg(long, default_value_t = 12)]
        ttl_hours: i64,
    },
    /// Seed the demo dealerships if they are missing.
    Seed,
    /// Add COUNT varied, realistic leads to a dealership (demos and benchmarks).
    SeedLeads {
        #[arg(long)]
        dealership: String,
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Spread over this many past days.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// Inspect or create dealerships.
    Dealership {
        #[command(subcommand)]
        command: DealershipCommand,
    },
    /// Push a raw mail (.eml) through the capture pipeline, as SES or IMAP
    /// would, and print the outcome.
    IngestEmail {
        file: PathBuf,
        /// The dealership it was received for; by default its recipients decide.
        #[arg(long)]
        dealership: Option<String>,
    },
    /// Poll every registered IMAP mailbox once, here and now (what the
    /// `imap-poller` schedule and `imap-mailbox` do between them), and print
    /// what each poll did, as JSON lines.
    ImapPoll,
    /// Analytics roll-ups (the `analytics-rollup` schedule).
    Analytics {
        #[command(subcommand)]
        command: AnalyticsCommand,
    },
    /// Follow-up sequences (the `followups` schedule).
    Followups {
        #[command(subcommand)]
        command: FollowupsCommand,
    },
    /// Dead-letter queues: list, show or redrive (capture, ai, send).
    Dlq {
        #[command(subcommand)]
        command: DlqCommand,
    },
    /// Local queue depths, or a wait until the running server's work is done.
    Queues {
        #[command(subcommand)]
        command: QueuesCommand,
    },
    /// Print the API's OpenAPI document (what `/api/openapi.json` serves).
    Openapi,
    /// One-off repairs after an upgrade (idempotent; run once per
    /// deployment, on `--backend aws` for the cloud): unsafe stored customer
    /// emails set aside, suppressions written with a TTL kept for ever.
    Maintenance,
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli).await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let platform = Platform::open(&cli.data_dir, cli.backend).await?;
    match cli.command {
        Command::Serve { addr } => serve::serve(platform, addr).await,
        Command::Token {
            dealership,
            role,
            ttl_hours,
        } => {
            let token = serve::token(&platform, &dealership, role, ttl_hours * 3600).await?;
            println!("{token}");
            Ok(())
        }
        Command::Seed => {
            let n = seed::seed_demo(&platform.stores, &platform.settings, time::now())
                .await
                .map_err(|e| e.to_string())?;
            println!("seeded {n} demo dealership(s)");
            Ok(())
        }
        Command::SeedLeads {
            dealership,
            count,
            days,
        } => {
            let n = seed::seed_leads(&platform.stores, &dealership, count, days)
                .await
                .map_err(|e| e.to_string())?;
            println!("added {n} leads to {dealership}");
            Ok(())
        }
        Command::Dealership { command } => cli::dealership::run(&platform, command).await,
        Command::IngestEmail { file, dealership } => {
            cli::jobs::ingest_email(&platform, &file, dealership).await
        }
        Command::ImapPoll => cli::jobs::imap_poll(&platform).await,
        Command::Analytics { command } => cli::jobs::analytics(&platform, command).await,
        Command::Followups { command } => cli::jobs::followups(&platform, command).await,
        Command::Maintenance => cli::jobs::maintenance(&platform, cli.backend).await,
        Command::Dlq { command } => {
            cli::queues::dead_letters(&platform, cli.backend, command).await
        }
        Command::Queues { command } => cli::queues::queues(&platform, cli.backend, command).await,
        Command::Openapi => {
            let doc = norvalt_http::openapi::api_doc();
            println!("{}", doc.to_pretty_json().map_err(|e| e.to_string())?);
            Ok(())
        }
    }
}
