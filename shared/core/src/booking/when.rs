//! When a customer says they can come, read from their own words: "i morgen
//! kl 17", "på torsdag etter jobb", "halv fem", "12. desember formiddag",
//! "neste uke". Deterministic, so it can check what the model proposes and
//! stand in when no model is configured. Everything is read in Europe/Oslo
//! and turned into UTC instants with the right offset on either side of a
//! daylight-saving change.
//!
//! Clock hours are read the way a dealership's customer means them: a bare
//! hour from 1 to 7 ("kl 5", "halv fem", "halv sju") is the afternoon or
//! evening, since nobody test-drives at half past four in the morning.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Europe::Oslo;

/// What the customer asked for: a day, and a time on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wish {
    /// The first day that fits; with [`Days::Week`] the rest of that week
    /// fits too.
    pub date: NaiveDate,
    pub days: Days,
    pub time: TimeWish,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Days {
    /// That day only.
    One,
    /// Any working day of the week that starts at `date` ("neste uke").
    Week,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeWish {
    /// A time on the clock ("kl 17", "17.30", "halv fem").
    At(NaiveTime),
    /// A part of the day ("formiddag", "etter jobb"): from, until.
    Between(NaiveTime, NaiveTime),
    /// The day was named, the time not.
    Any,
}

impl TimeWish {
    /// The earliest time of day the wish allows: the time itself, the start
    /// of the window, or midnight.
    pub fn start(self) -> NaiveTime {
        match self {
            TimeWish::At(t) | TimeWish::Between(t, _) => t,
            TimeWish::Any => NaiveTime::MIN,
        }
    }
}

impl Wish {
    /// The earliest instant the wish allows, in UTC. A time that does not
    /// exist in Oslo (the hour skipped in March) is read an hour later.
    pub fn earliest(&self) -> DateTime<Utc> {
        oslo_instant(self.date, self.time.start())
    }

    /// Whether `instant` fits the wish (a time within 30 minutes of the one
    /// named, the window, or the day).
    pub fn fits(&self, instant: DateTime<Utc>) -> bool {
        let local = instant.with_timezone(&Oslo);
        let day = local.date_naive();
        let on_day = match self.days {
            Days::One => day == self.date,
            Days::Week => {
                day >= self.date
                    && day < self.date + Duration::days(7)
                    && day.weekday().number_from_monday() <= 6
            }
        };
        if !on_day {
            return false;
        }
        let time = local.time();
        match self.time {
            TimeWish::At(t) => (time - t).num_minutes().abs() <= 30,
            TimeWish::Between(from, until) => time >= from && time < until,
            TimeWish::Any => true,
        }
    }
}

/// The UTC instant of a wall-clock time in Oslo on `date`.
pub fn oslo_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    match Oslo.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t.to_utc(),
        // The autumn hour that happens twice: the first of them.
        chrono::LocalResult::Ambiguous(first, _) => first.to_utc(),
        // The spring hour that never happens: an hour on.
        chrono::LocalResult::None => Oslo
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map(|t| t.to_utc())
            .unwrap_or_else(|| Utc.from_utc_datetime(&local)),
    }
}

/// Reads a day and a time from `text`, relative to `now`. `None` when the
/// text names neither; a time without a day is today's if it is still to
/// come, else tomorrow's.
pub fn read(text: &str, now: DateTime<Utc>) -> Option<Wish> {
    let today = now.with_timezone(&Oslo).date_naive();
    let words = words(text);
    let day = read_day(&words, today);
    let time = read_time(&words);
    let (date, days) = match (day, time) {
        (None, None) => return None,
        (Some(d), _) => d,
        (None, Some(t)) => {
            let date = if oslo_instant(today, t.start()) > now {
                today
            } else {
                today + Duration::days(1)
            };
            (date, Days::One)
        }
    };
    Some(Wish {
        date,
        days,
        time: time.unwrap_or(TimeWish::Any),
    })
}

