//! Norvalt's domain, free of I/O and of AWS.
//!
//! The crate reads like the business: dealerships own leads, leads own a
//! conversation, dealerships keep vehicles and automation rules. What
//! travels between the functions is in [`jobs`]. Storage is
//! reached only through the small traits in [`ports`]; the HTTP layer and the
//! Lambda functions call the use cases in [`service`].

pub mod ai;
pub mod analytics;
pub mod audit;
pub mod automation;
pub mod booking;
pub mod capture;
pub mod config;
pub mod error;
pub mod ids;
pub mod integrations;
pub mod inventory;
pub mod jobs;
pub mod metrics;
pub mod model;
pub mod net;
pub mod outbound;
pub mod pagination;
pub mod permissions;
pub mod phone;
pub mod ports;
pub mod queue;
pub mod search;
pub mod service;
pub mod tenancy;
pub mod time;
pub mod validation;

pub use error::{DomainError, DomainResult};
pub use ids::{
    AppointmentId, AuditId, CannedReplyId, DealershipId, LeadId, MessageId, RuleId, TagId, UserId,
    VehicleId, ViewId,
};
pub use permissions::{Actor, Permission, Role};
pub use ports::{StoreError, StoreResult, Stores};
pub use tenancy::TenantId;
