//! The all-in-one local platform: storage (SQLite by default, DynamoDB with
//! `--backend aws`), the local signing key, and one router serving the API,
//! its docs, the JWKS and a health check.
//!
//! It is long on purpose: it is the local twin of every function's
//! `main.rs` at once — the configuration read from the environment, one
//! constructor per job handler and one router per function — and keeping
//! that wiring in one place is what lets a reader check it against
//! `template.yaml` and `functions/` side by side. Behaviour lives in the
//! crates it wires, never here.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::get;
use axum::{Json, Router};

use norvalt_core::Stores;
use norvalt_core::config::Env;
use norvalt_core::outbound::links::BookingLinks;
use norvalt_core::pagination::CursorCodec;
use norvalt_core::service::automation::escalation::Escalations;
use norvalt_core::service::booking::reminders::Reminders;
use norvalt_core::service::provisioning::PlatformSettings;
use norvalt_http::AppState;
use norvalt_http::auth::{JwtVerifier, KeySource};

use norvalt_core::ai::ReplyModel;
use norvalt_core::jobs::JobHandler;
use norvalt_core::queue::QueueName;
use norvalt_core::service::analytics::RollupJob;
use norvalt_core::service::automation::FollowUpRunner;
use norvalt_core::service::intake::{Intake, IntakeConfig};
use norvalt_core::service::integrations::endpoints::EndpointServices;
use norvalt_core::service::integrations::{EventScan, EventSender, WebhookSettings};
use norvalt_core::service::inventory::FeedJob;
use norvalt_core::service::mailbox_poll::{self, MailboxPoller};
use norvalt_core::service::responder::Responder;
use norvalt_core::service::sender::{Sender, SenderConfig};
use norvalt_http::anthropic::AnthropicClient;
use norvalt_http::graph::GraphClient;
use norvalt_http::routes::ai::ReplyEngineState;
use norvalt_http::webhooks::twilio::TwilioWebhook;
use norvalt_http::webhooks::{CaptureState, FacebookWebhook, RateLimiter};
use norvalt_imap::ImapConnector;

use crate::outbox::Outbox;

use crate::keys::{LOCAL_ISSUER, LocalKeys};
use crate::sources::{MailDir, SecretsFile};
use crate::sqlite::SqliteStore;
use norvalt_core::capture::sources::SecretWriter;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// One SQLite file in the data dir.
    Sqlite,
    /// DynamoDB at `AWS_ENDPOINT_URL` (moto server, LocalStack) or in a real account; table `NORVALT_TABLE`.
    Aws,
}

