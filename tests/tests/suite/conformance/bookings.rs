//! Conformance: booking seats. A slot is never held beyond its capacity,
//! however many customers try at once; a car is never in two places.

use norvalt_core::booking::seats::{Hold, hold, release};
use norvalt_core::booking::slots::{AppointmentKind, AppointmentType, Slot};
use norvalt_core::model::AppointmentStatus;

use std::sync::Arc;

use super::*;

conformance!(
    a_slot_is_never_held_beyond_its_capacity,
    a_car_is_booked_once_at_a_time,
    appointments_are_found_by_time_and_by_lead,
    a_reminder_goes_once_the_day_before,
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

async fn appointments_are_found_by_time_and_by_lead(stores: Stores) {
    let t = tenant(&stores, "appointments").await;
    let other = tenant(&stores, "appointments-other").await;
    let (kari, ola) = (
        norvalt_core::LeadId::new_at(Utc::now()),
        norvalt_core::LeadId::new_at(Utc::now() + Duration::seconds(1)),
    );
    // Thursday, in Oslo's winter (UTC+1) and after the spring change (UTC+2).
    let starts = [
        "2026-12-10T16:00:00Z",
        "2026-12-10T08:00:00Z",
        "2026-12-11T09:30:00Z",
        "2027-03-30T15:00:00Z",
    ];
    let mut booked = Vec::new();
    for (n, start) in starts.iter().enumerate() {
        let a = appointment(&t, if n == 2 { ola } else { kari }, start);
        stores
            .appointments
            .insert_appointment(&t, &a)
            .await
            .unwrap();
        booked.push(a);
    }
    // Another dealership's appointment at the same time is not theirs.
    let theirs = appointment(&other, kari, "2026-12-10T08:00:00Z");
    stores
        .appointments
        .insert_appointment(&other, &theirs)
        .await
        .unwrap();
    assert!(matches!(
        stores.appointments.insert_appointment(&t, &booked[0]).await,
        Err(StoreError::Conflict)
    ));

    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    // Thursday 10 December in Oslo: 00:00 to 24:00 local, earliest first;
    // one starting exactly at the end is not in.
    let day = stores
        .appointments
        .appointments_between(&t, at("2026-12-09T23:00:00Z"), at("2026-12-10T16:00:00Z"))
        .await
        .unwrap();
    assert_eq!(day.iter().map(|a| a.id).collect::<Vec<_>>(), [booked[1].id]);
    let week = stores
        .appointments
        .appointments_between(&t, at("2026-12-07T23:00:00Z"), at("2026-12-14T23:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        week.iter().map(|a| a.id).collect::<Vec<_>>(),
        [booked[1].id, booked[0].id, booked[2].id]
    );
    assert_eq!(booked[3].day(), "2027-03-30");

    let of_kari = stores
        .appointments
        .appointments_of_lead(&t, kari)
        .await
        .unwrap();
    assert_eq!(
        of_kari.iter().map(|a| a.id).collect::<Vec<_>>(),
        [booked[1].id, booked[0].id, booked[3].id]
    );
    assert!(
        stores
            .appointments
            .appointments_of_lead(&other, ola)
            .await
            .unwrap()
            .is_empty()
    );

    // Cancelled, by a writer that read the latest version; a stale one is refused.
    let mut cancelled = booked[0].clone();
    cancelled.status = AppointmentStatus::Cancelled;
    cancelled.version += 1;
    stores
        .appointments
        .update_appointment(&t, &cancelled)
        .await
        .unwrap();
    assert!(matches!(
        stores.appointments.update_appointment(&t, &cancelled).await,
        Err(StoreError::Conflict)
    ));
    let read = stores
        .appointments
        .get_appointment(&t, booked[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.status, AppointmentStatus::Cancelled);
    assert!(
        stores
            .appointments
            .get_appointment(&other, booked[0].id)
            .await
            .unwrap()
            .is_none()
    );
}

async fn a_reminder_goes_once_the_day_before(stores: Stores) {
    use norvalt_core::outbound::links::BookingLinks;
    use norvalt_core::service::booking::reminders::Reminders;
    use norvalt_tests::fakes::MemoryQueue;

    let t = tenant(&stores, "reminders").await;
    let manager = actor(t, Role::Manager);
    let lead = leads::create(
        &stores,
        &manager,
        NewLead {
            customer_name: Some("Kari Nordmann".into()),
            customer_email: Some("kari@example.no".into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let start = Utc::now() + Duration::days(3);
    let mut ahead = appointment(&t, lead.id, &start.to_rfc3339());
    ahead.updated_at = Utc::now();
    stores
        .appointments
        .insert_appointment(&t, &ahead)
        .await
        .unwrap();
    // Booked the evening before: its confirmation is reminder enough.
    let mut late = appointment(&t, lead.id, &(start + Duration::hours(1)).to_rfc3339());
    late.updated_at = start - Duration::hours(10);
    stores
        .appointments
        .insert_appointment(&t, &late)
        .await
        .unwrap();
    let mut cancelled = appointment(&t, lead.id, &(start + Duration::hours(2)).to_rfc3339());
    cancelled.status = AppointmentStatus::Cancelled;
    stores
        .appointments
        .insert_appointment(&t, &cancelled)
        .await
        .unwrap();

    let queue = Arc::new(MemoryQueue::default());
    let reminders = Reminders {
        stores: stores.clone(),
        queue: queue.clone(),
        links: BookingLinks {
            key: b"k".to_vec(),
            base_url: Some("https://norvalt.test".into()),
        },
    };
    let sends = || queue.sent_to(norvalt_core::queue::QueueName::Send).len();
    assert_eq!(
        reminders
            .run_due(start - Duration::hours(30))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        reminders
            .run_due(start - Duration::hours(20))
            .await
            .unwrap(),
        1
    );
    // Every later run of the schedule finds it done.
    for hours in [19, 12, 2] {
        assert_eq!(
            reminders
                .run_due(start - Duration::hours(hours))
                .await
                .unwrap(),
            0
        );
    }
    assert_eq!(sends(), 1);
    let messages = stores
        .conversations
        .all_messages(&t, lead.id)
        .await
        .unwrap();
    let reminder = messages
        .iter()
        .find(|m| m.metadata["appointment"]["reminder"] == true)
        .unwrap();
    assert!(
        reminder
            .message_content
            .contains("En påminnelse om prøvekjøring"),
        "{}",
        reminder.message_content
    );
    assert!(
        reminder
            .message_content
            .contains("https://norvalt.test/book/")
    );

    // Moved (days before): the new time is reminded once more.
    let mut moved = stores
        .appointments
        .get_appointment(&t, ahead.id)
        .await
        .unwrap()
        .unwrap();
    moved.start += Duration::days(1);
    moved.end += Duration::days(1);
    moved.sequence += 1;
    moved.version += 1;
    stores
        .appointments
        .update_appointment(&t, &moved)
        .await
        .unwrap();
    assert_eq!(
        reminders
            .run_due(moved.start - Duration::hours(20))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        reminders
            .run_due(moved.start - Duration::hours(10))
            .await
            .unwrap(),
        0
    );
    assert_eq!(sends(), 2);
}
