//! Booking test drives and visits. So far: reading when a customer wants to
//! come from their own words ([`when`]), in Europe/Oslo.

pub mod when;
