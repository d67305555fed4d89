//! Opening hours in Europe/Oslo: whether the dealership is open at an
//! instant, and when it next opens — computed in code, never by the model.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Oslo;

use crate::model::dealership::{OpeningException, OpeningHours, Weekday};

fn weekday(d: chrono::Weekday) -> Weekday {
    match d {
        chrono::Weekday::Mon => Weekday::Monday,
        chrono::Weekday::Tue => Weekday::Tuesday,
        chrono::Weekday::Wed => Weekday::Wednesday,
        chrono::Weekday::Thu => Weekday::Thursday,
        chrono::Weekday::Fri => Weekday::Friday,
        chrono::Weekday::Sat => Weekday::Saturday,
        chrono::Weekday::Sun => Weekday::Sunday,
    }
}

pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Monday => "mandag",
        Weekday::Tuesday => "tirsdag",
        Weekday::Wednesday => "onsdag",
        Weekday::Thursday => "torsdag",
        Weekday::Friday => "fredag",
        Weekday::Saturday => "lørdag",
        Weekday::Sunday => "søndag",
    }
}

pub fn is_open(hours: &OpeningHours, at: DateTime<Utc>) -> bool {
    is_open_with(hours, &[], at)
}

/// The day's intervals: the exception for that date if there is one, else
/// the weekly hours.
pub(crate) fn intervals(
    hours: &OpeningHours,
    exceptions: &[OpeningException],
    date: NaiveDate,
) -> Vec<(NaiveTime, NaiveTime)> {
    if let Some(e) = exceptions.iter().find(|e| e.date == date) {
        return e.interval().into_iter().collect();
    }
    let day = weekday(date.weekday());
    let mut slots: Vec<_> = hours
        .0
        .iter()
        .filter(|s| s.day == day)
        .map(|s| (s.opens, s.closes))
        .collect();
    slots.sort();
    slots
}

/// Like [`is_open`], with dated exceptions (holidays, late openings).
pub fn is_open_with(
    hours: &OpeningHours,
    exceptions: &[OpeningException],
    at: DateTime<Utc>,
) -> bool {
    let local = at.with_timezone(&Oslo);
    let time = local.time();
    intervals(hours, exceptions, local.date_naive())
        .iter()
        .any(|(opens, closes)| *opens <= time && time < *closes)
}

/// The next opening at or after `at` within a week, in Oslo time.
pub fn next_opening(hours: &OpeningHours, at: DateTime<Utc>) -> Option<DateTime<chrono_tz::Tz>> {
    next_opening_with(hours, &[], at)
}

/// Like [`next_opening`], with dated exceptions; looks two weeks ahead so a
/// long holiday closure still finds the day after.
pub fn next_opening_with(
    hours: &OpeningHours,
    exceptions: &[OpeningException],
    at: DateTime<Utc>,
) -> Option<DateTime<chrono_tz::Tz>> {
    let local = at.with_timezone(&Oslo);
    (0..15).find_map(|offset| {
        let date = local.date_naive() + Duration::days(offset);
        intervals(hours, exceptions, date)
            .into_iter()
            .find_map(|(opens, _)| {
                let candidate = Oslo.from_local_datetime(&date.and_time(opens)).earliest()?;
                (candidate > local).then_some(candidate)
            })
    })
}

const WEEK: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// "mandag–fredag 09:00–17:00, lørdag 10:00–15:00": consecutive days with
/// the same hours are one range; closed days are left out.
pub fn describe(hours: &OpeningHours) -> String {
    if hours.0.is_empty() {
        return "ikke oppgitt".into();
    }
    let day_hours = |day: Weekday| -> Vec<String> {
        let mut slots: Vec<_> = hours.0.iter().filter(|s| s.day == day).collect();
        slots.sort_by_key(|s| s.opens);
        slots
            .iter()
            .map(|s| format!("{}–{}", s.opens.format("%H:%M"), s.closes.format("%H:%M")))
            .collect()
    };
    let mut parts = Vec::new();
    let mut i = 0;
    while i < WEEK.len() {
        let times = day_hours(WEEK[i]);
        let mut j = i;
        while j + 1 < WEEK.len() && day_hours(WEEK[j + 1]) == times {
            j += 1;
        }
        if !times.is_empty() {
            let days = if i == j {
                weekday_name(WEEK[i]).to_string()
            } else {
                format!("{}–{}", weekday_name(WEEK[i]), weekday_name(WEEK[j]))
            };
            parts.push(format!("{days} {}", times.join(" og ")));
        }
        i = j + 1;
    }
    parts.join(", ")
}

/// An instant as people in Norway read it: "tirsdag 24.11.2026 kl. 14:05".
pub fn oslo_text(at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&Oslo);
    format!(
        "{} {}",
        weekday_name(weekday(local.weekday())),
        local.format("%d.%m.%Y kl. %H:%M")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn open_follows_oslo_time_across_daylight_saving() {
        let hours = OpeningHours::typical();
        // Winter (UTC+1): 08:30 UTC is 09:30 in Oslo, a Tuesday.
        assert!(is_open(&hours, utc("2026-11-24T08:30:00Z")));
        assert!(!is_open(&hours, utc("2026-11-24T07:30:00Z")));
        // Summer (UTC+2): 07:30 UTC is 09:30 in Oslo.
        assert!(is_open(&hours, utc("2026-06-16T07:30:00Z")));
        assert!(!is_open(&hours, utc("2026-06-16T15:30:00Z")));
        // Sunday closed.
        assert!(!is_open(&hours, utc("2026-11-29T12:00:00Z")));
    }

    #[test]
    fn hours_are_grouped_and_numbers_readable() {
        assert_eq!(
            describe(&OpeningHours::typical()),
            "mandag–fredag 09:00–17:00, lørdag 10:00–15:00"
        );
    }

    #[test]
    fn next_opening_skips_the_closed_sunday() {
        let hours = OpeningHours::typical();
        let next = next_opening(&hours, utc("2026-11-28T15:00:00Z")).unwrap();
        assert_eq!(
            next.format("%Y-%m-%d %H:%M").to_string(),
            "2026-11-30 09:00"
        );
        assert_eq!(
            oslo_text(utc("2026-11-24T13:05:00Z")),
            "tirsdag 24.11.2026 kl. 14:05"
        );
    }

    #[test]
    fn exceptions_close_a_day_or_change_its_hours() {
        let hours = OpeningHours::typical();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        let exceptions = [
            OpeningException {
                date: day(2026, 12, 24),
                opens: Some(t(10)),
                closes: Some(t(13)),
                note: Some("Julaften".into()),
            },
            OpeningException {
                date: day(2026, 12, 28),
                opens: None,
                closes: None,
                note: None,
            },
        ];
        // Thursday 24 Dec 12:00 Oslo: open on short hours; 14:00 closed.
        assert!(is_open_with(
            &hours,
            &exceptions,
            utc("2026-12-24T11:00:00Z")
        ));
        assert!(!is_open_with(
            &hours,
            &exceptions,
            utc("2026-12-24T13:00:00Z")
        ));
        // Monday 28 Dec closed all day: next opening Tuesday 09:00.
        assert!(!is_open_with(
            &hours,
            &exceptions,
            utc("2026-12-28T10:00:00Z")
        ));
        let next = next_opening_with(&hours, &exceptions, utc("2026-12-28T10:00:00Z")).unwrap();
        assert_eq!(next.to_utc(), utc("2026-12-29T08:00:00Z"));
    }
}
