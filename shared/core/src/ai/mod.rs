//! The reply engine's pure parts: what the model is told (versioned
//! prompts), what it must not say (guardrails), what is sent when it cannot
//! be trusted (a specific template fallback), and the heuristic lead
//! analysis that always runs. The model itself is a port ([`ReplyModel`]).

pub mod analysis;
pub mod context;
pub mod fallback;
pub mod guardrails;
pub mod handover;
pub mod language;
pub mod messages_api;
pub mod model;
pub mod opening;
pub mod prompt;
pub mod turn;

pub use analysis::{Intent, LeadAnalysis, analyse};
pub use context::ReplyContext;
pub use model::{ModelAnswer, ModelError, ModelRequest, ReplyModel, ToolSpec};
