//! One router per API resource, each deployable as its own Lambda.

pub mod account;
pub mod ai;
pub mod analytics;
pub mod appointments;
pub mod automations;
pub mod conversations;
pub mod dealership;
pub mod gdpr;
pub mod handover;
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
