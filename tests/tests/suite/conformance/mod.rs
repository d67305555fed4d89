//! One behaviour, two adapters: every test here runs against SQLite (in a
//! temp dir) and DynamoDB (on the moto server that `scripts/test` starts;
//! its URL in `NORVALT_TEST_DYNAMODB_ENDPOINT`). One file per storage port;
//! the helpers every port's tests share are here.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use norvalt_core::model::dealership::NewDealership;
use norvalt_core::model::{
    AutomationRule, Channel, Direction, LeadPatch, LeadSource, LeadStatus, NewLead, NewMessage,
    NewRule, NewUser, NewVehicle, SenderType, VehiclePatch, VehicleStatus,
};
use norvalt_core::pagination::CursorCodec;
use norvalt_core::ports::RouteKind;
use norvalt_core::service::lead_list::ListLeads;
use norvalt_core::service::provisioning::{self, PlatformSettings};
use norvalt_core::service::{conversations, leads, vehicles};
use norvalt_core::{Actor, DomainError, Role, StoreError, Stores, TenantId, tenancy};

async fn sqlite() -> (Stores, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = norvalt_local::SqliteStore::open(&dir.path().join("t.db")).unwrap();
    (Stores::from_adapter(Arc::new(store)), dir)
}

/// Runs each named behaviour (an `async fn(Stores)` of the invoking module)
/// once per adapter: `…::sqlite::<name>` and `…::dynamodb::<name>`, the
/// latter on a table of its own on moto.
macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (stores, _dir) = crate::conformance::sqlite().await;
                super::$name(stores).await;
            })*
        }
        mod dynamodb {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
            async fn $name() {
                super::$name(norvalt_tests::moto::stores("conformance").await).await;
            })*
        }
    };
}

mod bookings;
mod capture;
mod changes;
mod claims;
mod conversation_turns;
mod conversations_store;
mod counters;
mod dealerships;
mod erasure;
mod escalations;
mod inbox;
mod leads_store;
mod rules;
mod users;
mod vehicles_store;
mod webhook_log;

fn dealer(slug: &str) -> NewDealership {
    NewDealership {
        name: format!("Bil {slug}"),
        slug: slug.into(),
        email: format!("post@{slug}.no"),
        phone: None,
        address: None,
        clerk_org_id: Some(format!("org_{slug}")),
        subscription_tier: None,
        opening_hours: None,
    }
}

async fn tenant(stores: &Stores, slug: &str) -> TenantId {
    provisioning::create_dealership(
        stores,
        &PlatformSettings::default(),
        dealer(slug),
        Utc::now(),
    )
    .await
    .unwrap()
    .0
}

fn actor(tenant: TenantId, role: Role) -> Actor {
    Actor {
        tenant,
        clerk_user_id: "user_test".into(),
        role,
        user: None,
    }
}

/// A booked test drive for `lead` starting at `start` (RFC 3339), written now.
fn appointment(
    t: &TenantId,
    lead: norvalt_core::LeadId,
    start: &str,
) -> norvalt_core::model::Appointment {
    let start = chrono::DateTime::parse_from_rfc3339(start)
        .unwrap()
        .to_utc();
    norvalt_core::model::Appointment {
        id: norvalt_core::AppointmentId::new_at(start),
        dealership_id: t.dealership_id(),
        lead_id: lead,
        kind: norvalt_core::booking::slots::AppointmentKind::TestDrive,
        start,
        end: start + Duration::minutes(45),
        vehicle_id: None,
        assigned_to: None,
        status: norvalt_core::model::AppointmentStatus::Booked,
        booked_by: norvalt_core::model::BookedBy::Customer,
        seats: vec!["seat:x".into()],
        sequence: 0,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        version: 1,
    }
}

fn codec() -> CursorCodec {
    CursorCodec::new([3; 32])
}

fn phone_lead(n: usize) -> NewLead {
    NewLead {
        customer_phone: Some(format!("9{:07}", 1_000_000 + n)),
        ..Default::default()
    }
}

use norvalt_core::capture::dedup::ContactClaim;
use norvalt_core::capture::{
    Capture, CaptureCommit, CaptureEnvelope, CaptureOutcome, CaptureRecord, ContactRecord,
    FormCapture, LeadCandidate, LeadWrite,
};
use norvalt_core::queue::QueueName;
use norvalt_core::service::intake::{Intake, IntakeConfig, IntakeResult};
use norvalt_tests::fakes::{MemoryQueue, Nothing};

fn intake(stores: &Stores, queue: Arc<MemoryQueue>) -> Intake {
    Intake {
        stores: stores.clone(),
        queue,
        mail: Arc::new(Nothing),
        secrets: Arc::new(Nothing),
        lead_ads: Arc::new(Nothing),
        config: IntakeConfig::default(),
    }
}

async fn form_key(stores: &Stores, slug: &str) -> String {
    provisioning::find_by_slug(stores, slug)
        .await
        .unwrap()
        .unwrap()
        .1
        .form_key
}

fn form_envelope(
    form_key: &str,
    key: &str,
    email: Option<&str>,
    phone: Option<&str>,
    message: &str,
) -> String {
    let lead = LeadCandidate {
        customer_name: Some("Kari Nordmann".into()),
        customer_email: email.map(str::to_string),
        customer_phone: phone.map(str::to_string),
        vehicle_interest: Some("Toyota bZ4X".into()),
        message: Some(message.into()),
        ..Default::default()
    };
    CaptureEnvelope::new(
        None,
        format!("form:{form_key}:{key}"),
        "trace".into(),
        Utc::now(),
        Capture::Form(FormCapture {
            form_key: form_key.into(),
            capture_id: uuid::Uuid::new_v4(),
            lead,
        }),
    )
    .to_json()
}

async fn live_leads(stores: &Stores, t: &TenantId) -> Vec<norvalt_core::model::Lead> {
    stores
        .leads
        .list_leads(t, &Default::default(), None, 100)
        .await
        .unwrap()
}
