//! The follow-up engine's pure parts: when a customer may be messaged
//! ([`quiet`]), how a dealership's template is filled in ([`merge`]), and a
//! lead's progress through a rule's sequence ([`followup`]). The service
//! that drives them is [`crate::service::automation`].

pub mod followup;
pub mod merge;
pub mod quiet;
pub mod response_clock;

pub use followup::{FollowUp, StepRun, StopReason};
pub use quiet::QuietHours;
