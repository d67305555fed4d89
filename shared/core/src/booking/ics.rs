//! An appointment as an iCalendar object (RFC 5545) for the confirmation
//! email's `.ics`: one `VEVENT` in Europe/Oslo time with the zone's
//! `VTIMEZONE`, so every calendar shows the right hour on either side of a
//! daylight-saving change. A changed or cancelled appointment keeps its
//! `UID` and raises `SEQUENCE`, so calendars update the event they have.
//!
//! Lines end in CRLF and are folded at 75 octets, never inside a UTF-8
//! character (æøå are two octets each).

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Oslo;

/// What the calendar entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable per appointment (`<appointment id>@<mail domain>`).
    pub uid: String,
    /// 0 when booked; one more each time it is moved or cancelled.
    pub sequence: u32,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub organizer_name: String,
    pub organizer_email: String,
    pub cancelled: bool,
}

/// The `.ics` body (`text/calendar; method=PUBLISH`, or `CANCEL` for a
/// cancelled appointment), stamped at `now`.
pub fn calendar(event: &CalendarEvent, now: DateTime<Utc>) -> String {
    let method = if event.cancelled { "CANCEL" } else { "PUBLISH" };
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Norvalt//Booking//NO".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("METHOD:{method}"),
    ];
    lines.extend(OSLO_VTIMEZONE.iter().map(|l| l.to_string()));
    lines.extend([
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", text(&event.uid)),
        format!("SEQUENCE:{}", event.sequence),
        format!("DTSTAMP:{}", now.format("%Y%m%dT%H%M%SZ")),
        format!("DTSTART;TZID=Europe/Oslo:{}", oslo(event.start)),
        format!("DTEND;TZID=Europe/Oslo:{}", oslo(event.end)),
        format!("SUMMARY:{}", text(&event.summary)),
    ]);
    if let Some(location) = &event.location {
        lines.push(format!("LOCATION:{}", text(location)));
    }
    if let Some(description) = &event.description {
        lines.push(format!("DESCRIPTION:{}", text(description)));
    }
    lines.push(format!(
        "ORGANIZER;CN={}:mailto:{}",
        param(&event.organizer_name),
        event.organizer_email
    ));
    lines.push(format!(
        "STATUS:{}",
        if event.cancelled {
            "CANCELLED"
        } else {
            "CONFIRMED"
        }
    ));
    lines.push("END:VEVENT".into());
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        fold_into(&mut out, &line);
    }
    out
}

/// Europe/Oslo's rules since 1996: CEST from the last Sunday of March at
/// 02:00, CET from the last Sunday of October at 03:00.
const OSLO_VTIMEZONE: [&str; 17] = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/Oslo",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "TZNAME:CEST",
    "DTSTART:19700329T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "TZNAME:CET",
    "DTSTART:19701025T030000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
];

/// Local wall-clock time in Oslo, as DTSTART;TZID wants it.
fn oslo(t: DateTime<Utc>) -> String {
    t.with_timezone(&Oslo).format("%Y%m%dT%H%M%S").to_string()
}

/// A TEXT value: backslash, semicolon, comma and newlines escaped; other
/// control characters dropped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.replace("\r\n", "\n").chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' | '\r' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value (a name in `CN=`): quoted, without the characters a
/// quoted parameter cannot hold.
fn param(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// Appends `line` folded at 75 octets per physical line, each continuation
/// starting with a space, every line ending in CRLF.
fn fold_into(out: &mut String, line: &str) {
    let mut octets = 0;
    for c in line.chars() {
        let width = c.len_utf8();
        // The continuation's leading space counts towards its 75.
        if octets + width > 75 {
            out.push_str("\r\n ");
            octets = 1;
        }
        out.push(c);
        octets += width;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests;