/// Lower-case words, with the punctuation that separates them dropped but
/// the `.` and `:` inside clock times ("17.30", "17:30") and dates ("12.12")
/// kept.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '!' | '?' | ';' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| c == '.' || c == ':' || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("mandag", Weekday::Mon),
    ("tirsdag", Weekday::Tue),
    ("onsdag", Weekday::Wed),
    ("torsdag", Weekday::Thu),
    ("fredag", Weekday::Fri),
    ("lørdag", Weekday::Sat),
    ("søndag", Weekday::Sun),
];

/// The months' names, January first (also what the guardrails read as a
/// date in a reply).
pub(crate) const MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];

fn read_day(words: &[String], today: NaiveDate) -> Option<(NaiveDate, Days)> {
    for (i, w) in words.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| words[p].as_str());
        let next = words.get(i + 1).map(String::as_str);
        match w.as_str() {
            "idag" => return Some((today, Days::One)),
            "dag" if prev == Some("i") => return Some((today, Days::One)),
            "imorgen" => return Some((today + Duration::days(1), Days::One)),
            // "i morgen" is tomorrow; "morgen" alone is the early part of a day.
            "morgen" if prev == Some("i") => return Some((today + Duration::days(1), Days::One)),
            "overmorgen" => return Some((today + Duration::days(2), Days::One)),
            "uke" | "uka" if prev == Some("neste") => {
                let monday =
                    today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
                return Some((monday, Days::Week));
            }
            "helgen" | "helga" => {
                return Some((next_weekday(today, Weekday::Sat, false), Days::One));
            }
            _ => {}
        }
        if let Some((_, day)) = WEEKDAYS
            .iter()
            .find(|(name, _)| w.trim_end_matches('s') == *name || w == name)
        {
            return Some((next_weekday(today, *day, prev == Some("neste")), Days::One));
        }
        // "12. desember", "12 des"
        if let (Ok(d), Some(month)) = (w.parse::<u32>(), next.and_then(month_of))
            && let Some(date) = upcoming_date(today, month, d)
        {
            return Some((date, Days::One));
        }
        // "12.12", "12/12", "12.12.2026"
        if let Some(date) = numeric_date(w, today) {
            return Some((date, Days::One));
        }
    }
    None
}

/// The next `day` after today (today itself when it is that day, unless
/// `skip_this_week`: "neste fredag" on a Monday is the Friday after).
fn next_weekday(today: NaiveDate, day: Weekday, skip_this_week: bool) -> NaiveDate {
    let ahead = (7 + i64::from(day.num_days_from_monday())
        - i64::from(today.weekday().num_days_from_monday()))
        % 7;
    let date = today + Duration::days(ahead);
    if skip_this_week && ahead < 7 && date.iso_week() == today.iso_week() {
        date + Duration::days(7)
    } else {
        date
    }
}

fn month_of(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.');
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(word))
        .map(|i| i as u32 + 1)
}

/// The next time `day`.`month` comes round, today included.
fn upcoming_date(today: NaiveDate, month: u32, day: u32) -> Option<NaiveDate> {
    let this_year = NaiveDate::from_ymd_opt(today.year(), month, day)?;
    if this_year >= today {
        Some(this_year)
    } else {
        NaiveDate::from_ymd_opt(today.year() + 1, month, day)
    }
}

fn numeric_date(word: &str, today: NaiveDate) -> Option<NaiveDate> {
    if looks_like_time(word) {
        return None;
    }
    let parts: Vec<&str> = word.split(['.', '/']).collect();
    let (day, month) = match parts.as_slice() {
        [d, m] | [d, m, _] => (d.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        _ => return None,
    };
    // "17.30" is a clock time, not the 17th of a 30th month.
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    if let [_, _, year] = parts.as_slice() {
        let year: i32 = year.parse().ok()?;
        let year = if year < 100 { 2000 + year } else { year };
        return NaiveDate::from_ymd_opt(year, month, day);
    }
    upcoming_date(today, month, day)
}

const HOUR_WORDS: [(&str, u32); 13] = [
    ("ett", 1),
    ("en", 1),
    ("to", 2),
    ("tre", 3),
    ("fire", 4),
    ("fem", 5),
    ("seks", 6),
    ("sju", 7),
    ("syv", 7),
    ("åtte", 8),
    ("ni", 9),
    ("ti", 10),
    ("elleve", 11),
];

fn hour_word(word: &str) -> Option<u32> {
    if word == "tolv" {
        return Some(12);
    }
    HOUR_WORDS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, h)| *h)
        .or_else(|| word.parse().ok().filter(|h| (1..=24).contains(h)))
}

