//! Conformance: what changed since a time (inbox polls, escalations, live
//! analytics), and leads by creation range, on each adapter's own index.

use std::collections::BTreeSet;

use super::*;
use norvalt_core::analytics::RollupCursor;
use norvalt_core::model::{AppointmentStatus, ChangeMark, Lead, LeadQuery, Message};
use norvalt_core::{LeadId, MessageId};

conformance!(
    changed_leads_come_in_the_order_they_changed,
    leads_active_since_counts_messages_and_appointments,
    a_creation_range_lists_exactly_its_leads,
    the_rollup_cursor_keeps_the_days_left_over,
    job_cursors_are_per_dealership_and_job,
);

async fn insert(stores: &Stores, t: &TenantId, n: usize, at: chrono::DateTime<Utc>) -> Lead {
    let lead = phone_lead(n)
        .into_lead(t.dealership_id(), LeadSource::Website, at)
        .unwrap();
    stores.leads.insert_lead(t, &lead).await.unwrap();
    lead
}

async fn touch(stores: &Stores, t: &TenantId, lead: &Lead, at: chrono::DateTime<Utc>) -> Lead {
    let mut next = lead.clone();
    next.version += 1;
    next.updated_at = at;
    stores.leads.update_lead(t, &next).await.unwrap();
    next
}

/// Every lead changed since `since`, read `page` at a time from marks.
async fn read_all(
    stores: &Stores,
    t: &TenantId,
    since: chrono::DateTime<Utc>,
    page: usize,
) -> Vec<Lead> {
    let mut out = Vec::new();
    let mut after: Option<ChangeMark> = None;
    loop {
        let got = stores
            .leads
            .changed_leads(t, since, after, page)
            .await
            .unwrap();
        assert!(got.len() <= page);
        after = got.last().map(Lead::change_mark);
        let done = got.len() < page;
        out.extend(got);
        if done {
            return out;
        }
    }
}

