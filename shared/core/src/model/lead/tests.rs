use super::*;

fn dealer() -> DealershipId {
    DealershipId::new_at(Utc::now())
}

#[test]
fn a_manual_lead_is_normalised() {
    let lead = NewLead {
        customer_name: Some("  Kari Nordmann ".into()),
        customer_email: Some("Kari@Example.no".into()),
        customer_phone: Some("912 34 567".into()),
        vehicle_interest: Some("Toyota RAV4 Hybrid".into()),
        ..Default::default()
    }
    .into_lead(dealer(), LeadSource::Manual, Utc::now())
    .unwrap();
    assert_eq!(lead.customer_name.as_deref(), Some("Kari Nordmann"));
    assert_eq!(lead.customer_email.as_deref(), Some("kari@example.no"));
    assert_eq!(lead.customer_phone.as_deref(), Some("+4791234567"));
    assert_eq!(lead.status, LeadStatus::New);
    assert_eq!(lead.source_metadata, serde_json::json!({}));
}

#[test]
fn every_bad_field_is_named() {
    let err = NewLead {
        customer_email: Some("not-an-email".into()),
        customer_phone: Some("12".into()),
        lead_score: Some(0),
        source_url: Some("ftp://x".into()),
        source_metadata: Some(serde_json::json!([1])),
        ..Default::default()
    }
    .into_lead(dealer(), LeadSource::Manual, Utc::now())
    .unwrap_err();
    let fields: Vec<_> = err.fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "customer_email",
            "customer_phone",
            "lead_score",
            "source_url",
            "source_metadata"
        ]
    );
}

#[test]
fn a_lead_needs_a_way_to_answer() {
    let err = NewLead {
        customer_name: Some("Ola".into()),
        ..Default::default()
    }
    .into_lead(dealer(), LeadSource::Manual, Utc::now())
    .unwrap_err();
    assert_eq!(
        err.fields[0].message,
        "customer_email or customer_phone is required"
    );
}

#[test]
fn winning_sets_and_reopening_clears_converted_at() {
    let now = Utc::now();
    let mut lead = NewLead {
        customer_phone: Some("91234567".into()),
        ..Default::default()
    }
    .into_lead(dealer(), LeadSource::Manual, now)
    .unwrap();
    LeadPatch {
        status: Some(LeadStatus::Won),
        ..Default::default()
    }
    .apply(&mut lead, now)
    .unwrap();
    assert_eq!(lead.converted_at, Some(now));
    LeadPatch {
        status: Some(LeadStatus::Qualified),
        ..Default::default()
    }
    .apply(&mut lead, now)
    .unwrap();
    assert_eq!(lead.converted_at, None);
}

#[test]
fn patch_null_clears_but_keeps_one_contact() {
    let now = Utc::now();
    let mut lead = NewLead {
        customer_email: Some("a@b.no".into()),
        customer_phone: Some("91234567".into()),
        ..Default::default()
    }
    .into_lead(dealer(), LeadSource::Manual, now)
    .unwrap();
    let clear_email: LeadPatch = serde_json::from_str(r#"{"customer_email": null}"#).unwrap();
    clear_email.apply(&mut lead, now).unwrap();
    assert_eq!(lead.customer_email, None);
    let clear_phone: LeadPatch = serde_json::from_str(r#"{"customer_phone": null}"#).unwrap();
    assert!(clear_phone.apply(&mut lead.clone(), now).is_err());
    let absent: LeadPatch = serde_json::from_str(r#"{}"#).unwrap();
    assert!(absent.customer_phone.is_none());
}

#[test]
fn unknown_status_names_the_allowed_values() {
    let err = serde_json::from_str::<LeadPatch>(r#"{"status":"maybe"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("new") && err.contains("contacted") && err.contains("lost"),
        "{err}"
    );
}
