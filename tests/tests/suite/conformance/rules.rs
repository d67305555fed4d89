//! Conformance: rules.

use super::*;

conformance!(rules_crud, follow_ups_are_found_when_due_and_move_on_once,);

async fn rules_crud(stores: Stores) {
    let t = tenant(&stores, "gjovik").await;
    let now = Utc::now();
    let rule = no_answer_rule(&t, now);
    stores.rules.insert_rule(&t, &rule).await.unwrap();
    assert_eq!(
        stores.rules.get_rule(&t, rule.id).await.unwrap().unwrap(),
        rule
    );
    let mut off = rule.clone();
    off.is_active = false;
    off.version = 2;
    stores.rules.update_rule(&t, &off).await.unwrap();
    assert!(matches!(
        stores.rules.update_rule(&t, &off).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(stores.rules.list_rules(&t).await.unwrap(), vec![off]);
    assert!(stores.rules.delete_rule(&t, rule.id).await.unwrap());
    assert!(!stores.rules.delete_rule(&t, rule.id).await.unwrap());
}

fn no_answer_rule(t: &TenantId, now: chrono::DateTime<Utc>) -> AutomationRule {
    serde_json::from_value::<NewRule>(serde_json::json!({
        "name": "Purring etter 24 timer",
        "trigger": {"type": "no_response", "hours": 24},
        "conditions": {"sources": ["website"], "has_email": true},
        "steps": [
            {"delay_minutes": 0, "action": {"type": "send_email"}},
            {"delay_minutes": 2880, "action": {"type": "notify", "note": "Ring kunden"}}
        ]
    }))
    .unwrap()
    .into_rule(t.dealership_id(), &[], now)
    .unwrap()
}

async fn follow_ups_are_found_when_due_and_move_on_once(stores: Stores) {
    use norvalt_core::automation::{FollowUp, QuietHours, StopReason};
    let quiet = QuietHours::default();
    let t0 = Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap();
    let mut started = Vec::new();
    for (slug, offset) in [("kongsberg", 0), ("hamar", 1)] {
        let t = tenant(&stores, slug).await;
        let rule = no_answer_rule(&t, t0);
        stores.rules.insert_rule(&t, &rule).await.unwrap();
        let lead = phone_lead(1)
            .into_lead(t.dealership_id(), LeadSource::Website, t0)
            .unwrap();
        stores.leads.insert_lead(&t, &lead).await.unwrap();
        let f = FollowUp::start(&rule, &lead, t0 + Duration::hours(offset), &quiet, t0);
        stores.follow_ups.insert_follow_up(&t, &f).await.unwrap();
        assert!(
            matches!(
                stores.follow_ups.insert_follow_up(&t, &f).await,
                Err(StoreError::Conflict)
            ),
            "a rule runs once per lead"
        );
        started.push((t, rule, f));
    }
    let due_ids = |list: Vec<FollowUp>| list.into_iter().map(|f| f.lead_id).collect::<Vec<_>>();
    let (first, second) = (&started[0], &started[1]);
    // Due at t0 + 24 h and t0 + 25 h.
    let before = t0 + Duration::hours(23);
    assert!(
        stores
            .follow_ups
            .due_follow_ups(before, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let one = stores
        .follow_ups
        .due_follow_ups(t0 + Duration::hours(24), 10)
        .await
        .unwrap();
    assert_eq!(due_ids(one), [first.2.lead_id]);
    let both = stores
        .follow_ups
        .due_follow_ups(t0 + Duration::hours(26), 10)
        .await
        .unwrap();
    assert_eq!(
        due_ids(both),
        [first.2.lead_id, second.2.lead_id],
        "earliest first"
    );
    let limited = stores
        .follow_ups
        .due_follow_ups(t0 + Duration::hours(26), 1)
        .await
        .unwrap();
    assert_eq!(limited.len(), 1);

    // The first sequence runs its first step: due again in two days.
    let (t, rule, f) = first;
    let mut moved = f.clone();
    moved.advance(rule, "done", &quiet, t0 + Duration::hours(24));
    stores.follow_ups.update_follow_up(t, &moved).await.unwrap();
    assert!(
        matches!(
            stores.follow_ups.update_follow_up(t, &moved).await,
            Err(StoreError::Conflict)
        ),
        "a second run with the same read loses"
    );
    let due = stores
        .follow_ups
        .due_follow_ups(t0 + Duration::hours(26), 10)
        .await
        .unwrap();
    assert_eq!(due_ids(due), [second.2.lead_id]);
    assert_eq!(
        stores
            .follow_ups
            .get_follow_up(t, rule.id, f.lead_id)
            .await
            .unwrap()
            .unwrap(),
        moved
    );
    // Another dealership cannot see it.
    assert!(
        stores
            .follow_ups
            .get_follow_up(&second.0, rule.id, f.lead_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        stores
            .follow_ups
            .list_lead_follow_ups(&second.0, f.lead_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stores
            .follow_ups
            .list_lead_follow_ups(t, f.lead_id)
            .await
            .unwrap(),
        [moved.clone()]
    );

    // A stopped sequence leaves the index.
    let mut stopped = moved.clone();
    stopped.stop(StopReason::CustomerReplied, t0 + Duration::hours(30));
    stores
        .follow_ups
        .update_follow_up(t, &stopped)
        .await
        .unwrap();
    let later = stores
        .follow_ups
        .due_follow_ups(t0 + Duration::days(30), 10)
        .await
        .unwrap();
    assert_eq!(due_ids(later), [second.2.lead_id]);
}
