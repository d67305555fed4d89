//! Local auth: an RS256 key in the data dir stands in for Clerk. Tokens minted
//! here have exactly the claims of a Clerk v2 session token, so the API
//! verifies them with the same code it uses for Clerk's.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::json;

/// The issuer of local tokens (Clerk's would be its Frontend API URL).
pub const LOCAL_ISSUER: &str = "https://clerk.norvalt.local";
const KEY_FILE: &str = "jwt-signing-key.pem";
const KID: &str = "norvalt-local";

pub struct LocalKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    jwks: serde_json::Value,
}

impl LocalKeys {
    /// Loads the key from `data_dir`, generating it on first use.
    pub fn load_or_create(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        let key = match std::fs::read_to_string(&path) {
            Ok(pem) => RsaPrivateKey::from_pkcs8_pem(&pem).map_err(std::io::Error::other)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
                    .map_err(std::io::Error::other)?;
                let pem = key
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(std::io::Error::other)?;
                crate::files::write_new_private(&path, pem.as_bytes())?;
                // Another process may have won the race to create it: use theirs.
                let pem = std::fs::read_to_string(&path)?;
                RsaPrivateKey::from_pkcs8_pem(&pem).map_err(std::io::Error::other)?
            }
            Err(e) => return Err(e),
        };
        Self::from_private_key(&key)
    }

    pub fn from_private_key(key: &RsaPrivateKey) -> std::io::Result<Self> {
        let private_pem = key
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(std::io::Error::other)?;
        let public_pem = key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(std::io::Error::other)?;
        let encoding =
            EncodingKey::from_rsa_pem(private_pem.as_bytes()).map_err(std::io::Error::other)?;
        let decoding =
            DecodingKey::from_rsa_pem(public_pem.as_bytes()).map_err(std::io::Error::other)?;
        let jwks = json!({"keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KID,
            "n": B64.encode(key.n().to_bytes_be()),
            "e": B64.encode(key.e().to_bytes_be()),
        }]});
        Ok(Self {
            encoding,
            decoding,
            jwks,
        })
    }

    pub fn decoding_key(&self) -> DecodingKey {
        self.decoding.clone()
    }

    /// The public key as a JWKS document (served at `/.well-known/jwks.json`).
    pub fn jwks(&self) -> &serde_json::Value {
        &self.jwks
    }

    /// A Clerk-v2-shaped session token for `clerk_user_id` acting in `org`.
    pub fn mint(&self, session: &SessionClaims, ttl_secs: i64) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = json!({
            "v": 2,
            "iss": LOCAL_ISSUER,
            "sub": session.clerk_user_id,
            "sid": format!("sess_local_{}", uuid::Uuid::new_v4().simple()),
            "iat": now,
            "nbf": now - 5,
            "exp": now + ttl_secs,
            "o": {"id": session.org_id, "slg": session.org_slug, "rol": session.role},
        });
        self.sign(&claims)
    }

    /// Signs arbitrary claims with the local key (tests bend claims with it).
    pub fn sign(&self, claims: &serde_json::Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KID.to_string());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .expect("RS256 signing with a valid key")
    }
}

pub struct SessionClaims {
    pub clerk_user_id: String,
    pub org_id: String,
    pub org_slug: String,
    /// Clerk v2 style, without the `org:` prefix.
    pub role: String,
}
