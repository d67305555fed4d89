use chrono::{NaiveDate, NaiveTime};

use super::*;
use crate::booking::when::oslo_instant;

fn instant(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    oslo_instant(
        NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        NaiveTime::from_hms_opt(h, min, 0).unwrap(),
    )
}

fn test_drive(start: DateTime<Utc>) -> CalendarEvent {
    CalendarEvent {
        uid: "019ad0c4-1c2b-7000-8000-000000000009@svar.norvalt.no".into(),
        sequence: 0,
        start,
        end: start + chrono::Duration::minutes(45),
        summary: "Prøvekjøring: Toyota bZ4X, Bilsenteret Drammen".into(),
        location: Some("Strandveien 12, 3015 Drammen".into()),
        description: Some(
            "Ta med førerkort.\nSpørsmål? Ring 32 00 00 00; vi svarer gjerne.".into(),
        ),
        organizer_name: "Bilsenteret \"Drammen\"".into(),
        organizer_email: "post@bilsenteret-drammen.no".into(),
        cancelled: false,
    }
}

/// The physical lines, unfolded back into logical ones.
fn unfolded(ics: &str) -> Vec<String> {
    ics.replace("\r\n ", "")
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn a_booking_is_one_event_in_oslo_time_with_its_zone() {
    let now = instant(2026, 12, 8, 10, 0);
    let ics = calendar(&test_drive(instant(2026, 12, 10, 17, 0)), now);
    let lines = unfolded(&ics);
    for expected in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "METHOD:PUBLISH",
        "BEGIN:VTIMEZONE",
        "TZID:Europe/Oslo",
        "END:VTIMEZONE",
        "DTSTART;TZID=Europe/Oslo:20261210T170000",
        "DTEND;TZID=Europe/Oslo:20261210T174500",
        "DTSTAMP:20261208T090000Z",
        "SEQUENCE:0",
        "STATUS:CONFIRMED",
        "SUMMARY:Prøvekjøring: Toyota bZ4X\\, Bilsenteret Drammen",
        "LOCATION:Strandveien 12\\, 3015 Drammen",
        "DESCRIPTION:Ta med førerkort.\\nSpørsmål? Ring 32 00 00 00\\; vi svarer gjerne.",
        "ORGANIZER;CN=\"Bilsenteret Drammen\":mailto:post@bilsenteret-drammen.no",
        "END:VCALENDAR",
    ] {
        assert!(
            lines.iter().any(|l| l == expected),
            "{expected} missing:\n{ics}"
        );
    }
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1);
    // Every component that begins ends.
    for component in ["VCALENDAR", "VTIMEZONE", "DAYLIGHT", "STANDARD", "VEVENT"] {
        let begins = lines
            .iter()
            .filter(|l| **l == format!("BEGIN:{component}"))
            .count();
        let ends = lines
            .iter()
            .filter(|l| **l == format!("END:{component}"))
            .count();
        assert_eq!((begins, ends), (1, 1), "{component}");
    }
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
}

#[test]
fn a_summer_appointment_keeps_its_wall_clock_time() {
    let ics = calendar(
        &test_drive(instant(2026, 6, 4, 17, 0)),
        instant(2026, 6, 1, 9, 0),
    );
    assert!(unfolded(&ics).contains(&"DTSTART;TZID=Europe/Oslo:20260604T170000".to_string()));
    assert!(unfolded(&ics).contains(&"DTSTAMP:20260601T070000Z".to_string()));
}

#[test]
fn lines_are_folded_at_75_octets_between_characters() {
    let mut event = test_drive(instant(2026, 12, 10, 17, 0));
    event.description = Some("Æøå ".repeat(60));
    let ics = calendar(&event, instant(2026, 12, 8, 10, 0));
    for line in ics.split("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }
    // Unfolding gives back the text whole (no character was split).
    let description = unfolded(&ics)
        .into_iter()
        .find(|l| l.starts_with("DESCRIPTION:"))
        .unwrap();
    assert_eq!(description, format!("DESCRIPTION:{}", "Æøå ".repeat(60)));
    assert!(!ics.contains('\n') || ics.matches('\n').count() == ics.matches("\r\n").count());
}

#[test]
fn a_cancellation_repeats_the_uid_with_a_higher_sequence() {
    let mut event = test_drive(instant(2026, 12, 10, 17, 0));
    event.cancelled = true;
    event.sequence = 2;
    let lines = unfolded(&calendar(&event, instant(2026, 12, 9, 8, 0)));
    assert!(lines.contains(&"METHOD:CANCEL".to_string()));
    assert!(lines.contains(&"STATUS:CANCELLED".to_string()));
    assert!(lines.contains(&"SEQUENCE:2".to_string()));
    assert!(lines.contains(&format!("UID:{}", test_drive(event.start).uid)));
}

#[test]
fn control_characters_in_customer_text_do_not_break_the_file() {
    let mut event = test_drive(instant(2026, 12, 10, 17, 0));
    event.summary = "Prøvekjøring\r\nBEGIN:VEVENT\u{0007}".into();
    let ics = calendar(&event, instant(2026, 12, 8, 10, 0));
    let lines = unfolded(&ics);
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 1);
    assert!(lines.contains(&"SUMMARY:Prøvekjøring\\nBEGIN:VEVENT".to_string()));
}
