use chrono::{NaiveDate, NaiveTime};

use super::*;

/// Tuesday 8 December 2026, 10:00 in Oslo (09:00 UTC, winter time).
fn tuesday_morning() -> DateTime<Utc> {
    oslo_instant(date(2026, 12, 8), at(10, 0))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap()
}

fn wish(text: &str) -> Option<Wish> {
    read(text, tuesday_morning())
}

fn one(d: NaiveDate, time: TimeWish) -> Option<Wish> {
    Some(Wish {
        date: d,
        days: Days::One,
        time,
    })
}

fn between(from: u32, until: u32) -> TimeWish {
    TimeWish::Between(at(from, 0), at(until, 0))
}

/// The phrases customers write, each with what it means on Tuesday
/// 8 December 2026 at 10:00.
#[test]
fn norwegian_days_and_times() {
    let cases: &[(&str, Option<Wish>)] = &[
        (
            "Kan jeg prøvekjøre torsdag kl 17?",
            one(date(2026, 12, 10), TimeWish::At(at(17, 0))),
        ),
        (
            "i morgen etter jobb",
            one(date(2026, 12, 9), between(16, 19)),
        ),
        (
            "Passer det halv fem?",
            one(date(2026, 12, 8), TimeWish::At(at(16, 30))),
        ),
        (
            "halv sju en dag",
            one(date(2026, 12, 8), TimeWish::At(at(18, 30))),
        ),
        ("halv ett", one(date(2026, 12, 8), TimeWish::At(at(12, 30)))),
        (
            "kvart over fire",
            one(date(2026, 12, 8), TimeWish::At(at(16, 15))),
        ),
        (
            "kvart på fem",
            one(date(2026, 12, 8), TimeWish::At(at(16, 45))),
        ),
        // Nine this morning has passed: tomorrow's nine.
        ("kl 9", one(date(2026, 12, 9), TimeWish::At(at(9, 0)))),
        ("kl. 5", one(date(2026, 12, 8), TimeWish::At(at(17, 0)))),
        (
            "klokka fem",
            one(date(2026, 12, 8), TimeWish::At(at(17, 0))),
        ),
        (
            "17.30 på fredag",
            one(date(2026, 12, 11), TimeWish::At(at(17, 30))),
        ),
        (
            "fredag 17:30",
            one(date(2026, 12, 11), TimeWish::At(at(17, 30))),
        ),
        ("i dag", one(date(2026, 12, 8), TimeWish::Any)),
        ("idag!", one(date(2026, 12, 8), TimeWish::Any)),
        ("imorgen", one(date(2026, 12, 9), TimeWish::Any)),
        ("i overmorgen", one(date(2026, 12, 10), TimeWish::Any)),
        ("i morgen tidlig", one(date(2026, 12, 9), between(8, 10))),
        ("lørdag formiddag", one(date(2026, 12, 12), between(9, 12))),
        ("på søndag kveld", one(date(2026, 12, 13), between(17, 21))),
        (
            "Tirsdag ettermiddag",
            one(date(2026, 12, 8), between(12, 17)),
        ),
        ("neste tirsdag", one(date(2026, 12, 15), TimeWish::Any)),
        ("i helgen", one(date(2026, 12, 12), TimeWish::Any)),
        (
            "12. desember formiddag",
            one(date(2026, 12, 12), between(9, 12)),
        ),
        ("den 3. januar", one(date(2027, 1, 3), TimeWish::Any)),
        ("3.1 kl 14", one(date(2027, 1, 3), TimeWish::At(at(14, 0)))),
        ("24.12.26", one(date(2026, 12, 24), TimeWish::Any)),
        (
            "neste uke",
            Some(Wish {
                date: date(2026, 12, 14),
                days: Days::Week,
                time: TimeWish::Any,
            }),
        ),
        ("Hei, er bilen fortsatt til salgs?", None),
        ("Jeg har 2 barn og en hund", None),
        ("Prisen er kr 349.900, stemmer det?", None),
        ("", None),
    ];
    for (text, expected) in cases {
        assert_eq!(wish(text), *expected, "{text:?}");
    }
}

