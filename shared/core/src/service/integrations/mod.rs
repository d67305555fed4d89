//! Events for the dealership's other systems. `event-scan` (every minute)
//! finds the leads that changed and puts what each owes onto the events
//! queue; `event-sender` sends it, once. Reading changes from the change
//! index rather than hooking every place a lead is written means no write
//! path can forget an event, and a crash between a write and its event
//! loses nothing: the next scan sees the change again.

pub mod endpoints;
mod meta_stages;
mod scan;
mod sender;
mod webhook_delivery;
mod webhook_events;

pub use scan::{EventScan, ScanReport};
pub use sender::{EventSender, WebhookSettings};
