//! The language-model port. The Anthropic adapter (in `norvalt-http`) and
//! the tests' mock server sit behind it; without a model the responder uses
//! the template fallback.

use async_trait::async_trait;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelRequest {
    pub model: String,
    pub system: String,
    pub messages: Vec<(Role, String)>,
    pub max_tokens: u32,
    /// Recorded on the message the answer becomes.
    pub prompt_version: &'static str,
    /// When set, the model must answer by calling this tool: its input is
    /// the structured answer ([`ModelAnswer::structured`]).
    pub tool: Option<ToolSpec>,
}

/// A tool the model is made to call, so that its answer comes as JSON of a
/// known shape rather than free text.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    /// JSON Schema of the tool's input.
    pub input_schema: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelAnswer {
    pub text: String,
    pub model: String,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// The model stopped at `max_tokens`: the text is cut.
    pub truncated: bool,
    /// The input of the tool call, when the request named a tool and the
    /// model called it (still unchecked: the caller validates it).
    pub structured: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    /// Overloaded, rate limited, 5xx, network: worth another try later.
    #[error("model unavailable: {0}")]
    Unavailable(String),
    /// No answer within the time the job can spend.
    #[error("model timed out after {0} ms")]
    Timeout(u64),
    /// Bad key, bad request, spend limit: retrying cannot help.
    #[error("model refused the request: {0}")]
    Refused(String),
    /// An answer that is not the Messages API's shape.
    #[error("model answer unreadable: {0}")]
    Malformed(String),
}

#[async_trait]
pub trait ReplyModel: Send + Sync {
    /// One completion, with the adapter's own retries inside `budget`.
    async fn complete(
        &self,
        request: &ModelRequest,
        budget: std::time::Duration,
    ) -> Result<ModelAnswer, ModelError>;
    /// The configured model id (recorded on messages).
    fn model_id(&self) -> &str;
}