pub struct Platform {
    pub stores: Stores,
    /// The durable local queues (and, with the SQLite backend, the stores).
    pub queues: SqliteStore,
    pub mail: Arc<MailDir>,
    /// Page tokens and IMAP passwords: `secrets.json` in the data dir (or
    /// `NORVALT_SECRET_*` variables), Secrets Manager with `--backend aws`.
    pub secrets: Arc<dyn SecretWriter>,
    pub keys: Arc<LocalKeys>,
    pub cursors: CursorCodec,
    pub settings: PlatformSettings,
    pub data_dir: PathBuf,
    /// Form posts per minute per form key and client (`NORVALT_FORM_RATE_LIMIT`).
    pub form_rate_limit: u32,
    /// Posts per minute to one form from all addresses together.
    pub form_key_rate_limit: u32,
    /// Meta app secret and verify token (`NORVALT_FACEBOOK_*`); `None` turns
    /// the Facebook webhook off.
    pub facebook: Option<Arc<FacebookWebhook>>,
    /// Graph API base URL with version (`NORVALT_GRAPH_URL`).
    pub graph_url: String,
    /// Twilio's auth token (`TWILIO_AUTH_TOKEN`) for the inbound SMS and
    /// status webhooks; `None` turns them off.
    pub twilio: Option<Arc<TwilioWebhook>>,
    /// The platform's shared SMS number (`TWILIO_FROM` when it is a
    /// number): texts to it are routed by who texted the sender last.
    pub shared_sms_number: Option<String>,
    /// How often the workers poll IMAP mailboxes (`NORVALT_IMAP_POLL_SECONDS`,
    /// default 60, as the cloud schedule); `None` leaves polling to
    /// `norvalt imap poll`.
    pub imap_poll_interval: Option<Duration>,
    /// How often the due follow-up steps run (`NORVALT_FOLLOWUPS_SECONDS`,
    /// default 300, as the cloud schedule); `None` leaves them to
    /// `norvalt followups run`.
    pub followups_interval: Option<Duration>,
    /// How often the analytics roll-ups are brought up to date
    /// (`NORVALT_ROLLUP_SECONDS`, default 60, as the cloud schedule).
    pub rollup_interval: Option<Duration>,
    /// How often changed leads are looked at for the events they owe
    /// (`NORVALT_EVENT_SCAN_SECONDS`, default 60, as the cloud schedule).
    pub event_scan_interval: Option<Duration>,
    /// Webhook endpoints on this machine or a private network, over
    /// `http` (`NORVALT_WEBHOOKS_ALLOW_PRIVATE`, default on locally; the
    /// cloud never allows them).
    pub webhooks_allow_private: bool,
    /// How often due stock feeds are fetched (`NORVALT_INVENTORY_SECONDS`,
    /// default 900, as the cloud schedule; each feed once an hour).
    pub inventory_interval: Option<Duration>,
    /// `NORVALT_MODEL_PRICE_USD_PER_MTOK`: what the model's tokens cost, in
    /// the analytics.
    pub model_prices: Option<norvalt_core::analytics::ModelPrices>,
    /// Seconds before each webhook retry (the three-day schedule; tests
    /// shorten it).
    pub webhook_retry_schedule: Vec<u32>,
    /// Clerk's membership webhook (`CLERK_WEBHOOK_SIGNING_SECRET`); `None`
    /// leaves `/webhooks/clerk` unrouted.
    pub clerk_webhook_secret: Option<String>,
    /// Where email and SMS go locally (`<data dir>/outbox/`).
    pub outbox: Arc<Outbox>,
    /// Claude when `ANTHROPIC_API_KEY` is set (at `ANTHROPIC_BASE_URL`);
    /// `None`: the built-in Norwegian template answers.
    pub model: Option<Arc<dyn ReplyModel>>,
    pub sender_config: SenderConfig,
    /// `NORVALT_MODEL_BUDGET_MS`, default 20 000 (of the job's 30 s).
    pub model_budget: Duration,
    /// `NORVALT_ANALYSIS_DELAY_SECS`, default 60: the model's lead analysis
    /// runs after the burst of first replies.
    pub analysis_delay_secs: u32,
    /// The dev login (`/dev/login/*`): on with the SQLite backend unless
    /// `NORVALT_DEV_LOGIN=0`, never with `--backend aws`; `serve` turns it
    /// off on a non-loopback address unless it is `1`, and it answers only
    /// requests whose `Host` is a loopback name.
    pub dev_login: bool,
    /// The built dashboard served at `/` (`NORVALT_DASHBOARD_DIR`).
    pub dashboard_dir: PathBuf,
    pub intake_config: IntakeConfig,
    /// AI drafts per dealership and minute (`NORVALT_AI_DRAFTS_PER_MINUTE`).
    pub drafts: Arc<RateLimiter>,
    /// Replies written at once (`NORVALT_AI_CONCURRENCY`, default 32).
    pub ai_concurrency: usize,
    /// Days raw mail is kept (`NORVALT_RAW_MAIL_RETENTION_DAYS`, default 90).
    pub raw_mail_retention_days: i64,
    /// The environment as read when the platform opened.
    pub env: Env,
}

