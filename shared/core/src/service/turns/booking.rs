//! A turn in which the customer wants to come in: a named time is booked
//! when it is free (in `auto`), and otherwise the nearest free times and
//! the booking link are offered. The time comes from the model's
//! `proposed_time`, checked against what the deterministic reader
//! (`booking::when`) finds in the customer's own words — the model may
//! not book a time the customer did not name.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::ai::opening::oslo_text;
use crate::booking::slots::{AppointmentKind, Slot, offer};
use crate::booking::when::{self, TimeWish, Wish, oslo_instant};
use crate::model::{Appointment, BookedBy, ConversationMode, Dealership, Lead};
use crate::outbound::links::BookingLinks;
use crate::ports::{StoreResult, Stores};
use crate::search::fold;
use crate::service::booking::free::free_slots;
use crate::service::booking::{BookingOutcome, BookingRequest, book, nearest_to};
use crate::tenancy::TenantId;

/// What the turn does about the visit.
#[derive(Debug, Clone, PartialEq)]
pub enum Visit {
    /// Booked: the confirmation is the answer.
    Booked(Appointment),
    /// The answer to send instead of (or after) the model's: free times,
    /// the link.
    Say(String),
}

/// The kind of visit the customer's words ask for: a viewing when they
/// want to look, a test drive otherwise.
pub fn kind_asked(words: &str) -> AppointmentKind {
    let folded = fold(words);
    if ["visning", "se på", "titte på", "kikke på", "se bilen"]
        .iter()
        .any(|w| folded.contains(w))
        && !folded.contains("prøvekjør")
    {
        AppointmentKind::Viewing
    } else {
        AppointmentKind::TestDrive
    }
}

/// Words that ask to come in, for a test drive, a viewing or a visit.
const VISIT_WORDS: &[&str] = &[
    "prøvekjør",
    "prøvetur",
    "visning",
    "komme innom",
    "komme forbi",
    "kikke på",
    "se på bilen",
    "besøk",
    "test drive",
    "come by",
];

/// Whether the customer asks to come in at a time the reader can name:
/// what a turn books without a model.
pub fn asks_for_visit(words: &str, now: DateTime<Utc>) -> bool {
    let folded = fold(words);
    VISIT_WORDS.iter().any(|w| folded.contains(w))
        && when::read(words, now).is_some_and(|w| matches!(w.time, TimeWish::At(_)))
}

/// The instant to book, if the customer named one: the model's proposal
/// when the customer's words allow it (or say nothing the reader knows),
/// else the time the reader found.
pub fn named_instant(
    proposed: Option<NaiveDateTime>,
    words: &str,
    now: DateTime<Utc>,
) -> (Option<DateTime<Utc>>, Option<Wish>) {
    let read = when::read(words, now);
    let proposed = proposed.map(|p| oslo_instant(p.date(), p.time()));
    let instant = match (proposed, read) {
        (Some(p), Some(w)) if w.fits(p) => Some(p),
        // The model named a time the customer's words do not allow.
        (Some(_), Some(w)) => match w.time {
            TimeWish::At(_) => Some(w.earliest()),
            _ => None,
        },
        (Some(p), None) => Some(p),
        (None, Some(w)) => match w.time {
            TimeWish::At(_) => Some(w.earliest()),
            _ => None,
        },
        (None, None) => None,
    };
    (instant, read)
}

