use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};

use super::claims::{RawClaims, Session};
use super::jwks::JwksCache;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the token is malformed")]
    Malformed,
    #[error("only RS256 tokens are accepted")]
    WrongAlgorithm,
    #[error("the token is signed with an unknown key")]
    UnknownKey,
    #[error("the token's signature is invalid")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token was issued to an origin that is not allowed")]
    WrongParty,
    #[error("the token is not meant for this API")]
    WrongAudience,
    #[error("the session is not active")]
    InactiveSession,
    #[error("the signing keys could not be fetched: {0}")]
    KeysUnavailable(String),
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Expired => "token_expired",
            AuthError::InactiveSession => "session_inactive",
            AuthError::KeysUnavailable(_) => "auth_unavailable",
            _ => "invalid_token",
        }
    }
}

pub enum KeySource {
    /// One known key (local mode: the key in the data dir).
    Static(DecodingKey),
    /// Clerk's JWKS endpoint.
    Jwks(JwksCache),
}

pub struct JwtVerifier {
    keys: KeySource,
    issuer: String,
    authorized_parties: Vec<String>,
    audiences: Vec<String>,
}

impl JwtVerifier {
    pub fn new(keys: KeySource, issuer: impl Into<String>) -> Self {
        Self {
            keys,
            issuer: issuer.into(),
            authorized_parties: Vec::new(),
            audiences: Vec::new(),
        }
    }

    pub fn jwks(url: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self::new(KeySource::Jwks(JwksCache::new(url)), issuer)
    }

    /// Accepted `aud` values. Empty: `aud` is not checked (Clerk session
    /// tokens carry none unless a JWT template adds it); otherwise a token
    /// must name one of them.
    pub fn audiences<'a>(mut self, audiences: impl IntoIterator<Item = &'a str>) -> Self {
        self.audiences = audiences
            .into_iter()
            .map(|a| a.trim().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        self
    }

    /// Origins allowed in `azp`. Empty means any; otherwise a token must
    /// carry `azp` and it must be one of them.
    pub fn authorized_parties<'a>(mut self, parties: impl IntoIterator<Item = &'a str>) -> Self {
        self.authorized_parties = parties
            .into_iter()
            .map(|p| p.trim().trim_end_matches('/').to_string())
            .filter(|p| !p.is_empty())
            .collect();
        self
    }

    pub async fn verify(&self, token: &str) -> Result<Session, AuthError> {
        let header = decode_header(token).map_err(|_| AuthError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::WrongAlgorithm);
        }
        let key = match &self.keys {
            KeySource::Static(key) => key.clone(),
            KeySource::Jwks(cache) => {
                cache
                    .key(header.kid.as_deref().ok_or(AuthError::UnknownKey)?)
                    .await?
            }
        };
        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        if self.audiences.is_empty() {
            validation.validate_aud = false; // Clerk session tokens carry azp, not aud
        } else {
            validation.set_audience(&self.audiences);
        }
        validation.set_issuer(&[&self.issuer]);
        if self.audiences.is_empty() {
            validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        } else {
            validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        }
        let claims = decode::<RawClaims>(token, &key, &validation)
            .map_err(classify)?
            .claims;
        if claims.sts.as_deref() == Some("pending") {
            return Err(AuthError::InactiveSession);
        }
        if !self.authorized_parties.is_empty() {
            // A token without `azp` could have been minted for any party.
            let azp = claims.azp.as_deref().ok_or(AuthError::WrongParty)?;
            let azp = azp.trim_end_matches('/');
            if !self.authorized_parties.iter().any(|p| p == azp) {
                return Err(AuthError::WrongParty);
            }
        }
        Ok(claims.into())
    }
}

fn classify(e: jsonwebtoken::errors::Error) -> AuthError {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm => AuthError::WrongAlgorithm,
        ErrorKind::InvalidAudience => AuthError::WrongAudience,
        ErrorKind::MissingRequiredClaim(claim) if claim == "aud" => AuthError::WrongAudience,
        _ => AuthError::Malformed,
    }
}
