//! Norvalt talking to the dealership's other systems: lead stages back to
//! Meta's Conversions API ([`meta_stages`]). What is sent is decided here,
//! from the lead as stored; the HTTP clients that send it implement the
//! small traits beside each kind.

pub mod adf_out;
pub mod meta_stages;
pub mod webhooks;
