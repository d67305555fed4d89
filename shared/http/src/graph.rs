//! Meta's Graph API: the call intake needs (fetch a Lead Ads lead by its
//! leadgen id with the page's access token) and the one `event-sender`
//! needs (lead stages to a dataset of the Conversions API). See
//! docs/contracts.md.

use norvalt_core::config::{ConfigError, Env};
use std::time::Duration;

use async_trait::async_trait;
use norvalt_core::capture::facebook::GraphLead;
use norvalt_core::capture::sources::{LeadAdsClient, LeadAdsError};
use norvalt_core::integrations::meta_stages::{
    ConversionsClient, ConversionsError, DatasetAccess, StageEvent,
};
use serde::Deserialize;

pub const DEFAULT_GRAPH_URL: &str = "https://graph.facebook.com/v24.0";

pub struct GraphClient {
    http: reqwest::Client,
    /// Including the version, e.g. `https://graph.facebook.com/v24.0`.
    base_url: String,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    error: GraphError,
}

#[derive(Deserialize)]
struct GraphError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: i64,
}

impl GraphClient {
    pub fn new(base_url: impl Into<String>) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .connect_timeout(Duration::from_secs(2))
            .build()
            .expect("a client with timeouts builds");
        Self {
            http,
            base_url: base_url.into().trim_end_matches('/').to_string(),
        }
    }

    /// `NORVALT_GRAPH_URL`, or Meta's own.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self::new(
            env.url("NORVALT_GRAPH_URL")?
                .unwrap_or_else(|| DEFAULT_GRAPH_URL.into()),
        ))
    }
}

/// How Graph answered a call that failed.
enum GraphFailure {
    Transient(String),
    TokenRejected(String),
    Permanent(String),
}

impl From<GraphFailure> for LeadAdsError {
    fn from(f: GraphFailure) -> Self {
        match f {
            GraphFailure::Transient(d) => LeadAdsError::Transient(d),
            GraphFailure::TokenRejected(d) => LeadAdsError::TokenRejected(d),
            GraphFailure::Permanent(d) => LeadAdsError::Permanent(d),
        }
    }
}

impl From<GraphFailure> for ConversionsError {
    fn from(f: GraphFailure) -> Self {
        match f {
            GraphFailure::Transient(d) => ConversionsError::Transient(d),
            GraphFailure::TokenRejected(d) => ConversionsError::TokenRejected(d),
            GraphFailure::Permanent(d) => ConversionsError::Permanent(d),
        }
    }
}

impl GraphClient {
    /// `GET {base}/{path}` with the token; the body on success.
    async fn get(&self, path: &str, fields: &str, token: &str) -> Result<Vec<u8>, GraphFailure> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("access_token", token)
            .append_pair("fields", fields)
            .finish();
        self.call(self.http.get(format!("{}/{path}?{query}", self.base_url)))
            .await
    }

    /// `POST {base}/{path}` of a JSON body with the token; the body on
    /// success.
    async fn post_json(
        &self,
        path: &str,
        token: &str,
        body: &serde_json::Value,
    ) -> Result<Vec<u8>, GraphFailure> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("access_token", token)
            .finish();
        self.call(
            self.http
                .post(format!("{}/{path}?{query}", self.base_url))
                .json(body),
        )
        .await
    }

    /// Sends the request; a failure classified by Graph's error code.
    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Vec<u8>, GraphFailure> {
        // `without_url`: the URL holds the access token.
        let response = request
            .send()
            .await
            .map_err(|e| GraphFailure::Transient(format!("request failed: {}", e.without_url())))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            GraphFailure::Transient(format!("reading the answer failed: {}", e.without_url()))
        })?;
        if status.is_success() {
            return Ok(body.to_vec());
        }
        let error = serde_json::from_slice::<GraphErrorBody>(&body)
            .ok()
            .map(|b| b.error);
        let (code, message) = error.map_or((0, String::new()), |e| (e.code, e.message));
        let detail = format!("HTTP {status}, Graph error {code}: {message}");
        Err(match code {
            // 200 (and 10): the token lacks the permission, e.g. for a
            // dataset it was not made for.
            190 | 102 | 463 | 467 | 10 | 200 => GraphFailure::TokenRejected(detail),
            // Rate limits and temporary trouble.
            1 | 2 | 4 | 17 | 32 | 341 | 613 | 80001 => GraphFailure::Transient(detail),
            _ if status.is_server_error() || status.as_u16() == 429 => {
                GraphFailure::Transient(detail)
            }
            _ => GraphFailure::Permanent(detail),
        })
    }
}

fn graph_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[async_trait]
impl ConversionsClient for GraphClient {
    async fn send_events(
        &self,
        access: &DatasetAccess,
        events: &[StageEvent],
    ) -> Result<u64, ConversionsError> {
        #[derive(Deserialize)]
        struct Received {
            events_received: u64,
        }
        if !graph_id(&access.dataset_id) {
            return Err(ConversionsError::Permanent(format!(
                "not a dataset id: {:?}",
                access.dataset_id
            )));
        }
        let body = serde_json::json!({ "data": events });
        let answer = self
            .post_json(
                &format!("{}/events", access.dataset_id),
                &access.access_token,
                &body,
            )
            .await?;
        let received = serde_json::from_slice::<Received>(&answer)
            .map_err(|e| ConversionsError::Permanent(format!("unexpected answer shape: {e}")))?
            .events_received;
        if received != events.len() as u64 {
            return Err(ConversionsError::Permanent(format!(
                "Meta received {received} of {} events",
                events.len()
            )));
        }
        Ok(received)
    }
}

#[async_trait]
impl LeadAdsClient for GraphClient {
    async fn page_of_token(&self, page_token: &str) -> Result<String, LeadAdsError> {
        #[derive(serde::Deserialize)]
        struct Me {
            id: String,
        }
        let body = self.get("me", "id,name", page_token).await?;
        serde_json::from_slice::<Me>(&body)
            .map(|me| me.id)
            .map_err(|e| LeadAdsError::Permanent(format!("unexpected /me shape: {e}")))
    }

    async fn fetch_lead(
        &self,
        leadgen_id: &str,
        page_token: &str,
    ) -> Result<GraphLead, LeadAdsError> {
        if !graph_id(leadgen_id) {
            return Err(LeadAdsError::Permanent(format!(
                "not a leadgen id: {leadgen_id:?}"
            )));
        }
        let body = self
            .get(
                leadgen_id,
                "id,created_time,ad_id,form_id,field_data",
                page_token,
            )
            .await?;
        serde_json::from_slice(&body)
            .map_err(|e| LeadAdsError::Permanent(format!("unexpected lead shape: {e}")))
    }
}
