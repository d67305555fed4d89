//! Booking test drives and visits: reading when a customer wants to come
//! from their own words ([`when`]), the slots a dealership's hours allow
//! and which of them to offer ([`slots`]), holding a seat so a slot is
//! never booked beyond its capacity ([`seats`]), and the `.ics` of a
//! confirmation ([`ics`]), all in Europe/Oslo.

pub mod ics;
pub mod seats;
pub mod slots;
pub mod when;
