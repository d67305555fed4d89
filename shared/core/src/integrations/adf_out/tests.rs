use chrono::{DateTime, Utc};
use serde_json::json;

use super::*;
use crate::capture::email::adf;
use crate::ids::{DealershipId, LeadId};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn dealership() -> Dealership {
    let mut d = crate::model::dealership::sample("Bilsenteret Drammen & Sønn");
    d.email = "post@bilsenteret-drammen.no".into();
    d
}

fn lead(name: &str, vehicle: Option<&str>, message: Option<&str>, phone: Option<&str>) -> Lead {
    let created = at("2026-12-06T08:15:00Z");
    let mut lead = crate::model::NewLead {
        customer_email: Some("kari.nordmann@example.no".into()),
        customer_phone: phone.map(Into::into),
        vehicle_interest: vehicle.map(Into::into),
        source_metadata: Some(json!({})),
        ..Default::default()
    }
    .into_lead(DealershipId::new_at(created), LeadSource::Website, created)
    .unwrap();
    lead.id = LeadId::new_at(created);
    // As stored, whatever a capture let through (an importer's mail can
    // hold characters the API would refuse).
    lead.customer_name = Some(name.into());
    lead.initial_message = message.map(Into::into);
    lead
}

#[test]
fn our_own_parser_reads_the_document_back_to_the_same_lead() {
    for (name, vehicle, message, phone) in [
        (
            "Kari Nordmann",
            Some("Toyota RAV4 Plug-in Hybrid"),
            Some("Er den på lager?"),
            Some("+4791234567"),
        ),
        (
            "Åse Ødegård-Ås",
            Some("Škoda Enyaq"),
            Some("Pris <inkl.> & levering?\nHilsen Åse"),
            None,
        ),
        ("Per \"Pelle\" O'Brien", None, None, Some("+4722334455")),
        (
            "Jon\u{7}Ø",
            Some("bZ4X"),
            Some("Kontrolltegn\u{1}her"),
            None,
        ),
    ] {
        let lead = lead(name, vehicle, message, phone);
        let xml = document(&lead, &dealership());
        roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("not XML ({e}):\n{xml}"));
        let back = adf::parse(&xml).unwrap_or_else(|| panic!("no ADF:\n{xml}"));
        // Control characters cannot be in XML; whitespace is folded by the
        // parser as for any importer's mail.
        let clean = |s: &str| {
            s.chars()
                .filter(|c| !c.is_control() || c.is_whitespace())
                .collect::<String>()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            back.customer_name.as_deref(),
            Some(clean(name).as_str()),
            "{xml}"
        );
        assert_eq!(back.customer_email, lead.customer_email);
        assert_eq!(back.customer_phone, lead.customer_phone, "{xml}");
        assert_eq!(back.vehicle_interest, lead.vehicle_interest, "{xml}");
        assert_eq!(
            back.message.as_deref(),
            message.map(clean).as_deref(),
            "{xml}"
        );
        assert_eq!(
            back.metadata.get("adf_id").and_then(|v| v.as_str()),
            Some(lead.id.to_string().as_str())
        );
        assert_eq!(
            back.metadata.get("vendor").and_then(|v| v.as_str()),
            Some("Bilsenteret Drammen & Sønn")
        );
    }
}

#[test]
fn the_document_names_the_request_time_in_oslo_and_the_channel() {
    let xml = document(
        &lead("Kari", None, None, Some("+4791234567")),
        &dealership(),
    );
    assert!(
        xml.contains("<requestdate>2026-12-06T09:15:00+01:00</requestdate>"),
        "{xml}"
    );
    assert!(
        xml.contains("<phone type=\"cellphone\">+4791234567</phone>"),
        "{xml}"
    );
    assert!(xml.contains("<service>Nettsideskjema</service>"), "{xml}");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>"));
}
