use chrono::{NaiveDate, NaiveTime, Timelike};

use super::*;
use crate::booking::when::read;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn test_drive() -> AppointmentType {
    AppointmentType::defaults()
        .into_iter()
        .find(|t| t.kind == AppointmentKind::TestDrive)
        .unwrap()
}

/// Oslo wall-clock start times, as "YYYY-MM-DD HH:MM".
fn local(slots: &[Slot]) -> Vec<String> {
    slots
        .iter()
        .map(|s| {
            s.start
                .with_timezone(&Oslo)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .collect()
}

/// Tuesday 8 December 2026, 10:00 in Oslo.
fn tuesday_morning() -> DateTime<Utc> {
    oslo_instant(date(2026, 12, 8), at(10, 0))
}

#[test]
fn a_day_of_test_drives_fills_the_opening_hours_after_the_lead_time() {
    let all = slots(
        &OpeningHours::typical(),
        &[],
        &test_drive(),
        tuesday_morning(),
        1,
    );
    // Two hours' lead time: from 12:00; 45 minutes must end by 17:00.
    let expected: Vec<String> = [
        "12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30", "16:00",
    ]
    .iter()
    .map(|t| format!("2026-12-08 {t}"))
    .collect();
    assert_eq!(local(&all), expected);
    assert!(all.iter().all(|s| (s.end - s.start).num_minutes() == 45));
}

#[test]
fn weekends_holidays_and_short_days_follow_the_calendar() {
    let exceptions = [
        OpeningException {
            date: date(2026, 12, 23),
            opens: Some(at(10, 0)),
            closes: Some(at(13, 0)),
            note: Some("Lille julaften".into()),
        },
        OpeningException {
            date: date(2026, 12, 24),
            opens: None,
            closes: None,
            note: Some("Julaften".into()),
        },
    ];
    let all = slots(
        &OpeningHours::typical(),
        &exceptions,
        &test_drive(),
        tuesday_morning(),
        17,
    );
    let on = |d: &str| local(&all).into_iter().filter(|s| s.starts_with(d)).count();
    assert_eq!(on("2026-12-12"), 9, "Saturday 10–15: 10:00 to 14:00");
    assert_eq!(on("2026-12-13"), 0, "Sunday: closed");
    assert_eq!(on("2026-12-23"), 5, "10–13: 10:00 to 12:00");
    assert_eq!(on("2026-12-24"), 0, "Christmas Eve: closed");
    assert_eq!(on("2026-12-21"), 15, "a whole weekday: 09:00 to 16:00");
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(sorted, all, "in time order");
}

#[test]
fn opening_times_stay_on_the_wall_clock_across_daylight_saving() {
    // Wednesday 25 March 2026; summer time begins on Sunday 29 March.
    let now = oslo_instant(date(2026, 3, 25), at(8, 0));
    let all = slots(&OpeningHours::typical(), &[], &test_drive(), now, 7);
    let first_on = |d: NaiveDate| {
        *all.iter()
            .find(|s| s.start.with_timezone(&Oslo).date_naive() == d)
            .unwrap()
    };
    let friday = first_on(date(2026, 3, 27));
    let monday = first_on(date(2026, 3, 30));
    assert_eq!(friday.start.hour(), 8, "09:00 CET is 08:00 UTC");
    assert_eq!(monday.start.hour(), 7, "09:00 CEST is 07:00 UTC");
    assert_eq!(friday.start.with_timezone(&Oslo).hour(), 9);
    assert_eq!(monday.start.with_timezone(&Oslo).hour(), 9);
}

#[test]
fn an_opening_off_the_grid_starts_at_the_next_half_hour() {
    let hours = OpeningHours(vec![crate::model::dealership::OpeningSlot {
        day: crate::model::dealership::Weekday::Wednesday,
        opens: at(9, 10),
        closes: at(11, 0),
    }]);
    let all = slots(&hours, &[], &test_drive(), tuesday_morning(), 2);
    assert_eq!(local(&all), ["2026-12-09 09:30", "2026-12-09 10:00"]);
}

#[test]
fn the_time_asked_for_is_offered_when_free_else_the_nearest() {
    let now = tuesday_morning();
    let free = slots(&OpeningHours::typical(), &[], &test_drive(), now, 14);
    // "torsdag kl 16" is free: that slot first.
    let thursday_four = read("kan jeg prøvekjøre torsdag kl 16?", now).unwrap();
    assert_eq!(
        local(&offer(&free, &thursday_four, 3)),
        ["2026-12-10 16:00", "2026-12-10 15:30"],
        "the time itself, then the only other one within half an hour"
    );
    // "torsdag kl 17": a 45-minute drive cannot start at five (closing);
    // the nearest free times on that day are offered instead.
    let thursday_five = read("torsdag kl 17", now).unwrap();
    assert_eq!(
        local(&offer(&free, &thursday_five, 3)),
        ["2026-12-10 16:00", "2026-12-10 15:30", "2026-12-10 15:00"]
    );
    // A whole afternoon: three times an hour apart.
    let afternoon = read("fredag ettermiddag", now).unwrap();
    assert_eq!(
        local(&offer(&free, &afternoon, 3)),
        ["2026-12-11 12:00", "2026-12-11 13:00", "2026-12-11 14:00"]
    );
    // Sunday is closed: the nearest open times (Monday at nine is 21
    // hours on, Saturday's last at two is 22 hours back).
    let sunday = read("søndag kl 12", now).unwrap();
    assert_eq!(
        local(&offer(&free, &sunday, 2)),
        ["2026-12-14 09:00", "2026-12-14 09:30"]
    );
    // Nothing free: nothing to offer.
    assert!(offer(&[], &thursday_four, 3).is_empty());
}
