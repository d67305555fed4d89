//! Booking confirmations' `.ics` read by a calendar library (Python's
//! icalendar, in the test venv) rather than by our own code: the event's
//! instants in Europe/Oslo, CRLF and folding, and the file's own
//! VTIMEZONE agreeing with the tz database across daylight saving.

use chrono::{NaiveDate, NaiveTime};
use norvalt_core::booking::ics::{CalendarEvent, calendar};
use norvalt_core::booking::when::oslo_instant;

fn event(start: chrono::DateTime<chrono::Utc>, cancelled: bool) -> CalendarEvent {
    CalendarEvent {
        uid: "019ad0c4-1c2b-7000-8000-000000000009@svar.norvalt.no".into(),
        sequence: u32::from(cancelled),
        start,
        end: start + chrono::Duration::minutes(45),
        summary: "Prøvekjøring: Škoda Enyaq, Bilsenteret Drammen".into(),
        location: Some("Strandveien 12, 3015 Drammen".into()),
        description: Some(format!("Ta med førerkort. {}", "Æøå, ".repeat(30))),
        organizer_name: "Bilsenteret Drammen".into(),
        organizer_email: "post@bilsenteret-drammen.no".into(),
        cancelled,
    }
}

#[test]
#[ignore = "needs the test venv's Python with icalendar: scripts/test runs it"]
fn a_calendar_library_reads_the_confirmation_as_intended() {
    let python = std::env::var("NORVALT_TEST_PYTHON").expect(
        "this test needs the test venv's Python: run it through scripts/test, or set NORVALT_TEST_PYTHON",
    );
    let dir = tempfile::tempdir().unwrap();
    let at = |y, m, d, h| {
        oslo_instant(
            NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            NaiveTime::from_hms_opt(h, 0, 0).unwrap(),
        )
    };
    let now = at(2026, 3, 1, 9);
    let cases = [
        (
            "winter.ics",
            at(2026, 12, 10, 17),
            false,
            "2026-12-10T16:00:00+00:00",
        ),
        (
            "summer.ics",
            at(2026, 6, 4, 17),
            false,
            "2026-06-04T15:00:00+00:00",
        ),
        // The Monday after summer time begins, and a cancelled booking.
        (
            "spring.ics",
            at(2026, 3, 30, 9),
            true,
            "2026-03-30T07:00:00+00:00",
        ),
    ];
    let mut args = Vec::new();
    for (name, start, cancelled, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, calendar(&event(start, cancelled), now)).unwrap();
        args.push(path.display().to_string());
        args.push(expected.to_string());
    }
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .join("scripts/check_ics.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .args(&args)
        .output()
        .expect("run check_ics.py");
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
