//! Quiet hours in Europe/Oslo: no SMS to customers late in the evening, at
//! night, on Sundays or on Norwegian public holidays unless the dealership
//! says otherwise. A send that falls in quiet time moves to the next allowed
//! moment, computed on the Oslo wall clock so that it stays right across
//! daylight-saving changes.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Oslo;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Channel;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct QuietHours {
    /// Oslo time from which follow-up SMS may go (`08:00`).
    #[schema(value_type = String, example = "08:00")]
    pub sms_from: NaiveTime,
    /// Oslo time after which they wait for the next day (`21:00`).
    #[schema(value_type = String, example = "21:00")]
    pub sms_until: NaiveTime,
    /// Allow SMS on Sundays and public holidays too.
    pub sms_on_sundays_and_holidays: bool,
    /// Hold follow-up emails to the SMS hours as well (they may go any time
    /// by default).
    pub emails_follow_sms_hours: bool,
}

impl Default for QuietHours {
    fn default() -> Self {
        Self {
            sms_from: NaiveTime::from_hms_opt(8, 0, 0).expect("valid"),
            sms_until: NaiveTime::from_hms_opt(21, 0, 0).expect("valid"),
            sms_on_sundays_and_holidays: false,
            emails_follow_sms_hours: false,
        }
    }
}

impl QuietHours {
    pub fn is_valid(&self) -> bool {
        self.sms_from < self.sms_until
    }

    /// The earliest instant at or after `at` when a message on `channel`
    /// may go out.
    pub fn next_allowed(&self, channel: Channel, at: DateTime<Utc>) -> DateTime<Utc> {
        let restricted = match channel {
            Channel::Sms => true,
            Channel::Email => self.emails_follow_sms_hours,
            _ => false,
        };
        if !restricted || !self.is_valid() {
            return at;
        }
        let local = at.with_timezone(&Oslo);
        let mut day = local.date_naive();
        // A year of holidays and Sundays cannot block more than a few days.
        for _ in 0..14 {
            if self.day_allowed(day) {
                let opens = oslo_instant(day, self.sms_from);
                let closes = oslo_instant(day, self.sms_until);
                if at < opens {
                    return opens;
                }
                if at < closes {
                    return at;
                }
            }
            day = day.succ_opt().expect("far from the end of time");
        }
        at
    }

    fn day_allowed(&self, day: NaiveDate) -> bool {
        self.sms_on_sundays_and_holidays
            || (day.weekday() != Weekday::Sun && !is_public_holiday(day))
    }
}

/// The instant the Oslo wall clock shows `time` on `day`. A time that does
/// not exist (the spring-forward hour) becomes the first one after it.
pub fn oslo_instant(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = day.and_time(time);
    loop {
        if let Some(t) = Oslo.from_local_datetime(&naive).earliest() {
            return t.to_utc();
        }
        naive += Duration::minutes(15);
    }
}

/// Norwegian public holidays ("helligdager" and the two national days):
/// New Year, Maundy Thursday to Easter Monday, 1 and 17 May, Ascension,
/// Whit Sunday and Monday, Christmas Day and Boxing Day.
pub fn is_public_holiday(day: NaiveDate) -> bool {
    let fixed = matches!(
        (day.month(), day.day()),
        (1, 1) | (5, 1) | (5, 17) | (12, 25) | (12, 26)
    );
    let easter = easter_sunday(day.year());
    let from_easter = (day - easter).num_days();
    fixed || matches!(from_easter, -3 | -2 | 0 | 1 | 39 | 49 | 50)
}

/// Western Easter Sunday (the anonymous Gregorian computus).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("computus yields a date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn easter_matches_the_almanac() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
        assert_eq!(easter_sunday(2038), date(2038, 4, 25));
    }

    #[test]
    fn norwegian_holidays_are_known() {
        for d in [
            date(2026, 1, 1),
            date(2026, 4, 2), // skjærtorsdag
            date(2026, 4, 3), // langfredag
            date(2026, 4, 6), // 2. påskedag
            date(2026, 5, 1),
            date(2026, 5, 14), // Kristi himmelfartsdag
            date(2026, 5, 17),
            date(2026, 5, 25), // 2. pinsedag
            date(2026, 12, 25),
            date(2026, 12, 26),
        ] {
            assert!(is_public_holiday(d), "{d}");
        }
        for d in [date(2026, 4, 1), date(2026, 5, 18), date(2026, 12, 24)] {
            assert!(!is_public_holiday(d), "{d}");
        }
    }

    #[test]
    fn an_sms_in_the_evening_waits_for_the_morning() {
        let q = QuietHours::default();
        // Tuesday 24 Nov 2026, 22:30 in Oslo (UTC+1) → Wednesday 08:00.
        assert_eq!(
            q.next_allowed(Channel::Sms, utc("2026-11-24T21:30:00Z")),
            utc("2026-11-25T07:00:00Z")
        );
        // Inside the window: unchanged.
        let noon = utc("2026-11-25T11:00:00Z");
        assert_eq!(q.next_allowed(Channel::Sms, noon), noon);
        // Early morning: the same day's 08:00.
        assert_eq!(
            q.next_allowed(Channel::Sms, utc("2026-11-25T04:00:00Z")),
            utc("2026-11-25T07:00:00Z")
        );
        // Emails go at any time unless the dealership holds them too.
        let late = utc("2026-11-24T22:30:00Z");
        assert_eq!(q.next_allowed(Channel::Email, late), late);
        let held = QuietHours {
            emails_follow_sms_hours: true,
            ..q
        };
        assert_eq!(
            held.next_allowed(Channel::Email, late),
            utc("2026-11-25T07:00:00Z")
        );
    }

    #[test]
    fn sundays_and_holidays_are_skipped_unless_allowed() {
        let q = QuietHours::default();
        // Saturday 19 Dec 2026 21:30 → Monday 21 Dec 08:00.
        assert_eq!(
            q.next_allowed(Channel::Sms, utc("2026-12-19T20:30:00Z")),
            utc("2026-12-21T07:00:00Z")
        );
        // Christmas Eve 22:00 → past 25 (holiday), 26 (holiday), 27 (Sunday).
        assert_eq!(
            q.next_allowed(Channel::Sms, utc("2026-12-24T21:00:00Z")),
            utc("2026-12-28T07:00:00Z")
        );
        let relaxed = QuietHours {
            sms_on_sundays_and_holidays: true,
            ..q
        };
        assert_eq!(
            relaxed.next_allowed(Channel::Sms, utc("2026-12-24T21:00:00Z")),
            utc("2026-12-25T07:00:00Z")
        );
    }

    #[test]
    fn the_morning_after_a_dst_change_is_still_eight_oclock() {
        let q = QuietHours::default();
        // Saturday 28 March 2026 23:00 CET; Sunday the 29th clocks go forward
        // (and it is a Sunday), so Monday 30 March 08:00 CEST = 06:00 UTC.
        assert_eq!(
            q.next_allowed(Channel::Sms, utc("2026-03-28T22:00:00Z")),
            utc("2026-03-30T06:00:00Z")
        );
        // Saturday 24 October 2026 22:00 CEST; clocks go back on Sunday 25th,
        // so Monday 26 October 08:00 CET = 07:00 UTC.
        assert_eq!(
            q.next_allowed(Channel::Sms, utc("2026-10-24T20:00:00Z")),
            utc("2026-10-26T07:00:00Z")
        );
    }

    #[test]
    fn a_time_in_the_spring_gap_moves_past_it() {
        let t = oslo_instant(
            date(2026, 3, 29),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(t, utc("2026-03-29T01:00:00Z"));
    }
}