#[test]
fn instants_follow_oslo_time_across_daylight_saving() {
    let winter = read("torsdag kl 17", tuesday_morning()).unwrap();
    assert_eq!(winter.earliest().to_rfc3339(), "2026-12-10T16:00:00+00:00");
    let june = oslo_instant(date(2026, 6, 2), at(10, 0));
    let summer = read("torsdag kl 17", june).unwrap();
    assert_eq!(summer.earliest().to_rfc3339(), "2026-06-04T15:00:00+00:00");
    // 29 March 2026: 02:00 becomes 03:00; half past two never happens.
    let spring = read(
        "29. mars kl 02.30",
        oslo_instant(date(2026, 3, 20), at(9, 0)),
    )
    .unwrap();
    assert_eq!(spring.earliest().to_rfc3339(), "2026-03-29T01:30:00+00:00");
    // 25 October 2026: 02:30 happens twice; the first (summer time) counts.
    let autumn = read(
        "25. oktober kl 02.30",
        oslo_instant(date(2026, 10, 20), at(9, 0)),
    )
    .unwrap();
    assert_eq!(autumn.earliest().to_rfc3339(), "2026-10-25T00:30:00+00:00");
}

#[test]
fn a_slot_fits_the_wish_it_is_offered_for() {
    let thursday_five = wish("torsdag kl 17").unwrap();
    assert!(thursday_five.fits(oslo_instant(date(2026, 12, 10), at(17, 15))));
    assert!(!thursday_five.fits(oslo_instant(date(2026, 12, 10), at(18, 0))));
    assert!(!thursday_five.fits(oslo_instant(date(2026, 12, 11), at(17, 0))));
    let after_work = wish("i morgen etter jobb").unwrap();
    assert!(after_work.fits(oslo_instant(date(2026, 12, 9), at(16, 0))));
    assert!(!after_work.fits(oslo_instant(date(2026, 12, 9), at(19, 0))));
    let next_week = wish("neste uke").unwrap();
    assert!(
        next_week.fits(oslo_instant(date(2026, 12, 19), at(11, 0))),
        "Saturday"
    );
    assert!(
        !next_week.fits(oslo_instant(date(2026, 12, 20), at(11, 0))),
        "Sunday"
    );
    assert!(
        !next_week.fits(oslo_instant(date(2026, 12, 11), at(11, 0))),
        "this week"
    );
}

#[test]
fn dates_and_times_that_look_alike_are_told_apart() {
    assert_eq!(wish("17.05"), one(date(2027, 5, 17), TimeWish::Any));
    assert_eq!(
        wish("kl 07.30"),
        one(date(2026, 12, 9), TimeWish::At(at(7, 30)))
    );
    assert_eq!(
        wish("12.12 kl 10.30"),
        one(date(2026, 12, 12), TimeWish::At(at(10, 30)))
    );
    assert_eq!(
        wish("9.15"),
        one(date(2026, 12, 9), TimeWish::At(at(9, 15)))
    );
}

/// Half a sentence, impossible dates and stray keywords are read as what
/// they still say, or as nothing, never as a panic.
#[test]
fn broken_phrases_are_read_safely() {
    for text in [
        "31.02",
        "29.02.27",
        "kl 99",
        "kl",
        "halv",
        "halv tretten",
        "kvart",
        "kvart over",
        "neste",
        "på",
        "32. desember",
        "0.0",
        "24:00",
        "23:59",
        "kl 12.60",
        "🚗 kl 17 🚗",
        "ÆØÅ ÆØÅ",
        "i",
        "morgen",
        "den 1.",
    ] {
        let _ = wish(text);
    }
    assert_eq!(wish("31.02"), None);
    assert_eq!(wish("kl 99"), None);
    assert_eq!(
        wish("🚗 kl 17 🚗"),
        one(date(2026, 12, 8), TimeWish::At(at(17, 0)))
    );
    // "morgen" alone is the early part of a day, not tomorrow.
    assert_eq!(wish("morgen"), one(date(2026, 12, 9), between(8, 10)));
}
