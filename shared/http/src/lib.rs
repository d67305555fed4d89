//! Norvalt's HTTP API. One axum `Router` per resource; the same routers run
//! inside each API Lambda (through `lambda_http`) and inside the local server.

pub mod anthropic;
pub mod app;
pub mod auth;
pub mod error;
pub mod extract;
pub mod graph;
pub mod openapi;
pub mod outbound;
pub mod routes;
pub mod state;
pub mod telemetry;
pub mod twilio;
pub mod webhooks;

pub use app::{api, assemble};
pub use error::ApiError;
pub use state::AppState;
