//! The all-in-one local platform: storage (SQLite by default, DynamoDB with
//! `--backend aws`), the local signing key, and one router serving the API,
//! its docs, the JWKS and a health check.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::routing::get;
use axum::{Json, Router};

use norvalt_core::Stores;
use norvalt_core::pagination::CursorCodec;
use norvalt_core::service::provisioning::PlatformSettings;
use norvalt_http::AppState;
use norvalt_http::auth::{JwtVerifier, KeySource};

use crate::keys::{LOCAL_ISSUER, LocalKeys};
use crate::sqlite::SqliteStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// One SQLite file in the data dir.
    Sqlite,
    /// DynamoDB at `AWS_ENDPOINT_URL` (moto server, LocalStack) or in a real account; table `NORVALT_TABLE`.
    Aws,
}

pub struct Platform {
    pub stores: Stores,
    pub keys: Arc<LocalKeys>,
    pub cursors: CursorCodec,
    pub settings: PlatformSettings,
    pub data_dir: PathBuf,
}

impl Platform {
    pub async fn open(data_dir: &Path, backend: Backend) -> Result<Self, String> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| format!("create {}: {e}", data_dir.display()))?;
        let stores = match backend {
            Backend::Sqlite => {
                let path = data_dir.join("norvalt.db");
                let store = SqliteStore::open(&path)
                    .map_err(|e| format!("open {}: {e}", path.display()))?;
                Stores::from_adapter(Arc::new(store))
            }
            Backend::Aws => {
                if std::env::var_os("NORVALT_TABLE").is_none() {
                    // SAFETY: set before any other thread reads the environment.
                    unsafe { std::env::set_var("NORVALT_TABLE", "norvalt-local") };
                }
                let config = norvalt_aws::config::load().await;
                let store = norvalt_aws::DynamoStore::from_sdk_config(&config)?;
                norvalt_aws::dynamodb::ensure_table(store.client(), store.table()).await?;
                Stores::from_adapter(Arc::new(store))
            }
        };
        let keys = LocalKeys::load_or_create(data_dir).map_err(|e| format!("signing key: {e}"))?;
        let cursor_key = crate::files::load_or_create_secret(&data_dir.join("cursor.key"))
            .map_err(|e| format!("cursor key: {e}"))?;
        Ok(Self {
            stores,
            keys: Arc::new(keys),
            cursors: CursorCodec::new(cursor_key),
            settings: PlatformSettings::default(),
            data_dir: data_dir.to_path_buf(),
        })
    }

    pub fn state(&self) -> AppState {
        let verifier = JwtVerifier::new(KeySource::Static(self.keys.decoding_key()), LOCAL_ISSUER);
        AppState {
            stores: self.stores.clone(),
            verifier: Arc::new(verifier),
            cursors: self.cursors.clone(),
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
        norvalt_http::api(self.state()).merge(local)
    }
}
