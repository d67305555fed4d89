//! The platform's records as Rust types (their storage layout is in
//! docs/architecture.md). Stored records are the full structs;
//! `New*` and `*Patch` types are what callers may send, validated into them.

pub mod appointment;
pub mod conversation;
pub mod dealership;
pub mod inbox;
pub mod lead;
pub mod lead_query;
pub mod message;
pub mod patch;
pub mod plan;
pub mod rule;
pub mod user;
pub mod vehicle;

pub use appointment::{Appointment, AppointmentStatus, BookedBy};
pub use conversation::{
    AiDraft, ConversationMode, ConversationSettings, HandBack, Handover, HandoverReason,
};
pub use dealership::{Dealership, NewDealership, OpeningHours, OpeningSlot};
pub use inbox::{CannedReply, InboxSetup, SavedView, Tag, TagColour};
pub use lead::{Lead, LeadPatch, LeadSource, LeadStatus, NewLead};
pub use lead_query::{ChangeMark, LeadQuery};
pub use message::{Channel, Direction, Message, NewMessage, SenderType};
pub use rule::{Action, AutomationRule, Conditions, NewRule, RulePatch, Step, Trigger};
pub use user::{NewUser, NotificationPreferences, User, UserPatch};
pub use vehicle::{FuelType, NewVehicle, Vehicle, VehiclePatch, VehicleStatus};
