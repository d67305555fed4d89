//! JWKS fetched by URL and cached for the life of the process (a Lambda cold
//! start). An unknown `kid` triggers a refetch — Clerk rotates keys — but at
//! most once per [`MIN_REFETCH`], so forged kids cannot hammer the endpoint.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::DecodingKey;
use jsonwebtoken::jwk::JwkSet;
use tokio::sync::RwLock;

use super::AuthError;

const MAX_AGE: Duration = Duration::from_secs(3600);
const MIN_REFETCH: Duration = Duration::from_secs(30);

pub struct JwksCache {
    url: String,
    http: reqwest::Client,
    cached: RwLock<Cached>,
}

#[derive(Default)]
struct Cached {
    keys: HashMap<String, DecodingKey>,
    fetched_at: Option<Instant>,
}

impl JwksCache {
    pub fn new(url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("a TLS-capable HTTP client");
        Self {
            url: url.into(),
            http,
            cached: RwLock::new(Cached::default()),
        }
    }

    pub async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        {
            let cached = self.cached.read().await;
            let fresh = cached.fetched_at.is_some_and(|t| t.elapsed() < MAX_AGE);
            if let (true, Some(key)) = (fresh, cached.keys.get(kid)) {
                return Ok(key.clone());
            }
        }
        let mut cached = self.cached.write().await;
        // Another request may have refreshed while we waited for the lock.
        let recently = cached.fetched_at.is_some_and(|t| t.elapsed() < MIN_REFETCH);
        if !recently {
            cached.keys = self.fetch().await?;
            cached.fetched_at = Some(Instant::now());
        }
        cached.keys.get(kid).cloned().ok_or(AuthError::UnknownKey)
    }

    async fn fetch(&self) -> Result<HashMap<String, DecodingKey>, AuthError> {
        let set: JwkSet = self
            .http
            .get(&self.url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| AuthError::KeysUnavailable(e.to_string()))?
            .json()
            .await
            .map_err(|e| AuthError::KeysUnavailable(e.to_string()))?;
        tracing::info!(url = %self.url, keys = set.keys.len(), "fetched JWKS");
        Ok(set
            .keys
            .iter()
            .filter_map(|jwk| {
                let kid = jwk.common.key_id.clone()?;
                DecodingKey::from_jwk(jwk).ok().map(|key| (kid, key))
            })
            .collect())
    }
}
