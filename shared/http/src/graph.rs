//! Meta's Graph API, the one call intake needs: fetch a Lead Ads lead by its
//! leadgen id with the page's access token (docs/contracts.md).

use norvalt_core::config::{ConfigError, Env};
use std::time::Duration;

use async_trait::async_trait;
use norvalt_core::capture::facebook::GraphLead;
use norvalt_core::capture::sources::{LeadAdsClient, LeadAdsError};
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

impl GraphClient {
    /// `GET {base}/{path}` with the token; the body on success, the error
    /// classified otherwise.
    async fn get(&self, path: &str, fields: &str, token: &str) -> Result<Vec<u8>, LeadAdsError> {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("access_token", token)
            .append_pair("fields", fields)
            .finish();
        let url = format!("{}/{path}?{query}", self.base_url);
        let response =
            self.http.get(&url).send().await.map_err(|e| {
                LeadAdsError::Transient(format!("request failed: {}", e.without_url()))
            })?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| {
            LeadAdsError::Transient(format!("reading the answer failed: {}", e.without_url()))
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
            190 | 102 | 463 | 467 => LeadAdsError::TokenRejected(detail),
            // Rate limits and temporary trouble.
            1 | 2 | 4 | 17 | 32 | 341 | 613 | 80001 => LeadAdsError::Transient(detail),
            _ if status.is_server_error() || status.as_u16() == 429 => {
                LeadAdsError::Transient(detail)
            }
            _ => LeadAdsError::Permanent(detail),
        })
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
        if leadgen_id.is_empty()
            || !leadgen_id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
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
