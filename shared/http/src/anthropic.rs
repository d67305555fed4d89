//! Claude through the Messages API (`POST {base}/v1/messages`), behind the
//! [`ReplyModel`] port. Retries 429, 500, 502, 503, 504 and 529 with
//! jittered exponential backoff, honouring `retry-after`, but never beyond
//! the caller's budget; never retries 4xx refusals or a spent budget.

use norvalt_core::config::{ConfigError, Env};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use norvalt_core::ai::messages_api;
use norvalt_core::ai::{ModelAnswer, ModelError, ModelRequest, ReplyModel};
use serde_json::{Value, json};

pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";
pub const API_VERSION: &str = "2023-06-01";

pub struct AnthropicClient {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
    model: String,
}

impl AnthropicClient {
    pub fn new(base_url: &str, api_key: &str, model: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
            model: model.to_string(),
        }
    }

    /// `ANTHROPIC_BASE_URL` and `ANTHROPIC_MODEL` (with defaults) and the
    /// given key; `None` without a key.
    /// The reply model the platform uses: this client when an API key is
    /// given, `None` (heuristics and the template only) when not.
    pub fn reply_model(
        env: &Env,
        api_key: Option<String>,
    ) -> Result<Option<std::sync::Arc<dyn norvalt_core::ai::ReplyModel>>, ConfigError> {
        Ok(Self::from_env(env, api_key)?
            .map(|c| std::sync::Arc::new(c) as std::sync::Arc<dyn norvalt_core::ai::ReplyModel>))
    }

    pub fn from_env(env: &Env, api_key: Option<String>) -> Result<Option<Self>, ConfigError> {
        let base = env
            .url("ANTHROPIC_BASE_URL")?
            .unwrap_or_else(|| DEFAULT_BASE_URL.into());
        let model = env
            .optional("ANTHROPIC_MODEL")
            .unwrap_or_else(|| DEFAULT_MODEL.into());
        let Some(key) = api_key.filter(|k| !k.trim().is_empty()) else {
            return Ok(None);
        };
        Ok(Some(Self::new(&base, key.trim(), &model)))
    }

    fn body(&self, request: &ModelRequest) -> Value {
        let mut body = messages_api::body(request);
        body["model"] = json!(request.model);
        body
    }
}

fn retryable(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504 | 529)
}

/// Exponential from 500 ms, capped at 8 s, with up to 50 % jitter.
fn backoff(attempt: u32) -> Duration {
    let base = 500u64.saturating_mul(1 << attempt.min(4)).min(8_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_millis(base / 2 + nanos % (base / 2 + 1))
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get("retry-after")?.to_str().ok()?;
    value
        .trim()
        .parse::<f64>()
        .ok()
        .map(Duration::from_secs_f64)
}

#[async_trait]
impl ReplyModel for AnthropicClient {
    async fn complete(
        &self,
        request: &ModelRequest,
        budget: Duration,
    ) -> Result<ModelAnswer, ModelError> {
        let started = Instant::now();
        let body = self.body(request);
        let mut attempt = 0u32;
        loop {
            let remaining = budget.saturating_sub(started.elapsed());
            if remaining.is_zero() {
                return Err(ModelError::Timeout(budget.as_millis() as u64));
            }
            let sent = self
                .http
                .post(format!("{}/v1/messages", self.base_url))
                .header("x-api-key", &self.api_key)
                .header("anthropic-version", API_VERSION)
                .json(&body)
                .timeout(remaining)
                .send()
                .await;
            let wait = match sent {
                Err(e) if e.is_timeout() => {
                    return Err(ModelError::Timeout(budget.as_millis() as u64));
                }
                Err(e) => {
                    tracing::warn!(error = %e, attempt, "model request failed");
                    backoff(attempt)
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let after = retry_after(response.headers());
                    let text = match response.text().await {
                        Ok(t) => t,
                        Err(e) if e.is_timeout() => {
                            return Err(ModelError::Timeout(budget.as_millis() as u64));
                        }
                        Err(e) => return Err(ModelError::Unavailable(e.to_string())),
                    };
                    let parsed: Option<Value> = serde_json::from_str(&text).ok();
                    if (200..300).contains(&status) {
                        let body = parsed
                            .ok_or_else(|| ModelError::Malformed("answer is not JSON".into()))?;
                        return messages_api::parse_answer(&body);
                    }
                    let message = parsed
                        .as_ref()
                        .and_then(|v| v["error"]["message"].as_str())
                        .unwrap_or("")
                        .to_string();
                    let spent = message.to_lowercase().contains("spend limit")
                        || message.to_lowercase().contains("credit balance");
                    if !retryable(status) || spent {
                        return Err(ModelError::Refused(format!("{status}: {message}")));
                    }
                    tracing::warn!(status, attempt, "model busy, retrying");
                    after.unwrap_or_else(|| backoff(attempt))
                }
            };
            attempt += 1;
            if started.elapsed() + wait >= budget {
                return Err(ModelError::Unavailable(format!(
                    "no answer after {attempt} attempts within {} ms",
                    budget.as_millis()
                )));
            }
            tokio::time::sleep(wait).await;
        }
    }

    fn model_id(&self) -> &str {
        &self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(500));
        assert!(backoff(10) <= Duration::from_secs(8));
        assert!(backoff(3) >= Duration::from_secs(2));
    }
}
