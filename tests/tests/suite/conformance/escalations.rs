//! Conformance: response-time targets on the schedule, with a controlled
//! clock. A lead nobody answers is reminded at 80 % of its target and then
//! given to the next rep with the managers told, each once however often
//! the schedule runs; counted in opening hours (a Friday-evening lead, a
//! DST weekend); a lead a person answered is left alone.

use std::sync::Arc;

use norvalt_core::model::{NewUser, User};
use norvalt_core::service::automation::escalation::Escalations;
use norvalt_tests::fakes::MemoryQueue;

use super::*;

conformance!(
    an_unanswered_lead_is_reminded_then_reassigned_once_each,
    the_clock_counts_opening_hours_across_a_dst_weekend,
    an_away_rep_is_skipped_when_a_lead_is_reassigned,
);

fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

async fn team(stores: &Stores, t: &TenantId, slug: &str) -> (User, User, User) {
    let add = |id: &str, role: Role| NewUser {
        clerk_user_id: format!("user_{slug}_{id}"),
        email: format!("{id}@{slug}.no"),
        name: Some(id.into()),
        role,
    };
    let mut made = Vec::new();
    for (id, role) in [
        ("a", Role::SalesRep),
        ("b", Role::SalesRep),
        ("sjef", Role::Manager),
    ] {
        made.push(
            provisioning::add_user(stores, t, add(id, role), Utc::now())
                .await
                .unwrap(),
        );
    }
    let mut reps: Vec<User> = made[..2].to_vec();
    reps.sort_by_key(|u| u.id);
    (reps[0].clone(), reps[1].clone(), made[2].clone())
}

async fn lead_at(
    stores: &Stores,
    t: &TenantId,
    rep: &User,
    created: &str,
) -> norvalt_core::model::Lead {
    leads::create(
        stores,
        &actor(*t, Role::Manager),
        NewLead {
            customer_email: Some(format!(
                "kunde-{}@example.no",
                uuid::Uuid::new_v4().simple()
            )),
            assigned_to: Some(rep.id),
            ..Default::default()
        },
        at(created),
    )
    .await
    .unwrap()
}

fn notices(queue: &MemoryQueue, step: &str) -> Vec<String> {
    queue
        .sent_to(QueueName::Send)
        .into_iter()
        .filter(|b| {
            b.contains("\"kind\":\"target\"") && b.contains(&format!("\"step\":\"{step}\""))
        })
        .collect()
}

