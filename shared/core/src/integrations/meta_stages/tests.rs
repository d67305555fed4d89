use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::ids::LeadId;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

const CREATED: &str = "2026-12-01T09:00:00Z";

fn facebook_lead() -> Lead {
    let created = at(CREATED);
    let mut lead = crate::model::NewLead {
        customer_name: Some("Per Åsmund Lie".into()),
        customer_email: Some("per.lie@example.org".into()),
        source_metadata: Some(json!({
            "facebook_leadgen_id": "1234567890123456",
            "facebook_page_id": "104233998877665",
        })),
        ..Default::default()
    }
    .into_lead(DealershipId::new_at(created), LeadSource::Facebook, created)
    .unwrap();
    lead.id = LeadId::new_at(created);
    lead
}

fn appointment(lead: &Lead, created: &str, status: &str) -> Appointment {
    serde_json::from_value(json!({
        "id": crate::ids::AppointmentId::new_at(at(created)),
        "dealership_id": lead.dealership_id,
        "lead_id": lead.id,
        "kind": "test_drive",
        "start": "2026-12-04T10:00:00Z",
        "end": "2026-12-04T10:45:00Z",
        "vehicle_id": null,
        "assigned_to": null,
        "status": status,
        "booked_by": "customer",
        "created_at": created,
        "updated_at": created,
        "version": 1,
    }))
    .unwrap()
}

fn names(reached: &[ReachedStage]) -> Vec<&'static str> {
    reached.iter().map(|r| r.stage.as_str()).collect()
}

#[test]
fn a_new_lead_has_reached_new_at_its_creation() {
    let lead = facebook_lead();
    let reached = stages_reached(&lead, &[]);
    assert_eq!(names(&reached), ["new"]);
    assert_eq!(reached[0].at, at(CREATED));
}

#[test]
fn a_lead_answered_at_once_is_new_and_contacted_at_the_reply() {
    let mut lead = facebook_lead();
    lead.status = LeadStatus::Contacted;
    lead.first_response_at = Some(at("2026-12-01T09:00:12Z"));
    lead.updated_at = at("2026-12-01T11:00:00Z");
    let reached = stages_reached(&lead, &[]);
    assert_eq!(names(&reached), ["new", "contacted"]);
    assert_eq!(reached[1].at, at("2026-12-01T09:00:12Z"));
}

#[test]
fn a_sale_sends_every_step_before_it_in_order() {
    let mut lead = facebook_lead();
    lead.first_response_at = Some(at("2026-12-01T09:01:00Z"));
    lead.set_status(LeadStatus::Won, at("2026-12-03T15:00:00Z"));
    lead.updated_at = at("2026-12-03T15:00:00Z");
    let booked = appointment(&lead, "2026-12-02T08:00:00Z", "showed");
    let reached = stages_reached(&lead, &[booked]);
    assert_eq!(
        names(&reached),
        ["new", "contacted", "qualified", "booked", "won"]
    );
    assert_eq!(reached[3].at, at("2026-12-02T08:00:00Z"));
    assert_eq!(reached[4].at, at("2026-12-03T15:00:00Z"));
}

#[test]
fn a_cancelled_booking_was_still_a_booking_and_the_first_one_counts() {
    let mut lead = facebook_lead();
    lead.status = LeadStatus::Lost;
    lead.updated_at = at("2026-12-05T10:00:00Z");
    let first = appointment(&lead, "2026-12-02T08:00:00Z", "cancelled");
    let second = appointment(&lead, "2026-12-03T08:00:00Z", "booked");
    let reached = stages_reached(&lead, &[second, first]);
    assert_eq!(names(&reached), ["new", "contacted", "booked", "lost"]);
    assert_eq!(reached[2].at, at("2026-12-02T08:00:00Z"));
    // A lead moved on by a person without a reply on record is contacted
    // when it was moved.
    assert_eq!(reached[1].at, at("2026-12-05T10:00:00Z"));
}

#[test]
fn a_lead_under_review_deleted_or_erased_reaches_nothing() {
    let mut review = facebook_lead();
    review.status = LeadStatus::NeedsReview;
    let mut deleted = facebook_lead();
    deleted.deleted_at = Some(at("2026-12-02T00:00:00Z"));
    let mut erased = facebook_lead();
    erased.erased_at = Some(at("2026-12-02T00:00:00Z"));
    for lead in [review, deleted, erased] {
        assert!(stages_reached(&lead, &[]).is_empty());
    }
}

#[test]
fn no_stage_is_before_the_lead_came_in() {
    let mut lead = facebook_lead();
    // A clock skew between writers must not give Meta an event before
    // the lead.
    lead.first_response_at = Some(at("2026-12-01T08:59:59Z"));
    let reached = stages_reached(&lead, &[]);
    assert!(reached.iter().all(|r| r.at >= lead.created_at));
}

#[test]
fn only_lead_ads_leads_have_a_leadgen_id() {
    let lead = facebook_lead();
    assert_eq!(leadgen_id(&lead), Some("1234567890123456"));
    assert_eq!(page_id(&lead), Some("104233998877665"));
    let mut website = facebook_lead();
    website.source = LeadSource::Website;
    assert_eq!(leadgen_id(&website), None);
    let mut forged = facebook_lead();
    forged.source_metadata = json!({"facebook_leadgen_id": "12; DROP"});
    assert_eq!(leadgen_id(&forged), None);
}

#[test]
fn the_event_has_every_field_meta_expects() {
    let lead = facebook_lead();
    let stage = ReachedStage {
        stage: LeadStage::Contacted,
        at: at("2026-12-01T09:00:12Z"),
    };
    let event = stage_event(&lead, "1234567890123456", stage).unwrap();
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        json!({
            "event_name": "contacted",
            "event_time": 1796115612,
            "event_id": format!("{}:contacted", lead.id),
            "action_source": "system_generated",
            "user_data": {"lead_id": 1234567890123456u64},
            "custom_data": {"event_source": "crm", "lead_event_source": "Norvalt"},
        })
    );
}

#[test]
fn meta_takes_events_up_to_seven_days_old() {
    let now = at("2026-12-08T09:00:00Z");
    assert!(within_window(at("2026-12-01T09:00:00Z"), now));
    assert!(!within_window(at("2026-12-01T08:59:59Z"), now));
}

#[test]
fn the_dataset_is_the_lead_s_own_page_s() {
    let lead = facebook_lead();
    let connected = vec!["111".to_string(), "104233998877665".to_string()];
    assert_eq!(dataset_page(&lead, &connected), Some("104233998877665"));
    assert_eq!(dataset_page(&lead, &["111".to_string()]), None);
    let mut older = facebook_lead();
    older.source_metadata = json!({"facebook_leadgen_id": "1234567890123456"});
    assert_eq!(dataset_page(&older, &["111".to_string()]), Some("111"));
    assert_eq!(dataset_page(&older, &connected), None);
}
