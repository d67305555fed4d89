//! One router per API resource, each deployable as its own Lambda.

pub mod account;
pub mod ai;
pub mod analytics;
pub mod appointments;
pub mod automations;
pub mod conversations;
pub mod dealership;
pub mod endpoints;
pub mod gdpr;
pub mod handover;
pub mod lead_export;
pub mod leads;
pub mod vehicles;

use crate::error::ApiError;

/// A path id that does not parse names nothing: it is reported exactly like
/// a missing record.
pub(crate) fn parse_id<T: std::str::FromStr>(
    raw: &str,
    not_found: norvalt_core::DomainError,
) -> Result<T, ApiError> {
    raw.parse().map_err(|_| ApiError::from(not_found))
}

/// The send queue an action that messages the customer needs; 503
/// `sending_unavailable` on a deployment without one.
pub(crate) fn send_queue(
    state: &crate::state::AppState,
) -> Result<&dyn norvalt_core::queue::Queue, ApiError> {
    state.notices.as_deref().ok_or_else(|| {
        ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "sending_unavailable",
            "This deployment has no send queue configured",
        )
    })
}