async fn an_unanswered_lead_is_reminded_then_reassigned_once_each(stores: Stores) {
    let t = tenant(&stores, "targets").await;
    let (a, b, _) = team(&stores, &t, "targets").await;
    // Friday 11 December 2026, 21:00 in Oslo: closed until Saturday 10:00.
    let lead = lead_at(&stores, &t, &a, "2026-12-11T20:00:00Z").await;
    // Answered by a person at once: never reminded.
    let answered = lead_at(&stores, &t, &a, "2026-12-11T20:01:00Z").await;
    let mut touched = stores
        .leads
        .get_lead(&t, answered.id)
        .await
        .unwrap()
        .unwrap();
    touched.human_contact_at = Some(at("2026-12-11T20:05:00Z"));
    touched.version += 1;
    stores.leads.update_lead(&t, &touched).await.unwrap();

    let queue = Arc::new(MemoryQueue::default());
    let job = Escalations {
        stores: stores.clone(),
        queue: queue.clone(),
    };
    // Nothing on Friday night, nor at Saturday's opening (Oslo 10:00).
    for now in [
        "2026-12-11T23:00:00Z",
        "2026-12-12T09:00:00Z",
        "2026-12-12T09:11:00Z",
    ] {
        let report = job.run_due(at(now)).await.unwrap();
        assert_eq!((report.reminded, report.escalated), (0, 0), "{now}");
    }
    // 12 of the 15 minutes: the rep is reminded, once.
    for now in ["2026-12-12T09:12:00Z", "2026-12-12T09:13:00Z"] {
        job.run_due(at(now)).await.unwrap();
    }
    assert_eq!(notices(&queue, "remind").len(), 1);
    // At the target: the next rep gets it and the managers are told, once.
    for now in [
        "2026-12-12T09:15:00Z",
        "2026-12-12T09:20:00Z",
        "2026-12-12T11:00:00Z",
    ] {
        job.run_due(at(now)).await.unwrap();
    }
    let escalations = notices(&queue, "escalate");
    assert_eq!(escalations.len(), 1, "{escalations:?}");
    assert!(
        escalations[0].contains(&b.id.to_string()),
        "reassigned to the next rep"
    );
    let now_with = stores.leads.get_lead(&t, lead.id).await.unwrap().unwrap();
    assert_eq!(now_with.assigned_to, Some(b.id));
    let untouched = stores
        .leads
        .get_lead(&t, answered.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        untouched.assigned_to,
        Some(a.id),
        "a lead a person answered stays"
    );
    assert_eq!(notices(&queue, "remind").len(), 1);

    // The inbox's "Forfalt" lists it (DynamoDB: from the due index) until a
    // person moves it on.
    let overdue = |stores: Stores| async move {
        norvalt_core::service::lead_list::list(
            &stores,
            &codec(),
            &actor(t, Role::Manager),
            ListLeads {
                overdue: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.lead.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(overdue(stores.clone()).await, vec![lead.id]);
    leads::update(
        &stores,
        &actor(t, Role::SalesRep),
        lead.id,
        LeadPatch {
            status: Some(LeadStatus::Contacted),
            ..Default::default()
        },
        at("2026-12-12T11:05:00Z"),
    )
    .await
    .unwrap();
    assert!(overdue(stores.clone()).await.is_empty());
}

/// A rep who is away gets no escalated lead: the next one in turn does.
async fn an_away_rep_is_skipped_when_a_lead_is_reassigned(stores: Stores) {
    let t = tenant(&stores, "targets-away").await;
    let (a, b, _) = team(&stores, &t, "targets-away").await;
    let extra = provisioning::add_user(
        &stores,
        &t,
        NewUser {
            clerk_user_id: "user_targets-away_c".into(),
            email: "c@targets-away.no".into(),
            name: Some("c".into()),
            role: Role::SalesRep,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let mut away = stores.users.get_user(&t, b.id).await.unwrap().unwrap();
    away.away = true;
    away.version += 1;
    stores.users.update_user(&t, &away).await.unwrap();
    // Tuesday 8 December 2026, 10:00 in Oslo.
    let lead = lead_at(&stores, &t, &a, "2026-12-08T09:00:00Z").await;
    let queue = Arc::new(MemoryQueue::default());
    let job = Escalations {
        stores: stores.clone(),
        queue: queue.clone(),
    };
    job.run_due(at("2026-12-08T09:16:00Z")).await.unwrap();
    let after = stores.leads.get_lead(&t, lead.id).await.unwrap().unwrap();
    assert_eq!(after.assigned_to, Some(extra.id), "b is away: c gets it");
    assert!(after.overdue_at.is_some());
}

async fn the_clock_counts_opening_hours_across_a_dst_weekend(stores: Stores) {
    let t = tenant(&stores, "targets-dst").await;
    let (a, _, _) = team(&stores, &t, "targets-dst").await;
    // Saturday 27 March 2027, 16:00 in Oslo (closed since 15:00); the
    // clocks go forward that night; Monday opens 09:00 CEST = 07:00 UTC.
    lead_at(&stores, &t, &a, "2027-03-27T15:00:00Z").await;
    let queue = Arc::new(MemoryQueue::default());
    let job = Escalations {
        stores: stores.clone(),
        queue: queue.clone(),
    };
    job.run_due(at("2027-03-29T07:11:00Z")).await.unwrap();
    assert_eq!(
        notices(&queue, "remind").len(),
        0,
        "07:11 UTC is 09:11 CEST: 11 minutes"
    );
    job.run_due(at("2027-03-29T07:12:00Z")).await.unwrap();
    assert_eq!(notices(&queue, "remind").len(), 1);
    job.run_due(at("2027-03-29T07:14:59Z")).await.unwrap();
    assert_eq!(notices(&queue, "escalate").len(), 0);
    job.run_due(at("2027-03-29T07:15:00Z")).await.unwrap();
    assert_eq!(notices(&queue, "escalate").len(), 1);
}
