//! Domain errors. Each carries a stable machine code; the HTTP layer maps the
//! variant to a status and never invents codes of its own for domain failures.

use crate::ports::StoreError;
use crate::validation::FieldErrors;

pub type DomainResult<T> = Result<T, DomainError>;

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The record does not exist *for this tenant*: another dealership's record
    /// is reported exactly like a missing one.
    #[error("{message}")]
    NotFound {
        code: &'static str,
        message: &'static str,
    },
    #[error("invalid input")]
    Validation(FieldErrors),
    #[error("{message}")]
    Forbidden {
        code: &'static str,
        message: &'static str,
    },
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// The dealership's plan does not include what was asked for (402).
    #[error("{message}")]
    PaymentRequired { code: &'static str, message: String },
    #[error("the cursor is invalid, expired or belongs to another query")]
    InvalidCursor,
    #[error(transparent)]
    Store(StoreError),
    /// A queue refused work (a reply to send, a notice): like a store
    /// failure, the request failed on our side.
    #[error(transparent)]
    Queue(crate::queue::QueueError),
}

impl From<crate::queue::QueueError> for DomainError {
    fn from(e: crate::queue::QueueError) -> Self {
        DomainError::Queue(e)
    }
}

impl From<StoreError> for DomainError {
    fn from(e: StoreError) -> Self {
        DomainError::Store(e)
    }
}

impl From<FieldErrors> for DomainError {
    fn from(e: FieldErrors) -> Self {
        DomainError::Validation(e)
    }
}

pub const LEAD_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "lead_not_found",
    message: "Lead not found",
};
pub const VEHICLE_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "vehicle_not_found",
    message: "Vehicle not found",
};
pub const DEALERSHIP_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "dealership_not_found",
    message: "Dealership not found",
};
pub const RULE_NOT_FOUND: DomainError = DomainError::NotFound {
    code: "rule_not_found",
    message: "Automation rule not found",
};
