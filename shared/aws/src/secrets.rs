//! Secrets Manager behind the secret-store port: each secret is read once
//! per cold start and cached, so a warm invocation makes no Secrets Manager call. Names are prefixed with
//! `NORVALT_SECRET_PREFIX` (e.g. `norvalt/prod/`).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::DisplayErrorContext;
use norvalt_core::capture::sources::{SecretStore, SecretWriter, SourceError};
use norvalt_core::config::{ConfigError, Env};
use tokio::sync::Mutex;

pub struct SecretsManager {
    client: Client,
    prefix: String,
    cache: Mutex<HashMap<String, Option<String>>>,
    /// Variables that stand in for shared secrets in local runs.
    overrides: Env,
}

impl SecretsManager {
    pub fn new(client: Client, prefix: impl Into<String>) -> Self {
        Self {
            client,
            prefix: prefix.into(),
            cache: Mutex::new(HashMap::new()),
            overrides: Env::default(),
        }
    }

    /// Names under `NORVALT_SECRET_PREFIX` (`norvalt/<stage>/`); the
    /// shared keys may be given as variables instead (see [`link_key`]).
    pub fn from_env(config: &aws_config::SdkConfig, env: &Env) -> Result<Self, ConfigError> {
        let mut secrets = Self::new(Client::new(config), env.required("NORVALT_SECRET_PREFIX")?);
        secrets.overrides = env.clone();
        Ok(secrets)
    }
}

#[async_trait]
impl SecretStore for SecretsManager {
    async fn secret(&self, name: &str) -> Result<Option<String>, SourceError> {
        let mut cache = self.cache.lock().await;
        if let Some(value) = cache.get(name) {
            return Ok(value.clone());
        }
        let id = format!("{}{name}", self.prefix);
        let value = match self.client.get_secret_value().secret_id(&id).send().await {
            Ok(out) => out.secret_string,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                None
            }
            Err(e) => return Err(SourceError(DisplayErrorContext(e).to_string())),
        };
        // A missing secret is not cached: an operator may add it and redrive.
        if value.is_some() {
            cache.insert(name.to_string(), value.clone());
        }
        Ok(value)
    }
}

/// For the operator CLI (`scripts/dev --backend aws dealership configure`):
/// creates the secret, or adds a new version when it exists.
#[async_trait]
impl SecretWriter for SecretsManager {
    async fn put_secret(&self, name: &str, value: &str) -> Result<(), SourceError> {
        let id = format!("{}{name}", self.prefix);
        let created = self
            .client
            .create_secret()
            .name(&id)
            .secret_string(value)
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_exists_exception()) =>
            {
                self.client
                    .put_secret_value()
                    .secret_id(&id)
                    .secret_string(value)
                    .send()
                    .await
                    .map_err(|e| SourceError(DisplayErrorContext(e).to_string()))?;
            }
            Err(e) => return Err(SourceError(DisplayErrorContext(e).to_string())),
        }
        self.cache
            .lock()
            .await
            .insert(name.to_string(), Some(value.to_string()));
        Ok(())
    }

    /// Deleted at once, without the recovery window: a disconnected page's
    /// token must stop working now.
    async fn delete_secret(&self, name: &str) -> Result<(), SourceError> {
        let id = format!("{}{name}", self.prefix);
        let deleted = self
            .client
            .delete_secret()
            .secret_id(&id)
            .force_delete_without_recovery(true)
            .send()
            .await;
        match deleted {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) => {}
            Err(e) => return Err(SourceError(DisplayErrorContext(e).to_string())),
        }
        self.cache.lock().await.remove(name);
        Ok(())
    }
}

/// A value every function of a stage shares: the environment variable
/// `env` when it is set (local runs against AWS), else the secret `name`.
async fn env_or_secret(secrets: &SecretsManager, env: &str, name: &str) -> Result<String, String> {
    if let Some(value) = secrets.overrides.optional(env) {
        return Ok(value);
    }
    match secrets.secret(name).await {
        Ok(Some(value)) if !value.trim().is_empty() => Ok(value),
        Ok(_) => Err(format!("secret {name} is missing (see infra/README.md)")),
        Err(e) => Err(format!("secret {name}: {e}")),
    }
}

/// The key that signs unsubscribe links and reply addresses: the same in
/// every function. `NORVALT_LINK_KEY`, else the secret `link-key`.
pub async fn link_key(secrets: &SecretsManager) -> Result<Vec<u8>, String> {
    let key = env_or_secret(secrets, "NORVALT_LINK_KEY", "link-key").await?;
    Ok(key.trim().as_bytes().to_vec())
}

/// The key that signs pagination cursors, the same in every API function:
/// `NORVALT_CURSOR_KEY` (local runs against AWS), else the secret
/// `cursor-key` the stack generates.
pub async fn cursor_key(secrets: &SecretsManager) -> Result<[u8; 32], String> {
    let text = env_or_secret(secrets, "NORVALT_CURSOR_KEY", "cursor-key").await?;
    norvalt_core::pagination::CursorCodec::key_from_secret(&text)
}

/// The signing secret of Clerk's webhooks: `CLERK_WEBHOOK_SIGNING_SECRET`
/// (local runs), else the secret `clerk/webhook-signing-secret`.
pub async fn clerk_webhook_secret(secrets: &SecretsManager) -> Result<String, String> {
    env_or_secret(
        secrets,
        "CLERK_WEBHOOK_SIGNING_SECRET",
        "clerk/webhook-signing-secret",
    )
    .await
}

/// Claude's API key: `ANTHROPIC_API_KEY`, else the secret
/// `anthropic/api-key`; `None` when neither is set (template replies).
pub async fn anthropic_key(secrets: &SecretsManager) -> Option<String> {
    if let Some(key) = secrets.overrides.optional("ANTHROPIC_API_KEY") {
        return Some(key);
    }
    secrets.secret("anthropic/api-key").await.ok().flatten()
}