fn times(slots: &[Slot]) -> String {
    slots
        .iter()
        .map(|s| oslo_text(s.start))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Books or offers. `model_reply` is what the model wrote; `key` makes a
/// redelivered turn book once.
#[allow(clippy::too_many_arguments)]
pub async fn arrange(
    stores: &Stores,
    tenant: &TenantId,
    dealership: &Dealership,
    lead: &Lead,
    mode: ConversationMode,
    proposed: Option<NaiveDateTime>,
    customer_words: &str,
    model_reply: &str,
    links: &BookingLinks,
    key: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Visit>> {
    if !dealership.booking.enabled {
        return Ok(None);
    }
    let kind = kind_asked(customer_words);
    let free = free_slots(stores, tenant, dealership, kind, None, None, now).await?;
    let link = links.for_lead(dealership.id, lead.id);
    let book_here = link
        .as_deref()
        .map(|l| format!(" Du kan også velge en tid selv her: {l}"))
        .unwrap_or_default();
    let (instant, wish) = named_instant(proposed, customer_words, now);
    let hello = lead.hello();
    if let Some(at) = instant {
        let is_free = free.iter().any(|s| s.start == at);
        if is_free && mode == ConversationMode::Auto {
            let request = BookingRequest {
                kind,
                start: at,
                vehicle_id: None,
                booked_by: BookedBy::Ai,
            };
            match book(stores, tenant, dealership, lead, &request, key, now).await? {
                BookingOutcome::Booked(a) => return Ok(Some(Visit::Booked(a))),
                BookingOutcome::Unavailable { nearest } => {
                    return Ok(Some(Visit::Say(format!(
                        "{hello} {} er dessverre ikke ledig likevel. Ledige tider nær den: {}.{book_here}",
                        oslo_text(at),
                        times(&nearest)
                    ))));
                }
            }
        }
        if is_free {
            // A draft: the rep confirms by sending it, the customer books.
            return Ok(Some(Visit::Say(format!(
                "{hello} {} er ledig for {}.{book_here}",
                oslo_text(at),
                kind.label().to_lowercase()
            ))));
        }
        let nearest = nearest_to(&free, at);
        if nearest.is_empty() {
            return Ok(Some(Visit::Say(format!(
                "{hello} {} er dessverre ikke ledig, og vi har ingen ledige tider de neste dagene. En selger tar kontakt med deg.",
                oslo_text(at)
            ))));
        }
        return Ok(Some(Visit::Say(format!(
            "{hello} {} er dessverre ikke ledig. Disse tidene er ledige: {}. Svar med tiden som passer.{book_here}",
            oslo_text(at),
            times(&nearest)
        ))));
    }
    // No time named: two or three to choose from, near what was said.
    let offered = match wish {
        Some(w) => offer(&free, &w, 3),
        None => spread(&free, 3),
    };
    if offered.is_empty() {
        return Ok(None);
    }
    Ok(Some(Visit::Say(format!(
        "{}\n\nLedige tider for {}: {}.{book_here}",
        model_reply.trim(),
        kind.label().to_lowercase(),
        times(&offered)
    ))))
}

/// `n` free slots on different days, earliest first.
fn spread(free: &[Slot], n: usize) -> Vec<Slot> {
    let mut out: Vec<Slot> = Vec::new();
    for s in free {
        let day = s.start.with_timezone(&chrono_tz::Europe::Oslo).date_naive();
        if out
            .iter()
            .all(|o| o.start.with_timezone(&chrono_tz::Europe::Oslo).date_naive() != day)
        {
            out.push(*s);
        }
        if out.len() == n {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_model_may_not_book_a_time_the_customer_did_not_name() {
        // Saturday 5 December 2026, 10:00 in Oslo.
        let now = at("2026-12-05T09:00:00Z");
        let thursday_17 =
            NaiveDateTime::parse_from_str("2026-12-10T17:00", "%Y-%m-%dT%H:%M").unwrap();
        let friday_17 =
            NaiveDateTime::parse_from_str("2026-12-11T17:00", "%Y-%m-%dT%H:%M").unwrap();
        let words = "kan jeg prøvekjøre torsdag kl 17?";
        // Agreed: Thursday 17:00 Oslo is 16:00 UTC in December.
        assert_eq!(
            named_instant(Some(thursday_17), words, now).0,
            Some(at("2026-12-10T16:00:00Z"))
        );
        // The model says Friday; the customer said Thursday: Thursday.
        assert_eq!(
            named_instant(Some(friday_17), words, now).0,
            Some(at("2026-12-10T16:00:00Z"))
        );
        // Nothing from the model: the reader's time.
        assert_eq!(
            named_instant(None, words, now).0,
            Some(at("2026-12-10T16:00:00Z"))
        );
        // "halv fem i morgen" = 16:30 on Sunday.
        assert_eq!(
            named_instant(None, "Passer det i morgen halv fem?", now).0,
            Some(at("2026-12-06T15:30:00Z"))
        );
        // A part of the day is no instant: times are offered instead.
        let (instant, wish) = named_instant(None, "i morgen etter jobb", now);
        assert_eq!(instant, None);
        assert!(wish.is_some());
    }

    #[test]
    fn a_visit_at_a_named_time_is_recognised_without_a_model() {
        let now = at("2026-12-05T09:00:00Z");
        assert!(asks_for_visit("Kan jeg prøvekjøre torsdag kl 17?", now));
        assert!(asks_for_visit(
            "Kan jeg komme innom i morgen halv fem?",
            now
        ));
        assert!(!asks_for_visit("Kan jeg prøvekjøre den?", now), "no time");
        assert!(!asks_for_visit("Jeg er på jobb til kl 17", now), "no visit");
    }

    #[test]
    fn a_viewing_is_asked_for_in_so_many_words() {
        assert_eq!(
            kind_asked("Kan jeg komme og se på bilen?"),
            AppointmentKind::Viewing
        );
        assert_eq!(
            kind_asked("Kan jeg prøvekjøre torsdag?"),
            AppointmentKind::TestDrive
        );
        assert_eq!(kind_asked("Passer fredag?"), AppointmentKind::TestDrive);
    }
}