/// A bare hour as the customer means it: 1–7 is the afternoon or evening.
fn afternoon(hour: u32) -> u32 {
    if (1..=7).contains(&hour) {
        hour + 12
    } else {
        hour % 24
    }
}

fn time(hour: u32, minute: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_opt(hour, minute, 0)
}

fn window(from: u32, until: u32) -> TimeWish {
    TimeWish::Between(
        NaiveTime::from_hms_opt(from, 0, 0).expect("an hour"),
        NaiveTime::from_hms_opt(until, 0, 0).expect("an hour"),
    )
}

fn read_time(words: &[String]) -> Option<TimeWish> {
    for (i, w) in words.iter().enumerate() {
        let next = words.get(i + 1).map(String::as_str);
        let after = words.get(i + 2).map(String::as_str);
        match w.as_str() {
            // "halv fem" = 16:30 (half an hour before five).
            "halv" => {
                if let Some(h) = next.and_then(hour_word) {
                    return time(afternoon(h) - 1, 30).map(TimeWish::At);
                }
            }
            // "kvart over fire" = 16:15, "kvart på fem" = 16:45.
            "kvart" => match (next, after.and_then(hour_word)) {
                (Some("over"), Some(h)) => return time(afternoon(h), 15).map(TimeWish::At),
                (Some("på"), Some(h)) => return time(afternoon(h) - 1, 45).map(TimeWish::At),
                _ => {}
            },
            "kl" | "klokka" | "klokken" => {
                if let Some(t) = next.and_then(clock) {
                    return Some(TimeWish::At(t));
                }
            }
            _ => {}
        }
        // "17.30", "17:30" ("1730" is too ambiguous to read).
        if looks_like_time(w)
            && let Some(t) = clock(w)
        {
            return Some(TimeWish::At(t));
        }
    }
    // Parts of the day, when no clock time was named.
    for (i, w) in words.iter().enumerate() {
        let prev = i.checked_sub(1).map(|p| words[p].as_str());
        let next = words.get(i + 1).map(String::as_str);
        let part = match w.as_str() {
            "etter" if next.is_some_and(|n| n == "jobb" || n.starts_with("arbeid")) => {
                window(16, 19)
            }
            "tidlig" => window(8, 10),
            "formiddag" | "formiddagen" => window(9, 12),
            "lunsj" | "lunsjtid" | "lunsjen" => window(11, 13),
            "ettermiddag" | "ettermiddagen" => window(12, 17),
            "kveld" | "kvelden" | "kveldstid" => window(17, 21),
            // "i morgen" names a day, not the early hours.
            "morgen" | "morgenen" if prev != Some("i") => window(8, 10),
            _ => continue,
        };
        return Some(part);
    }
    None
}

/// "17", "17.30", "17:30", "5", "fem" → a time. A bare small hour is in
/// the afternoon; one written with two digits ("07", "02.30") is as written.
fn clock(word: &str) -> Option<NaiveTime> {
    let (hour, minute) = match word.split_once(['.', ':']) {
        Some((h, m)) => (h, m.parse::<u32>().ok()?),
        None => (word, 0),
    };
    let h = hour_word(hour)?;
    if h > 23 || minute > 59 {
        return None;
    }
    let h = if hour.len() == 2 && hour.bytes().all(|b| b.is_ascii_digit()) {
        h % 24
    } else {
        afternoon(h)
    };
    time(h, minute)
}

/// Whether a token with a separator is a clock time rather than a date:
/// `17:30` always; `17.30` when the minutes are two digits and could not be
/// a month, or are a quarter ("17.00", "9.15"). "12.12" and "17.05" are
/// dates.
fn looks_like_time(word: &str) -> bool {
    if word.contains(':') {
        return true;
    }
    match word.split_once('.') {
        Some((_, minutes)) if minutes.len() == 2 => {
            let m: u32 = minutes.parse().unwrap_or(99);
            m > 12 || matches!(m, 0 | 15 | 30 | 45)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