impl Platform {
    pub async fn open(data_dir: &Path, backend: Backend) -> Result<Self, String> {
        let env = local_env(backend);
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("create {}: {e}", data_dir.display()))?;
        let path = data_dir.join("norvalt.db");
        let sqlite =
            SqliteStore::open(&path).map_err(|e| format!("open {}: {e}", path.display()))?;
        let (stores, secrets): (Stores, Arc<dyn SecretWriter>) = match backend {
            Backend::Sqlite => (
                Stores::from_adapter(Arc::new(sqlite.clone())),
                Arc::new(SecretsFile::new(data_dir.join("secrets.json"))),
            ),
            Backend::Aws => {
                let config = norvalt_aws::config::load().await;
                let store = norvalt_aws::DynamoStore::from_sdk_config(&config, &env)
                    .map_err(|e| e.to_string())?;
                norvalt_aws::dynamodb::ensure_table(store.client(), store.table()).await?;
                (
                    Stores::from_adapter(Arc::new(store)),
                    Arc::new(
                        norvalt_aws::secrets::SecretsManager::from_env(&config, &env)
                            .map_err(|e| e.to_string())?,
                    ),
                )
            }
        };
        let keys = LocalKeys::load_or_create(data_dir).map_err(|e| format!("signing key: {e}"))?;
        let cursor_key = crate::files::load_or_create_secret(&data_dir.join("cursor.key"))
            .map_err(|e| format!("cursor key: {e}"))?;
        let link_key = match env.optional("NORVALT_LINK_KEY") {
            Some(k) => k.into_bytes(),
            None => crate::files::load_or_create_secret(&data_dir.join("link.key"))
                .map_err(|e| format!("link key: {e}"))?
                .to_vec(),
        };
        // `NORVALT_AI_PROVIDER=bedrock`: Bedrock with the machine's AWS
        // credentials (or the stand-in at `NORVALT_BEDROCK_URL`). The AWS
        // configuration is loaded only for another provider than the
        // default, and one it does not know is refused there, as in Lambda.
        let bedrock = match env.optional("NORVALT_AI_PROVIDER").as_deref() {
            None | Some("anthropic") => None,
            Some(_) => {
                let config = norvalt_aws::config::load().await;
                norvalt_aws::bedrock::reply_model(&config, &env).map_err(|e| e.to_string())?
            }
        };
        let model = match bedrock {
            Some(bedrock) => Some(bedrock),
            None => AnthropicClient::reply_model(&env, env.optional("ANTHROPIC_API_KEY"))
                .map_err(|e| e.to_string())?,
        };
        let public_url = crate::public_url();
        Ok(Self {
            stores,
            queues: sqlite,
            mail: Arc::new(MailDir::new(data_dir.join("mail"))),
            secrets,
            keys: Arc::new(keys),
            cursors: CursorCodec::new(cursor_key),
            settings: PlatformSettings::default(),
            data_dir: data_dir.to_path_buf(),
            form_rate_limit: RateLimiter::limit_from_env(&env).map_err(|e| e.to_string())?,
            form_key_rate_limit: RateLimiter::form_limit_from_env(&env)
                .map_err(|e| e.to_string())?,
            facebook: FacebookWebhook::from_env(&env).map(Arc::new),
            graph_url: env
                .url("NORVALT_GRAPH_URL")
                .map_err(|e| e.to_string())?
                .unwrap_or_else(|| norvalt_http::graph::DEFAULT_GRAPH_URL.into()),
            imap_poll_interval: interval(&env, "NORVALT_IMAP_POLL_SECONDS", 60)?,
            followups_interval: interval(&env, "NORVALT_FOLLOWUPS_SECONDS", 300)?,
            clerk_webhook_secret: env.optional("CLERK_WEBHOOK_SIGNING_SECRET"),
            rollup_interval: interval(&env, "NORVALT_ROLLUP_SECONDS", 60)?,
            event_scan_interval: interval(&env, "NORVALT_EVENT_SCAN_SECONDS", 60)?,
            inventory_interval: interval(&env, "NORVALT_INVENTORY_SECONDS", 900)?,
            webhooks_allow_private: env
                .parsed::<bool>("NORVALT_WEBHOOKS_ALLOW_PRIVATE")
                .map_err(|e| e.to_string())?
                .unwrap_or(true),
            webhook_retry_schedule: norvalt_core::integrations::webhooks::RETRY_SCHEDULE.to_vec(),
            model_prices: norvalt_core::service::analytics::prices(&env)
                .map_err(|e| e.to_string())?
                .model,
            twilio: TwilioWebhook::from_env(&env, public_url.clone()).map(Arc::new),
            shared_sms_number: env
                .optional("TWILIO_FROM")
                .and_then(|n| norvalt_core::phone::parse(&n)),
            outbox: Arc::new(Outbox::new(data_dir.join("outbox"))),
            model,
            model_budget: env
                .parsed::<u64>("NORVALT_MODEL_BUDGET_MS")
                .map_err(|e| e.to_string())?
                .map(Duration::from_millis)
                .unwrap_or(norvalt_core::service::responder::MODEL_BUDGET),
            analysis_delay_secs: env
                .parsed("NORVALT_ANALYSIS_DELAY_SECS")
                .map_err(|e| e.to_string())?
                .unwrap_or(norvalt_core::service::responder::ANALYSIS_DELAY_SECS),
            // Never beside real data: the AWS backend may be a real account.
            dev_login: backend == Backend::Sqlite
                && !matches!(
                    env.optional("NORVALT_DEV_LOGIN").as_deref(),
                    Some("0" | "off" | "false")
                ),
            dashboard_dir: crate::dashboard::dashboard_dir(),
            sender_config: SenderConfig {
                // Locally the mail domain and the dashboard have defaults:
                // nothing leaves the machine (mail goes to the outbox).
                mail_domain: env
                    .optional("NORVALT_MAIL_DOMAIN")
                    .unwrap_or_else(|| "norvalt.no".into()),
                link_key,
                dashboard_url: env
                    .url("NORVALT_DASHBOARD_URL")
                    .map_err(|e| e.to_string())?
                    .unwrap_or_else(|| public_url.clone()),
                sms_segment_price_nok: norvalt_core::service::sender::sms_segment_price(&env)
                    .map_err(|e| e.to_string())?,
                public_url,
            },
            intake_config: IntakeConfig::from_env(&env).map_err(|e| e.to_string())?,
            drafts: ReplyEngineState::drafts_from_env(&env).map_err(|e| e.to_string())?,
            ai_concurrency: env
                .parsed("NORVALT_AI_CONCURRENCY")
                .map_err(|e| e.to_string())?
                .unwrap_or(32),
            raw_mail_retention_days: env
                .days("NORVALT_RAW_MAIL_RETENTION_DAYS")
                .map_err(|e| e.to_string())?
                .unwrap_or(90),
            env,
        })
    }

    pub fn state(&self) -> AppState {
        let verifier = JwtVerifier::new(KeySource::Static(self.keys.decoding_key()), LOCAL_ISSUER);
        AppState {
            stores: self.stores.clone(),
            verifier: Arc::new(verifier),
            cursors: self.cursors.clone(),
            notices: Some(Arc::new(self.queues.clone())),
        }
    }

    /// `lead-intake`'s handler on this platform's adapters.
    pub fn intake(&self) -> Intake {
        Intake {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
            mail: self.mail.clone(),
            secrets: self.secrets.clone(),
            lead_ads: Arc::new(GraphClient::new(self.graph_url.clone())),
            config: IntakeConfig {
                link_key: self.sender_config.link_key.clone(),
                shared_sms_number: self.shared_sms_number.clone(),
                ..self.intake_config.clone()
            },
        }
    }

    /// `imap-poller`'s handler on this platform's adapters.
    pub fn mailbox_poller(&self) -> Result<MailboxPoller, String> {
        Ok(MailboxPoller {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
            mail: self.mail.clone(),
            secrets: self.secrets.clone(),
            // A developer's own mail server may be on this machine or the LAN.
            connector: Arc::new(ImapConnector::new()?.allow_private_hosts(true)),
            limits: mailbox_poll::PollLimits::default(),
        })
    }

    /// `ai-responder`'s handler on this platform's adapters.
    pub fn responder(&self) -> Responder {
        Responder {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
            model: self.model.clone(),
            model_budget: self.model_budget,
            analysis_delay_secs: self.analysis_delay_secs,
            booking_links: BookingLinks {
                key: self.sender_config.link_key.clone(),
                base_url: Some(self.sender_config.public_url.clone()),
            },
            mail_domain: self.sender_config.mail_domain.clone(),
        }
    }

    /// `sender`'s handler: the outbox for email and SMS.
    pub fn sender(&self) -> Sender {
        Sender {
            stores: self.stores.clone(),
            mailer: self.outbox.clone(),
            sms: self.outbox.clone(),
            config: self.sender_config.clone(),
        }
    }

    /// `followups`' handler: due steps onto the ai and send queues.
    pub fn follow_up_runner(&self) -> FollowUpRunner {
        FollowUpRunner {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
            concurrency: 8,
        }
    }

    /// The response-time steps the `followups` schedule also runs.
    pub fn escalations(&self) -> Escalations {
        Escalations {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
        }
    }

    /// The appointment reminders the `followups` schedule also sends.
    pub fn reminders(&self) -> Reminders {
        Reminders {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
            links: self.responder().booking_links,
        }
    }

    /// `analytics-rollup`'s handler.
    pub fn rollup_job(&self) -> RollupJob {
        RollupJob {
            stores: self.stores.clone(),
            prices: norvalt_core::analytics::Prices {
                sms_segment_nok: self.sender_config.sms_segment_price_nok,
                model: self.model_prices,
            },
            budget: RollupJob::BUDGET,
        }
    }

    /// `event-scan`'s handler.
    pub fn event_scan(&self) -> EventScan {
        EventScan {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
        }
    }

    /// `event-sender`'s handler: Meta's Conversions API at the Graph URL,
    /// webhooks over HTTP.
    pub fn event_sender(&self) -> EventSender {
        EventSender {
            stores: self.stores.clone(),
            secrets: self.secrets.clone(),
            conversions: Arc::new(GraphClient::new(self.graph_url.clone())),
            webhooks: WebhookSettings {
                poster: Arc::new(norvalt_http::outbound::HttpWebhookPoster::new()),
                queue: Arc::new(self.queues.clone()),
                allow_private: self.webhooks_allow_private,
                retry_schedule: self.webhook_retry_schedule.clone(),
            },
        }
    }

    /// `inventory-feeds`' handler: feeds fetched over HTTP, private
    /// addresses as for webhooks.
    pub fn feed_job(&self) -> FeedJob {
        FeedJob {
            stores: self.stores.clone(),
            fetcher: Arc::new(norvalt_http::outbound::HttpFeedFetcher::new()),
            allow_private: self.webhooks_allow_private,
        }
    }

    /// The webhook endpoints API's services (part of `api-account`).
    pub fn endpoint_services(&self) -> EndpointServices {
        EndpointServices {
            stores: self.stores.clone(),
            secrets: self.secrets.clone(),
            queue: Arc::new(self.queues.clone()),
            allow_private: self.webhooks_allow_private,
        }
    }

    /// `api-ai`'s state: the same model and budget as the responder.
    pub fn ai_state(&self) -> ReplyEngineState {
        ReplyEngineState {
            app: self.state(),
            model: self.model.clone(),
            model_budget: self.model_budget,
            drafts: self.drafts.clone(),
        }
    }

    pub fn capture_state(&self) -> CaptureState {
        CaptureState {
            stores: self.stores.clone(),
            queue: Arc::new(self.queues.clone()),
            limiter: Arc::new(RateLimiter::new(
                self.form_rate_limit,
                std::time::Duration::from_secs(60),
            )),
            form_limiter: Arc::new(RateLimiter::new(
                self.form_key_rate_limit,
                std::time::Duration::from_secs(60),
            )),
            facebook: self.facebook.clone(),
            twilio: self.twilio.clone(),
        }
    }

    /// The queue consumers the cloud runs as Lambdas, as tasks of this
    /// process. Messages a previous (crashed) process had taken are handed
    /// out again first.
    pub fn start_workers(&self) {
        let queues = self.queues.clone();
        let intake: Arc<dyn JobHandler> = Arc::new(self.intake());
        let responder: Arc<dyn JobHandler> = Arc::new(self.responder());
        let sender: Arc<dyn JobHandler> = Arc::new(self.sender());
        let event_sender: Arc<dyn JobHandler> = Arc::new(self.event_sender());
        let (ai_queue, send_queue, events_queue) = (
            self.queues.clone(),
            self.queues.clone(),
            self.queues.clone(),
        );
        // `NORVALT_AI_CONCURRENCY`: replies written at once (default 32).
        let ai_loops = self.ai_concurrency;
        tokio::spawn(async move {
            match queues.release_in_flight().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    messages = n,
                    "released messages a previous run had in flight"
                ),
                Err(e) => tracing::error!(error = %e, "could not release in-flight messages"),
            }
            // Replies wait on the model: many at once, one job each.
            crate::worker::spawn_pool(ai_queue, QueueName::Ai, responder, ai_loops, 1);
            crate::worker::spawn_pool(send_queue, QueueName::Send, sender, 8, 1);
            crate::worker::spawn_pool(events_queue, QueueName::Events, event_sender, 2, 1);
            crate::worker::run(queues, QueueName::Capture, intake).await
        });
        if let Some(every) = self.rollup_interval {
            tokio::spawn(crate::worker::run_rollups(self.rollup_job(), every));
            // Raw mail retention, as the S3 lifecycle rule in AWS.
            let days = self.raw_mail_retention_days as u64;
            tokio::spawn(crate::worker::prune_raw_mail(
                self.mail.clone(),
                Duration::from_secs(days * 86_400),
                every,
            ));
        }
        if let Some(every) = self.inventory_interval {
            tokio::spawn(crate::worker::run_feeds(self.feed_job(), every));
        }
        if let Some(every) = self.event_scan_interval {
            tokio::spawn(crate::worker::run_event_scans(self.event_scan(), every));
        }
        if let Some(every) = self.followups_interval {
            tokio::spawn(crate::worker::run_follow_ups(
                self.follow_up_runner(),
                self.reminders(),
                self.escalations(),
                every,
            ));
        }
        if let Some(every) = self.imap_poll_interval {
            // As in the cloud: the schedule puts one poll per mailbox on the
            // imap queue, and a pool polls them, a slow server holding up
            // only its own slot.
            match self.mailbox_poller() {
                Ok(poller) => {
                    crate::worker::spawn_pool(
                        self.queues.clone(),
                        QueueName::Imap,
                        Arc::new(poller),
                        4,
                        1,
                    );
                    tokio::spawn(crate::worker::dispatch_mailbox_polls(
                        self.stores.clone(),
                        self.queues.clone(),
                        every,
                    ));
                }
                Err(e) => tracing::error!(error = %e, "IMAP polling is off: no TLS setup"),
            }
        }
    }

    /// Everything the local server answers.
    pub fn router(&self) -> Router {
        let jwks = self.keys.jwks().clone();
        let local = Router::new()
            .route(
                "/healthz",
                get(|| async { Json(serde_json::json!({"status": "ok"})) }),
            )
            .route(
                "/.well-known/jwks.json",
                get(move || async move { Json(jwks) }),
            )
            .merge(
                utoipa_swagger_ui::SwaggerUi::new("/api/docs")
                    .config(utoipa_swagger_ui::Config::new(["/api/openapi.json"])),
            );
        let all = norvalt_http::app::api_routes(self.state())
            .merge(norvalt_http::webhooks::routes(self.capture_state()))
            .merge(norvalt_http::routes::ai::router(self.ai_state()))
            .merge(norvalt_http::routes::automations::router(self.ai_state()))
            .merge(norvalt_http::routes::gdpr::router(
                norvalt_http::routes::gdpr::GdprState {
                    app: self.state(),
                    mail: self.mail.clone(),
                    copies: Arc::new(crate::erase::LocalCopies {
                        outbox: self.outbox.clone(),
                        queues: self.queues.clone(),
                    }),
                },
            ))
            .merge(norvalt_http::routes::dealership::router(
                norvalt_http::routes::dealership::SettingsState {
                    app: self.state(),
                    secrets: self.secrets.clone(),
                    graph: Arc::new(GraphClient::new(self.graph_url.clone())),
                    public_url: crate::public_url(),
                },
            ))
            .merge(norvalt_http::routes::endpoints::router(
                norvalt_http::routes::endpoints::EndpointsState {
                    app: self.state(),
                    services: self.endpoint_services(),
                },
            ))
            .merge(norvalt_http::webhooks::unsubscribe::router(
                norvalt_http::webhooks::unsubscribe::UnsubscribeState {
                    stores: self.stores.clone(),
                    link_key: self.sender_config.link_key.clone(),
                },
            ))
            .merge(norvalt_http::routes::appointments::router(
                norvalt_http::routes::appointments::AppointmentsState {
                    app: self.state(),
                    queue: Arc::new(self.queues.clone()),
                    links: self.responder().booking_links,
                    mail_domain: self.sender_config.mail_domain.clone(),
                },
            ))
            .merge(norvalt_http::webhooks::booking::router(
                norvalt_http::webhooks::booking::BookingPageState {
                    stores: self.stores.clone(),
                    queue: Arc::new(self.queues.clone()),
                    links: self.responder().booking_links,
                    mail_domain: self.sender_config.mail_domain.clone(),
                },
            ))
            .merge(crate::dashboard::routes(
                self.stores.clone(),
                self.keys.clone(),
                self.dev_login,
            ))
            .merge(local);
        let all = match &self.clerk_webhook_secret {
            Some(secret) => all.merge(norvalt_http::webhooks::clerk::router(
                norvalt_http::webhooks::clerk::ClerkWebhook {
                    stores: self.stores.clone(),
                    signing_secret: secret.clone(),
                },
            )),
            None => all,
        };
        norvalt_http::app::assemble_with_fallback(
            all,
            (),
            crate::dashboard::files_fallback(self.dashboard_dir.clone()),
        )
    }
}

/// A schedule's period in seconds from `name`: `default` unless set; 0
/// turns the local schedule off.
fn interval(env: &Env, name: &str, default: u64) -> Result<Option<Duration>, String> {
    match env.parsed::<u64>(name).map_err(|e| e.to_string())? {
        Some(0) => Ok(None),
        Some(secs) => Ok(Some(Duration::from_secs(secs))),
        None => Ok(Some(Duration::from_secs(default))),
    }
}

/// The process environment, read once when the platform opens. Against
/// AWS the table defaults to `norvalt-local` and secrets to `norvalt/local/`
/// (the local server makes the table if it is missing).
fn local_env(backend: Backend) -> Env {
    let mut values: std::collections::HashMap<String, String> = std::env::vars().collect();
    if backend == Backend::Aws {
        for (name, default) in [
            ("NORVALT_TABLE", "norvalt-local"),
            ("NORVALT_SECRET_PREFIX", "norvalt/local/"),
        ] {
            if values.get(name).is_none_or(|v| v.trim().is_empty()) {
                values.insert(name.into(), default.into());
            }
        }
    }
    Env::new(values)
}
