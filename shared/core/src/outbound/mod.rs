//! Everything that leaves Norvalt for a customer: the exactly-once send
//! claims, the outbound email and SMS and their ports (SES, Twilio, the
//! local outbox), SMS segment counting.

pub mod claims;
pub mod email;
pub mod links;
pub mod shared_sms;
pub mod sms;
pub mod suppression;

pub use claims::{ClaimRecord, ClaimState};
pub use email::{Mailer, OutboundEmail};
pub use sms::{OutboundSms, SmsSender};

/// What a provider said about one send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// The provider's id (SES message id, Twilio SID, outbox file name).
    pub provider_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Throttled, network, 5xx: try again (the claim is released).
    #[error("provider unavailable: {0}")]
    Transient(String),
    /// Refused for good (bad address, opted out at the provider).
    #[error("provider refused the message: {0}")]
    Permanent(String),
}
