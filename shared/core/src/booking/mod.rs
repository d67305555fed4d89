//! Booking test drives and visits. So far the parts that need no storage:
//! reading when a customer wants to come from their own words ([`when`]),
//! and the slots a dealership's hours allow and which of them to offer
//! ([`slots`]), all in Europe/Oslo.

pub mod ics;
pub mod slots;
pub mod when;
