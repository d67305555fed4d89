//! Conformance: booking seats. A slot is never held beyond its capacity,
//! however many customers try at once; a car is never in two places.

use norvalt_core::booking::seats::{Hold, hold, release};
use norvalt_core::booking::slots::{AppointmentKind, AppointmentType, Slot};

use super::*;

conformance!(
    a_slot_is_never_held_beyond_its_capacity,
    a_car_is_booked_once_at_a_time,
);

fn test_drive(capacity: u32) -> AppointmentType {
    AppointmentType {
        kind: AppointmentKind::TestDrive,
        duration_minutes: 45,
        capacity,
        lead_minutes: 0,
    }
}

fn slot(start: &str) -> Slot {
    let start = chrono::DateTime::parse_from_rfc3339(start)
        .unwrap()
        .to_utc();
    Slot {
        start,
        end: start + Duration::minutes(45),
    }
}

async fn a_slot_is_never_held_beyond_its_capacity(stores: Stores) {
    let t = tenant(&stores, "booking-race").await;
    let kind = test_drive(2);
    let noon = slot("2026-12-10T11:00:00Z");
    // Eight customers at once for a slot that takes two.
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (stores, kind) = (stores.clone(), kind.clone());
        tasks.push(tokio::spawn(async move {
            let id = format!("appointment-{n}");
            let held = hold(&stores, &t, &kind, &noon, None, &id, Utc::now())
                .await
                .unwrap();
            (id, held)
        }));
    }
    let mut held = Vec::new();
    for task in tasks {
        if let (id, Hold::Held(keys)) = task.await.unwrap() {
            held.push((id, keys));
        }
    }
    // Only those with a seat at 11:00 go on to 11:30, so both get theirs.
    assert_eq!(held.len(), 2, "{} held a slot for two", held.len());
    // The half hour after noon is part of both drives: no third fits there.
    let overlapping = slot("2026-12-10T11:30:00Z");
    let now = Utc::now();
    let late = hold(&stores, &t, &kind, &overlapping, None, "late", now)
        .await
        .unwrap();
    assert_eq!(late, Hold::Full);
    // An hour later is free; another dealership's calendar is its own.
    let later = slot("2026-12-10T12:00:00Z");
    assert!(matches!(
        hold(&stores, &t, &kind, &later, None, "later", now)
            .await
            .unwrap(),
        Hold::Held(_)
    ));
    let other = tenant(&stores, "booking-other").await;
    assert!(matches!(
        hold(&stores, &other, &kind, &noon, None, "theirs", now)
            .await
            .unwrap(),
        Hold::Held(_)
    ));

    // The same appointment held again (a redelivered job) takes no more.
    let (first, keys) = held[0].clone();
    assert_eq!(
        hold(&stores, &t, &kind, &noon, None, &first, now)
            .await
            .unwrap(),
        Hold::Held(keys.clone())
    );
    // Cancelled: its seats are free for the next customer.
    release(&stores, &t, &keys, &first).await.unwrap();
    assert!(matches!(
        hold(&stores, &t, &kind, &noon, None, "next", now)
            .await
            .unwrap(),
        Hold::Held(_)
    ));
}

async fn a_car_is_booked_once_at_a_time(stores: Stores) {
    let t = tenant(&stores, "booking-car").await;
    let kind = test_drive(3);
    let car = norvalt_core::VehicleId::new_at(Utc::now());
    let now = Utc::now();
    let noon = slot("2026-12-11T11:00:00Z");
    let first = hold(&stores, &t, &kind, &noon, Some(car), "a", now)
        .await
        .unwrap();
    assert!(matches!(first, Hold::Held(_)));
    // Seats are left, but the car is out on a drive.
    assert_eq!(
        hold(
            &stores,
            &t,
            &kind,
            &slot("2026-12-11T11:30:00Z"),
            Some(car),
            "b",
            now
        )
        .await
        .unwrap(),
        Hold::Full
    );
    // A refused hold gave its seat back: two more customers without a car fit.
    for id in ["c", "d"] {
        assert!(matches!(
            hold(&stores, &t, &kind, &noon, None, id, now)
                .await
                .unwrap(),
            Hold::Held(_)
        ));
    }
    assert_eq!(
        hold(&stores, &t, &kind, &noon, None, "e", now)
            .await
            .unwrap(),
        Hold::Full
    );
    // After the drive the car is free again.
    let after = slot("2026-12-11T12:00:00Z");
    assert!(matches!(
        hold(&stores, &t, &kind, &after, Some(car), "f", now)
            .await
            .unwrap(),
        Hold::Held(_)
    ));
}