async fn changed_leads_come_in_the_order_they_changed(stores: Stores) {
    let t = tenant(&stores, "changes-hamar").await;
    let other = tenant(&stores, "changes-gjovik").await;
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
    let mut leads = Vec::new();
    for n in 0..6 {
        leads.push(insert(&stores, &t, n, t0 + Duration::minutes(n as i64)).await);
    }
    insert(&stores, &other, 99, t0 + Duration::minutes(30)).await;
    // The oldest lead changes last; three change at one instant (a bulk
    // action); one is deleted and must still be seen.
    let bulk = t0 + Duration::hours(1);
    let mut changed = Vec::new();
    for lead in &leads[2..5] {
        changed.push(touch(&stores, &t, lead, bulk).await);
    }
    let mut deleted = leads[5].clone();
    deleted.version += 1;
    deleted.updated_at = bulk + Duration::milliseconds(1);
    deleted.deleted_at = Some(deleted.updated_at);
    stores.leads.update_lead(&t, &deleted).await.unwrap();
    let last = touch(&stores, &t, &leads[0], bulk + Duration::minutes(5)).await;

    let mut tied: Vec<Lead> = changed.clone();
    tied.sort_by_key(|l| l.id);
    let mut expected = tied.clone();
    expected.push(deleted.clone());
    expected.push(last.clone());
    for page in [1, 2, 3, 100] {
        assert_eq!(
            read_all(&stores, &t, bulk, page).await,
            expected,
            "page {page}"
        );
    }
    // From the start: the untouched lead first (it changed when created).
    let everything = read_all(&stores, &t, t0, 2).await;
    assert_eq!(everything.len(), 6);
    assert_eq!(everything[0].id, leads[1].id);
    assert_eq!(everything[5], last);
    // Strictly after a mark, never at it; nothing after the last change.
    let after_first = stores
        .leads
        .changed_leads(&t, bulk, Some(tied[0].change_mark()), 10)
        .await
        .unwrap();
    assert_eq!(after_first, expected[1..]);
    assert!(
        stores
            .leads
            .changed_leads(&t, last.updated_at + Duration::milliseconds(1), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // The other dealership's lead is its own.
    let theirs = read_all(&stores, &other, t0, 10).await;
    assert_eq!(theirs.len(), 1);
}

fn message(t: &TenantId, lead: LeadId, at: chrono::DateTime<Utc>) -> Message {
    Message {
        id: MessageId::new_at(at),
        lead_id: lead,
        dealership_id: t.dealership_id(),
        channel: Channel::Sms,
        direction: Direction::Outbound,
        sender: "Norvalt".into(),
        sender_type: SenderType::Ai,
        message_content: "Hei! Bilen er ledig.".into(),
        metadata: serde_json::json!({}),
        created_at: at,
    }
}

async fn leads_active_since_counts_messages_and_appointments(stores: Stores) {
    let t = tenant(&stores, "activity-kongsberg").await;
    let other = tenant(&stores, "activity-notodden").await;
    let week_ago = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
    let now = week_ago + Duration::days(7);
    let quiet = insert(&stores, &t, 1, week_ago).await;
    let messaged = insert(&stores, &t, 2, week_ago).await;
    let booked = insert(&stores, &t, 3, week_ago).await;
    let changed = insert(&stores, &t, 4, week_ago).await;
    let theirs = insert(&stores, &other, 5, week_ago).await;
    let fresh = insert(&stores, &t, 6, now).await;

    stores
        .conversations
        .insert_message(&t, &message(&t, messaged.id, now))
        .await
        .unwrap();
    // An appointment booked long ago and cancelled now counts by its change.
    let mut appt = appointment(&t, booked.id, "2026-12-02T09:00:00Z");
    appt.created_at = week_ago;
    appt.updated_at = week_ago;
    stores
        .appointments
        .insert_appointment(&t, &appt)
        .await
        .unwrap();
    appt.status = AppointmentStatus::Cancelled;
    appt.updated_at = now;
    appt.version += 1;
    stores
        .appointments
        .update_appointment(&t, &appt)
        .await
        .unwrap();
    touch(&stores, &t, &changed, now).await;
    stores
        .conversations
        .insert_message(&other, &message(&other, theirs.id, now))
        .await
        .unwrap();

    let since = now - Duration::minutes(1);
    let active = stores
        .analytics
        .leads_active_since(&t, since)
        .await
        .unwrap();
    assert_eq!(
        active,
        BTreeSet::from([messaged.id, booked.id, changed.id, fresh.id])
    );
    assert!(!active.contains(&quiet.id));
    // Everything since the week began; nothing after the last write.
    let all = stores
        .analytics
        .leads_active_since(&t, week_ago)
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
    assert!(
        stores
            .analytics
            .leads_active_since(&t, now + Duration::milliseconds(1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stores
            .analytics
            .leads_active_since(&other, since)
            .await
            .unwrap(),
        BTreeSet::from([theirs.id])
    );
}

async fn a_creation_range_lists_exactly_its_leads(stores: Stores) {
    let t = tenant(&stores, "range-tromso").await;
    // An Oslo day in winter: 23:00 UTC the day before to 23:00 UTC.
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 23, 0, 0).unwrap();
    let end = start + Duration::days(1);
    let ms = Duration::milliseconds(1);
    let before = insert(&stores, &t, 1, start - ms).await;
    let first = insert(&stores, &t, 2, start).await;
    let middle = insert(&stores, &t, 3, start + Duration::hours(12)).await;
    let last = insert(&stores, &t, 4, end - ms).await;
    let after = insert(&stores, &t, 5, end).await;
    let query = LeadQuery {
        created_after: Some(start),
        created_before: Some(end),
        ..Default::default()
    };
    let ids = |leads: Vec<Lead>| leads.into_iter().map(|l| l.id).collect::<Vec<_>>();
    let day = stores.leads.list_leads(&t, &query, None, 10).await.unwrap();
    assert_eq!(ids(day), [last.id, middle.id, first.id]);
    let oldest_first = LeadQuery {
        oldest_first: true,
        ..query.clone()
    };
    let page = stores
        .leads
        .list_leads(&t, &oldest_first, None, 2)
        .await
        .unwrap();
    assert_eq!(ids(page), [first.id, middle.id]);
    let rest = stores
        .leads
        .list_leads(&t, &oldest_first, Some(middle.id), 2)
        .await
        .unwrap();
    assert_eq!(ids(rest), [last.id]);
    // A cursor outside the range leaves nothing (and is no error).
    assert!(
        stores
            .leads
            .list_leads(&t, &query, Some(before.id), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        stores
            .leads
            .list_leads(&t, &oldest_first, Some(after.id), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn the_rollup_cursor_keeps_the_days_left_over(stores: Stores) {
    let t = tenant(&stores, "cursor-molde").await;
    let other = tenant(&stores, "cursor-kristiansund").await;
    assert_eq!(stores.analytics.get_rollup_cursor(&t).await.unwrap(), None);
    let day = |d| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let cursor = RollupCursor {
        at: Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
        pending: BTreeSet::from([day(3), day(14)]),
    };
    stores
        .analytics
        .save_rollup_cursor(&t, &cursor)
        .await
        .unwrap();
    assert_eq!(
        stores.analytics.get_rollup_cursor(&t).await.unwrap(),
        Some(cursor.clone())
    );
    let caught_up = RollupCursor {
        at: cursor.at + Duration::minutes(1),
        pending: BTreeSet::new(),
    };
    stores
        .analytics
        .save_rollup_cursor(&t, &caught_up)
        .await
        .unwrap();
    assert_eq!(
        stores.analytics.get_rollup_cursor(&t).await.unwrap(),
        Some(caught_up)
    );
    assert_eq!(
        stores.analytics.get_rollup_cursor(&other).await.unwrap(),
        None
    );
}

async fn job_cursors_are_per_dealership_and_job(stores: Stores) {
    let t = tenant(&stores, "jobcursor-alta").await;
    let other = tenant(&stores, "jobcursor-hammerfest").await;
    let cursors = &stores.job_cursors;
    assert_eq!(
        cursors.get_job_cursor(&t, "event-scan").await.unwrap(),
        None
    );
    // Millisecond precision survives the round trip.
    let first = Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap() + Duration::milliseconds(417);
    cursors
        .save_job_cursor(&t, "event-scan", first)
        .await
        .unwrap();
    let later = first + Duration::minutes(1);
    cursors
        .save_job_cursor(&t, "other-job", later)
        .await
        .unwrap();
    assert_eq!(
        cursors.get_job_cursor(&t, "event-scan").await.unwrap(),
        Some(first)
    );
    cursors
        .save_job_cursor(&t, "event-scan", later)
        .await
        .unwrap();
    assert_eq!(
        cursors.get_job_cursor(&t, "event-scan").await.unwrap(),
        Some(later)
    );
    assert_eq!(
        cursors.get_job_cursor(&other, "event-scan").await.unwrap(),
        None
    );
}
