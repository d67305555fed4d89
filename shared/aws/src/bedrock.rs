//! Claude through Amazon Bedrock (`InvokeModel` on the bedrock-runtime
//! API), behind the [`ReplyModel`] port: the Anthropic Messages body with
//! `anthropic_version` instead of a model, signed with the function's role.
//! With an EU cross-region inference profile (`eu.anthropic.…`) called from
//! an EU region, prompts and answers are processed inside the EU
//! (docs/replies.md).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::invoke_model::InvokeModelError;
use aws_sdk_bedrockruntime::primitives::Blob;
use norvalt_core::ai::{ModelAnswer, ModelError, ModelRequest, ReplyModel, messages_api};
use norvalt_core::config::{ConfigError, Env};

/// The Messages API version Bedrock takes in the body.
pub const BEDROCK_VERSION: &str = "bedrock-2023-05-31";
/// A Haiku-class model through the EU cross-region inference profile.
pub const DEFAULT_MODEL: &str = "eu.anthropic.claude-haiku-4-5-20251001-v1:0";

pub struct BedrockModel {
    client: aws_sdk_bedrockruntime::Client,
    model_id: String,
}

impl BedrockModel {
    /// `endpoint`: a stand-in's URL instead of Bedrock's (tests, local).
    pub fn new(config: &aws_config::SdkConfig, model_id: &str, endpoint: Option<&str>) -> Self {
        let mut builder = aws_sdk_bedrockruntime::config::Builder::from(config);
        if let Some(url) = endpoint {
            builder = builder.endpoint_url(url);
        }
        Self {
            client: aws_sdk_bedrockruntime::Client::from_conf(builder.build()),
            model_id: model_id.to_string(),
        }
    }
}

/// The reply model when `NORVALT_AI_PROVIDER` is `bedrock`:
/// `NORVALT_BEDROCK_MODEL` (default [`DEFAULT_MODEL`]) and, for a stand-in,
/// `NORVALT_BEDROCK_URL`. `None` for the Anthropic API (`anthropic`, the
/// default); any other provider is a configuration error.
pub fn reply_model(
    config: &aws_config::SdkConfig,
    env: &Env,
) -> Result<Option<Arc<dyn ReplyModel>>, ConfigError> {
    match env.optional("NORVALT_AI_PROVIDER").as_deref() {
        None | Some("anthropic") => Ok(None),
        Some("bedrock") => {
            let model = env
                .optional("NORVALT_BEDROCK_MODEL")
                .unwrap_or_else(|| DEFAULT_MODEL.into());
            let endpoint = env.url("NORVALT_BEDROCK_URL")?;
            Ok(Some(Arc::new(BedrockModel::new(
                config,
                &model,
                endpoint.as_deref(),
            ))))
        }
        Some(other) => Err(norvalt_core::config::error(
            "NORVALT_AI_PROVIDER",
            &format!("is {other:?}; it is anthropic or bedrock"),
        )),
    }
}

fn classify(e: SdkError<InvokeModelError>, budget: Duration) -> ModelError {
    match e {
        SdkError::ServiceError(service) => {
            let detail = service.err().to_string();
            match service.into_err() {
                InvokeModelError::ThrottlingException(_)
                | InvokeModelError::ServiceUnavailableException(_)
                | InvokeModelError::InternalServerException(_)
                | InvokeModelError::ModelNotReadyException(_)
                | InvokeModelError::ServiceQuotaExceededException(_) => {
                    ModelError::Unavailable(detail)
                }
                InvokeModelError::ModelTimeoutException(_) => {
                    ModelError::Timeout(budget.as_millis() as u64)
                }
                // Access, validation, an unknown model or profile, the
                // model's own error: no retry mends these.
                _ => ModelError::Refused(detail),
            }
        }
        SdkError::TimeoutError(_) => ModelError::Timeout(budget.as_millis() as u64),
        other => ModelError::Unavailable(
            aws_sdk_bedrockruntime::error::DisplayErrorContext(&other).to_string(),
        ),
    }
}

#[async_trait]
impl ReplyModel for BedrockModel {
    async fn complete(
        &self,
        request: &ModelRequest,
        budget: Duration,
    ) -> Result<ModelAnswer, ModelError> {
        let mut body = messages_api::body(request);
        body["anthropic_version"] = serde_json::json!(BEDROCK_VERSION);
        let bytes = serde_json::to_vec(&body).expect("a request body serialises");
        // The SDK's own retries (throttling, 5xx) happen inside the budget.
        let call = self
            .client
            .invoke_model()
            .model_id(&self.model_id)
            .content_type("application/json")
            .accept("application/json")
            .body(Blob::new(bytes))
            .send();
        let output = match tokio::time::timeout(budget, call).await {
            Err(_) => return Err(ModelError::Timeout(budget.as_millis() as u64)),
            Ok(Err(e)) => return Err(classify(e, budget)),
            Ok(Ok(output)) => output,
        };
        let answer: serde_json::Value = serde_json::from_slice(output.body().as_ref())
            .map_err(|e| ModelError::Malformed(format!("answer is not JSON: {e}")))?;
        let mut answer = messages_api::parse_answer(&answer)?;
        if answer.model.is_empty() {
            answer.model = self.model_id.clone();
        }
        Ok(answer)
    }

    fn model_id(&self) -> &str {
        &self.model_id
    }
}
