use std::sync::Arc;

use norvalt_core::Stores;
use norvalt_core::config::{ConfigError, Env};
use norvalt_core::pagination::CursorCodec;
use norvalt_core::queue::Queue;

use crate::auth::JwtVerifier;

/// What every handler can reach: the ports, the token verifier and the
/// cursor signer.
#[derive(Clone)]
pub struct AppState {
    pub stores: Stores,
    pub verifier: Arc<JwtVerifier>,
    pub cursors: CursorCodec,
    /// Where team notices go (the send queue), e.g. when a rep assigns a
    /// lead to a colleague; `None`: API actions notify no one.
    pub notices: Option<Arc<dyn Queue>>,
}

impl AppState {
    /// The Lambda configuration: `NORVALT_JWT_ISSUER`, `NORVALT_JWKS_URL`,
    /// optional `NORVALT_AUTHORIZED_PARTIES` (comma-separated origins; when
    /// set, every token must carry one of them in `azp`), optional
    /// `NORVALT_JWT_AUDIENCE` (comma-separated; when set, `aud` is checked);
    /// the cursor key (shared by every function) comes from the secret store
    /// (`norvalt_aws::secrets::cursor_key`), never the environment.
    pub fn from_env(env: &Env, stores: Stores, cursor_key: [u8; 32]) -> Result<Self, ConfigError> {
        let issuer = env.required("NORVALT_JWT_ISSUER")?;
        let jwks_url = env.required_url("NORVALT_JWKS_URL")?;
        let verifier = JwtVerifier::jwks(jwks_url, issuer)
            .authorized_parties(
                env.list("NORVALT_AUTHORIZED_PARTIES")
                    .iter()
                    .map(String::as_str),
            )
            .audiences(env.list("NORVALT_JWT_AUDIENCE").iter().map(String::as_str));
        let cursors = CursorCodec::new(cursor_key);
        Ok(Self {
            stores,
            verifier: Arc::new(verifier),
            cursors,
            notices: None,
        })
    }
}

impl AppState {
    /// Team notices from API actions go onto `queue`.
    pub fn with_notices(mut self, queue: Arc<dyn Queue>) -> Self {
        self.notices = Some(queue);
        self
    }
}

/// 32 bytes written as 64 hex characters.
pub fn parse_key(hex: &str) -> Result<[u8; 32], String> {
    let hex = hex.trim();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the cursor key must be 64 hex characters".into());
    }
    CursorCodec::key_from_secret(hex)
}
