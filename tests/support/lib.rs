//! Test helpers that read like the domain: spawn a platform, sign in as a
//! sales rep of a dealership, post a lead.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use norvalt_core::Role;
use norvalt_core::service::provisioning;
use norvalt_local::keys::{LOCAL_ISSUER, SessionClaims};
use norvalt_local::{Backend, Platform, seed};
use serde_json::{Value, json};

pub const DRAMMEN: &str = "bilsenteret-drammen";
pub const BERGEN: &str = "fjord-bil-bergen";

/// A local platform on a random port with its own temp data dir, seeded with
/// the two demo dealerships.
pub struct TestApp {
    pub base: String,
    pub platform: Arc<Platform>,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Like [`spawn`](Self::spawn), with the platform's settings adjusted
    /// first (rate limit, Facebook secrets, Graph URL …). The queue workers
    /// run as in `scripts/dev serve`.
    pub async fn spawn_with(configure: impl FnOnce(&mut Platform)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut platform = Platform::open(dir.path(), Backend::Sqlite)
            .await
            .expect("open platform");
        configure(&mut platform);
        seed::seed_demo(
            &platform.stores,
            &platform.settings,
            norvalt_core::time::now(),
        )
        .await
        .expect("seed");
        // Customers' answers are taken at once: a debounce window would
        // hold every settle() for its length. (The window itself is tested
        // on the turn service.)
        for slug in [DRAMMEN, BERGEN] {
            let (tenant, mut dealership) = provisioning::find_by_slug(&platform.stores, slug)
                .await
                .unwrap()
                .expect("seeded");
            dealership.conversation.debounce_secs = 0;
            platform
                .stores
                .dealerships
                .update_dealership(&tenant, &dealership)
                .await
                .unwrap();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = platform.router();
        platform.start_workers();
        tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .expect("serve")
        });
        Self {
            base,
            platform: Arc::new(platform),
            http: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// Waits until every message on these queues has been handled (10 s at
    /// most, then panics).
    pub async fn drain(&self, queues: &[norvalt_core::queue::QueueName]) {
        for _ in 0..200 {
            let mut busy = 0;
            for q in queues {
                busy += self.platform.queues.queue_depth(*q).await.unwrap();
            }
            if busy == 0 {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("{queues:?} did not drain");
    }

    /// Waits until every queue is empty: each message handled and deleted,
    /// delayed retries included. After this nothing more is sent unless a
    /// test or a timer starts new work, so "nothing else happened" can be
    /// asserted at once, without sleeping.
    pub async fn settle(&self) {
        self.drain(&norvalt_core::queue::QueueName::ALL).await;
    }

    /// The outbox's `.eml` files whose names pass `name`, oldest name first,
    /// each as (file name, raw MIME). Replies are `send…` files, team
    /// notices `notify_…`.
    pub fn outbox_files(&self, name: impl Fn(&str) -> bool) -> Vec<(String, Vec<u8>)> {
        let Ok(dir) = std::fs::read_dir(self.platform.outbox.dir()) else {
            return Vec::new();
        };
        let mut files: Vec<(String, Vec<u8>)> = dir
            .filter_map(Result::ok)
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .filter(|(n, _)| n.ends_with(".eml") && name(n))
            .map(|(n, path)| (n, std::fs::read(path).unwrap_or_default()))
            .collect();
        files.sort();
        files
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A valid session token for the first user with `role` at `slug`.
    pub async fn token(&self, slug: &str, role: Role) -> String {
        let user = self.user(slug, role).await;
        self.platform.keys.mint(
            &SessionClaims {
                clerk_user_id: user.clerk_user_id,
                org_id: seed::demo_org_id(slug),
                org_slug: slug.into(),
                role: role.as_str().into(),
            },
            600,
        )
    }

    pub async fn user(&self, slug: &str, role: Role) -> norvalt_core::model::User {
        let (tenant, _) = provisioning::find_by_slug(&self.platform.stores, slug)
            .await
            .unwrap()
            .unwrap();
        let mut users = self
            .platform
            .stores
            .users
            .list_users(&tenant)
            .await
            .unwrap();
        users.sort_by(|a, b| a.clerk_user_id.cmp(&b.clerk_user_id));
        users
            .into_iter()
            .find(|u| u.role == role)
            .expect("seeded user")
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap_or_default();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PATCH, path, Some(token), Some(body))
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(reqwest::Method::DELETE, path, Some(token), None)
            .await
    }

    /// The dealership's website form key.
    pub async fn form_key(&self, slug: &str) -> String {
        provisioning::find_by_slug(&self.platform.stores, slug)
            .await
            .unwrap()
            .unwrap()
            .1
            .form_key
    }

    /// Every email in the local outbox (replies and notices) whose raw
    /// MIME contains `text`, each as a string.
    pub fn outbox_emails(&self, text: &str) -> Vec<String> {
        self.outbox_files(|_| true)
            .into_iter()
            .map(|(_, mail)| String::from_utf8_lossy(&mail).into_owned())
            .filter(|mail| mail.contains(text))
            .collect()
    }

    /// A text as Twilio delivers it to `/webhooks/twilio/sms`: the fields
    /// form-encoded, signed with `auth_token` for `public_url` unless a
    /// `signature` (a forged one) is given.
    pub fn twilio_text(
        &self,
        auth_token: &str,
        public_url: &str,
        fields: &[(&str, &str)],
        signature: Option<&str>,
    ) -> reqwest::RequestBuilder {
        let params: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let signature = signature.map(str::to_string).unwrap_or_else(|| {
            norvalt_http::webhooks::twilio::sign(
                auth_token,
                &format!("{public_url}/webhooks/twilio/sms"),
                &params,
            )
        });
        let form = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        self.http
            .post(self.url("/webhooks/twilio/sms"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(form)
    }

    /// Turns SMS on for the dealership `slug`, texting from (and routed by)
    /// its own `number`, as the operator's CLI provisions one.
    pub async fn texts_from(&self, slug: &str, number: &str) {
        let stores = &self.platform.stores;
        let (tenant, mut dealership) = provisioning::find_by_slug(stores, slug)
            .await
            .unwrap()
            .expect("seeded");
        dealership.reply.sms_enabled = true;
        dealership.reply.sms_number = Some(number.into());
        stores
            .dealerships
            .update_dealership(&tenant, &dealership)
            .await
            .unwrap();
        stores
            .routes
            .claim_route(norvalt_core::ports::RouteKind::SmsNumber, number, &tenant)
            .await
            .unwrap();
    }

    /// Posts a manual lead and returns it.
    pub async fn post_lead(&self, token: &str, body: Value) -> Value {
        let (status, lead) = self.post("/api/leads", token, body).await;
        assert_eq!(status, 201, "{lead}");
        lead
    }
}

/// Polls `check` every 50 ms until it gives `Some`, for at most 15 s, then
/// panics naming `what`. For outcomes that arrive on their own (a worker,
/// a poller); to show that something did *not* happen, settle the queues
/// instead ([`TestApp::settle`]) and assert once.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    for _ in 0..300 {
        if let Some(found) = check().await {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 15 s")
}

/// A file under the capture fixtures this repository keeps with the core
/// crate (`shared/core/tests/fixtures`): sample mail, Meta deliveries, forms.
pub fn fixture_path(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .join("shared/core/tests/fixtures")
        .join(relative)
}

/// The bytes of a capture fixture (see [`fixture_path`]).
pub fn fixture(relative: &str) -> Vec<u8> {
    let path = fixture_path(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The error code of an error body.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// A throwaway RSA key that is not the platform's: tokens it signs are forged.
pub fn foreign_key() -> EncodingKey {
    use rsa::pkcs8::EncodePrivateKey;
    let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).unwrap();
    EncodingKey::from_rsa_pem(key.to_pkcs8_pem(Default::default()).unwrap().as_bytes()).unwrap()
}

/// Claims of a valid Clerk v2 session for a demo user, to be bent by tests.
pub fn v2_claims(clerk_user_id: &str, slug: &str, role: &str) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "v": 2, "iss": LOCAL_ISSUER, "sub": clerk_user_id, "sid": "sess_test",
        "iat": now, "nbf": now - 5, "exp": now + 600,
        "o": {"id": seed::demo_org_id(slug), "slg": slug, "rol": role}
    })
}

pub fn sign(claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let mut header = Header::new(alg);
    header.kid = Some("norvalt-local".into());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

pub mod claude;
pub mod dovecot;
pub mod moto;

/// A Graph API stand-in for connecting pages: `GET /v24.0/me` answers the
/// page a known token belongs to, error 190 for any other token, and every
/// token asked about is recorded. Returns the base URL to set as the
/// platform's `graph_url`.
pub async fn mock_page_tokens(
    pages: &[(&str, &str)],
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use axum::extract::Query;
    use std::collections::HashMap;
    let pages: HashMap<String, String> = pages
        .iter()
        .map(|(token, page)| (token.to_string(), page.to_string()))
        .collect();
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = asked.clone();
    let app = axum::Router::new().route(
        "/v24.0/me",
        axum::routing::get(move |Query(q): Query<HashMap<String, String>>| {
            let (pages, log) = (pages.clone(), log.clone());
            async move {
                let token = q.get("access_token").cloned().unwrap_or_default();
                log.lock().unwrap().push(token.clone());
                match pages.get(&token) {
                    Some(page) => (
                        axum::http::StatusCode::OK,
                        axum::Json(json!({"id": page, "name": "Side"})),
                    ),
                    None => (
                        axum::http::StatusCode::BAD_REQUEST,
                        axum::Json(json!({"error": {"message": "Invalid OAuth access token.",
                                                    "type": "OAuthException", "code": 190}})),
                    ),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v24.0", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, asked)
}

pub mod fakes {
    //! In-memory stand-ins for the ports intake needs, for tests that are
    //! about storage and de-duplication rather than queues or Meta.

    use std::sync::Mutex;

    use async_trait::async_trait;
    use norvalt_core::capture::facebook::GraphLead;
    use norvalt_core::capture::sources::{
        LeadAdsClient, LeadAdsError, RawMailStore, SecretStore, SourceError,
    };
    use norvalt_core::queue::{Queue, QueueError, QueueName};

    #[derive(Default)]
    pub struct MemoryQueue {
        pub sent: Mutex<Vec<(QueueName, String)>>,
        pub dead: Mutex<Vec<(QueueName, String, String)>>,
    }

    impl MemoryQueue {
        pub fn sent_to(&self, queue: QueueName) -> Vec<String> {
            let sent = self.sent.lock().unwrap();
            sent.iter()
                .filter(|(q, _)| *q == queue)
                .map(|(_, b)| b.clone())
                .collect()
        }
    }

    #[async_trait]
    impl Queue for MemoryQueue {
        async fn send(&self, queue: QueueName, body: &str) -> Result<(), QueueError> {
            self.sent.lock().unwrap().push((queue, body.to_string()));
            Ok(())
        }
        async fn dead_letter(
            &self,
            queue: QueueName,
            body: &str,
            reason: &str,
        ) -> Result<(), QueueError> {
            self.dead
                .lock()
                .unwrap()
                .push((queue, body.to_string(), reason.to_string()));
            Ok(())
        }
    }

    /// No mail, no secrets, no Graph: for form captures.
    pub struct Nothing;

    #[async_trait]
    impl RawMailStore for Nothing {
        async fn put_mail(&self, _: &str, _: &[u8]) -> Result<(), SourceError> {
            Err(SourceError("no mail store in this test".into()))
        }
        async fn get_mail(&self, _: &str) -> Result<Option<Vec<u8>>, SourceError> {
            Ok(None)
        }
        async fn delete_mail(&self, _: &str) -> Result<(), SourceError> {
            Ok(())
        }
    }

    #[async_trait]
    impl SecretStore for Nothing {
        async fn secret(&self, _: &str) -> Result<Option<String>, SourceError> {
            Ok(None)
        }
    }

    #[async_trait]
    impl LeadAdsClient for Nothing {
        async fn fetch_lead(&self, _: &str, _: &str) -> Result<GraphLead, LeadAdsError> {
            Err(LeadAdsError::Permanent("no Graph API in this test".into()))
        }

        async fn page_of_token(&self, _: &str) -> Result<String, LeadAdsError> {
            Err(LeadAdsError::Permanent("no Graph API in this test".into()))
        }
    }
}
