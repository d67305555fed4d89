//! `norvalt`: the local platform's command line (`scripts/dev` wraps it).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use norvalt_core::model::NewDealership;
use norvalt_core::queue::{DeadLetters, QueueName};
use norvalt_core::service::provisioning;
use norvalt_core::{Role, time};
use norvalt_local::keys::SessionClaims;
use norvalt_local::{Backend, Platform, ingest, seed};

mod configure;

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
    /// Print the API's OpenAPI document (what `/api/openapi.json` serves).
    Openapi,
    /// One-off repairs after an upgrade (idempotent; run once per
    /// deployment, on `--backend aws` for the cloud): unsafe stored customer
    /// emails set aside, suppressions written with a TTL kept for ever.
    Maintenance,
}

#[derive(Subcommand)]
enum AnalyticsCommand {
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
enum FollowupsCommand {
    /// Run every step due at `--at` (default: now) once, as the scheduled
    /// job does, and print what it did as JSON. The messages it queues are
    /// written and sent by `serve`'s workers.
    Run {
        /// The clock to run at, RFC 3339 (`2026-11-26T09:00:00+01:00`).
        #[arg(long, value_parser = parse_instant)]
        at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

fn parse_instant(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.to_utc())
        .map_err(|e| format!("not an RFC 3339 time ({e}), e.g. 2026-11-26T09:00:00+01:00"))
}

#[derive(Subcommand)]
enum DlqCommand {
    /// The messages on a queue's DLQ, oldest first, as JSON lines.
    List {
        #[arg(value_parser = parse_queue)]
        queue: QueueName,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One dead letter with its body.
    Show {
        #[arg(value_parser = parse_queue)]
        queue: QueueName,
        id: String,
    },
    /// Back onto the queue: one message, or all with --all.
    Redrive {
        #[arg(value_parser = parse_queue)]
        queue: QueueName,
        id: Option<String>,
        #[arg(long, conflicts_with = "id")]
        all: bool,
    },
}

fn parse_queue(name: &str) -> Result<QueueName, String> {
    QueueName::parse(name).ok_or_else(|| "expected capture, ai or send".to_string())
}

#[derive(Subcommand)]
enum DealershipCommand {
    /// Set a dealership's lead channels: form origins and thank-you page,
    /// Facebook page, IMAP mailbox.
    Configure(Box<configure::ConfigureArgs>),
    /// Print a dealership (with its form key and inbound address) as JSON.
    Show { slug: String },
    /// Create a dealership and print it as JSON.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// The Clerk organisation whose members work here.
        #[arg(long)]
        clerk_org_id: Option<String>,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_clerk(s)
        .filter(|_| s != "member")
        .ok_or_else(|| "one of admin, manager, sales_rep".to_string())
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
        Command::IngestEmail { file, dealership } => {
            let raw = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            println!(
                "{}",
                ingest::ingest_email(&platform, &raw, dealership).await?
            );
            Ok(())
        }
        Command::ImapPoll => {
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
        Command::Analytics { command } => {
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
        Command::Followups {
            command: FollowupsCommand::Run { at },
        } => {
            let at = at.unwrap_or_else(norvalt_core::time::now);
            let report = platform
                .follow_up_runner()
                .run_due(at)
                .await
                .map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string(&report).expect("serialisable"));
            match report.failed {
                0 => Ok(()),
                n => Err(format!(
                    "{n} follow-up steps failed; they are tried again next run"
                )),
            }
        }
        Command::Dlq { command } => match cli.backend {
            Backend::Sqlite => dlq(&platform.queues, command).await,
            // The stack's SQS queues: NORVALT_<QUEUE>_QUEUE_URL and _DLQ_URL.
            Backend::Aws => {
                let config = norvalt_aws::config::load().await;
                let queues = norvalt_aws::sqs::SqsQueues::from_env(&config, &platform.env)
                    .map_err(|e| e.to_string())?;
                dlq(&queues, command).await
            }
        },
        Command::Dealership {
            command: DealershipCommand::Configure(args),
        } => configure::run(&platform, *args).await,
        Command::Serve { addr } => serve(platform, addr).await,
        Command::Maintenance => maintenance(&platform, cli.backend).await,
        Command::Openapi => {
            use utoipa::OpenApi;
            let doc = norvalt_http::openapi::ApiDoc::openapi();
            println!("{}", doc.to_pretty_json().map_err(|e| e.to_string())?);
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
        Command::Token {
            dealership,
            role,
            ttl_hours,
        } => {
            println!(
                "{}",
                token(&platform, &dealership, role, ttl_hours * 3600).await?
            );
            Ok(())
        }
        Command::Dealership {
            command: DealershipCommand::Show { slug },
        } => {
            let found = provisioning::find_by_slug(&platform.stores, &slug)
                .await
                .map_err(|e| e.to_string())?;
            let (_, dealership) = found.ok_or_else(|| format!("no dealership with slug {slug}"))?;
            let mut shown = serde_json::to_value(&dealership).expect("serialisable");
            shown["form_url"] = configure::form_url(&dealership).into();
            shown["embed_snippet"] = configure::embed_snippet(&dealership).into();
            println!(
                "{}",
                serde_json::to_string_pretty(&shown).expect("serialisable")
            );
            Ok(())
        }
        Command::Dealership {
            command:
                DealershipCommand::Create {
                    name,
                    slug,
                    email,
                    phone,
                    address,
                    clerk_org_id,
                },
        } => {
            let input = NewDealership {
                name,
                slug,
                email,
                phone,
                address,
                clerk_org_id,
                subscription_tier: None,
                opening_hours: None,
            };
            let (_, dealership) = provisioning::create_dealership(
                &platform.stores,
                &platform.settings,
                input,
                time::now(),
            )
            .await
            .map_err(|e| match e {
                norvalt_core::DomainError::Validation(f) => f
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            })?;
            println!(
                "{}",
                serde_json::to_string_pretty(&dealership).expect("serialisable")
            );
            Ok(())
        }
    }
}

async fn dlq(dlq: &dyn DeadLetters, command: DlqCommand) -> Result<(), String> {
    match command {
        DlqCommand::List { queue, limit } => {
            let letters = dlq.list(queue, limit).await.map_err(|e| e.to_string())?;
            for l in &letters {
                let summary = serde_json::json!({
                    "id": l.id, "receive_count": l.receive_count,
                    "failed_at": l.failed_at, "reason": l.reason,
                });
                println!("{summary}");
            }
            eprintln!("{} message(s) on the {} DLQ", letters.len(), queue.as_str());
            Ok(())
        }
        DlqCommand::Show { queue, id } => {
            let letter = dlq
                .show(queue, &id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no message {id} on the {} DLQ", queue.as_str()))?;
            println!(
                "{}",
                serde_json::to_string_pretty(&letter).expect("serialisable")
            );
            Ok(())
        }
        DlqCommand::Redrive { queue, id, all } => {
            if id.is_none() && !all {
                return Err("name a message id, or pass --all".into());
            }
            let moved = dlq
                .redrive(queue, id.as_deref())
                .await
                .map_err(|e| e.to_string())?;
            println!("redrove {moved} message(s) to the {} queue", queue.as_str());
            Ok(())
        }
    }
}

/// A token for the first user of `role` in the dealership.
async fn token(
    platform: &Platform,
    slug: &str,
    role: Role,
    ttl_secs: i64,
) -> Result<String, String> {
    let (tenant, dealership) = provisioning::find_by_slug(&platform.stores, slug)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no dealership with slug {slug}"))?;
    let org_id = dealership
        .clerk_org_id
        .clone()
        .ok_or("the dealership has no Clerk organisation")?;
    let users = platform
        .stores
        .users
        .list_users(&tenant)
        .await
        .map_err(|e| e.to_string())?;
    let mut users: Vec<_> = users.into_iter().filter(|u| u.role == role).collect();
    users.sort_by(|a, b| a.clerk_user_id.cmp(&b.clerk_user_id));
    let user = users
        .first()
        .ok_or_else(|| format!("{slug} has no {} user", role.as_str()))?;
    eprintln!(
        "{} ({}) at {}",
        user.name.as_deref().unwrap_or(&user.email),
        role.as_str(),
        dealership.name
    );
    let claims = SessionClaims {
        clerk_user_id: user.clerk_user_id.clone(),
        org_id,
        org_slug: dealership.slug.clone(),
        role: role.as_str().to_string(),
    };
    Ok(platform.keys.mint(&claims, ttl_secs))
}

async fn serve(mut platform: Platform, addr: SocketAddr) -> Result<(), String> {
    // The dev login hands out tokens to anyone who asks: only on loopback,
    // unless NORVALT_DEV_LOGIN=1 says otherwise.
    let forced = std::env::var("NORVALT_DEV_LOGIN").is_ok_and(|v| v.trim() == "1");
    if !addr.ip().is_loopback() && !forced {
        platform.dev_login = false;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws_config=warn".into()),
        )
        .init();
    let seeded = seed::seed_demo(&platform.stores, &platform.settings, time::now())
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("bind {addr}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let dev_token = token(&platform, seed::DEMO_SLUGS[0], Role::SalesRep, 12 * 3600).await?;
    if seeded > 0 {
        println!(
            "Seeded {seeded} demo dealership(s): {}",
            seed::DEMO_SLUGS.join(", ")
        );
    }
    println!("Norvalt is running at http://{addr}");
    match platform.dashboard_dir.join("index.html").is_file() {
        true if platform.dev_login => println!(
            "  Dashboard:  http://{addr}/ (sign in as any demo user; Sofie Bråten is a sales rep)"
        ),
        true => println!("  Dashboard:  http://{addr}/ (dev login off: bring a token)"),
        false => println!(
            "  Dashboard:  not built in {} (scripts/dev serve builds it)",
            platform.dashboard_dir.display()
        ),
    }
    println!("  API docs:   http://{addr}/api/docs");
    println!("  Data dir:   {}", platform.data_dir.display());
    println!("  Dev token (sales rep, Bilsenteret Drammen, 12 h):\n{dev_token}\n");
    println!("Try:\n  curl -H \"Authorization: Bearer $TOKEN\" http://{addr}/api/leads");
    if let Ok(Some((_, d))) =
        norvalt_core::service::provisioning::find_by_slug(&platform.stores, "bilsenteret-drammen")
            .await
    {
        println!(
            "A website lead (its reply lands in {}/outbox/):\n  curl -X POST http://{addr}/webhooks/form/{} -H 'content-type: application/json' \\\n    -d '{{\"name\":\"Kari Nordmann\",\"email\":\"kari@example.no\",\"vehicle_interest\":\"Toyota bZ4X\",\"message\":\"Er den på lager?\"}}'",
            platform.data_dir.display(),
            d.form_key
        );
    }
    println!("More tokens: scripts/dev token --dealership fjord-bil-bergen --role admin");
    platform.start_workers();
    let app = platform.router();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

async fn maintenance(platform: &Platform, backend: Backend) -> Result<(), String> {
    let now = norvalt_core::time::now();
    let emails =
        norvalt_core::service::maintenance::quarantine_unsafe_emails(&platform.stores, now)
            .await
            .map_err(|e| e.to_string())?;
    // SQLite never expires a suppression; DynamoDB's TTL did before.
    let mut suppressions_kept = 0;
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
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "leads_checked": emails.leads_checked,
            "emails_quarantined": emails.emails_quarantined,
            "suppressions_kept_forever": suppressions_kept,
        })
    );
    Ok(())
}
