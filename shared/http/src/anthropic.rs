//! Claude through the Messages API (`POST {base}/v1/messages`), behind the
//! [`ReplyModel`] port. Retries 429, 500, 502, 503, 504 and 529 with
//! jittered exponential backoff, honouring `retry-after`, but never beyond
//! the caller's budget; never retries 4xx refusals or a spent budget.

use norvalt_core::config::{ConfigError, Env};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use norvalt_core::ai::model::Role;
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
        let messages: Vec<Value> = request
            .messages
            .iter()
            .map(|(role, text)| {
                json!({
                    "role": match role { Role::User => "user", Role::Assistant => "assistant" },
                    "content": text,
                })
            })
            .collect();
        let mut body = json!({
            "model": request.model,
            "max_tokens": request.max_tokens,
            "system": request.system,
            "messages": messages,
        });
        if let Some(tool) = &request.tool {
            body["tools"] = json!([{
                "name": tool.name,
                "description": tool.description,
                "input_schema": tool.input_schema,
            }]);
            // Forced: the answer is the tool's input, never free text.
            body["tool_choice"] = json!({"type": "tool", "name": tool.name});
        }
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

fn parse_answer(body: &Value) -> Result<ModelAnswer, ModelError> {
    let content = body["content"]
        .as_array()
        .ok_or_else(|| ModelError::Malformed("no content array".into()))?;
    let text: String = content
        .iter()
        .filter(|block| block["type"] == "text")
        .filter_map(|block| block["text"].as_str())
        .collect::<Vec<_>>()
        .join("");
    let structured = content
        .iter()
        .find(|block| block["type"] == "tool_use")
        .map(|block| block["input"].clone());
    if text.trim().is_empty() && structured.is_none() {
        return Err(ModelError::Malformed("no text in the answer".into()));
    }
    Ok(ModelAnswer {
        text,
        model: body["model"].as_str().unwrap_or_default().to_string(),
        input_tokens: body["usage"]["input_tokens"].as_u64().unwrap_or(0) as u32,
        output_tokens: body["usage"]["output_tokens"].as_u64().unwrap_or(0) as u32,
        truncated: body["stop_reason"] == "max_tokens",
        structured,
    })
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
                        return parse_answer(&body);
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
    fn answers_are_read_and_cut_replies_flagged() {
        let a = parse_answer(&json!({
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [{"type": "text", "text": "Hei Kari!"}],
            "stop_reason": "max_tokens", "usage": {"input_tokens": 10, "output_tokens": 3}
        }))
        .unwrap();
        assert_eq!(a.text, "Hei Kari!");
        assert!(a.truncated);
        assert_eq!((a.input_tokens, a.output_tokens), (10, 3));
        assert!(parse_answer(&json!({"content": []})).is_err());
        assert_eq!(a.structured, None);
        let tool = parse_answer(&json!({
            "model": "claude-test", "stop_reason": "tool_use",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "answer_customer",
                         "input": {"reply": "Hei!", "intent": "question"}}],
            "usage": {"input_tokens": 5, "output_tokens": 9}
        }))
        .unwrap();
        assert_eq!(tool.structured.unwrap()["reply"], "Hei!");
        assert_eq!(tool.text, "");
        assert!(parse_answer(&json!({"oops": 1})).is_err());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        assert!(backoff(0) <= Duration::from_millis(500));
        assert!(backoff(10) <= Duration::from_secs(8));
        assert!(backoff(3) >= Duration::from_secs(2));
    }
}
