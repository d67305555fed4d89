use std::sync::Arc;

use norvalt_core::Stores;
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
    /// `NORVALT_JWT_AUDIENCE` (comma-separated; when set, `aud` is checked) and
    /// `NORVALT_CURSOR_KEY` (64 hex characters, shared by every function).
    pub fn from_env(stores: Stores) -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
        let issuer = var("NORVALT_JWT_ISSUER")?;
        let jwks_url = var("NORVALT_JWKS_URL")?;
        let parties = std::env::var("NORVALT_AUTHORIZED_PARTIES").unwrap_or_default();
        let audience = std::env::var("NORVALT_JWT_AUDIENCE").unwrap_or_default();
        let verifier = JwtVerifier::jwks(jwks_url, issuer)
            .authorized_parties(parties.split(','))
            .audiences(audience.split(','));
        let cursors = CursorCodec::new(parse_key(&var("NORVALT_CURSOR_KEY")?)?);
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
    if hex.len() != 64 || !hex.is_ascii() {
        return Err("NORVALT_CURSOR_KEY must be 64 hex characters".into());
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16)
            .map_err(|_| "NORVALT_CURSOR_KEY is not hex".to_string())?;
    }
    Ok(key)
}
