//! Live figures: the local worker's one-minute roll-up (here every 200 ms)
//! brings a lead posted through the website form into today's figures, and
//! a message on a lead from earlier in the week into that day's; a first
//! run too large for one run's budget finishes over several, the same as
//! one full run.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use norvalt_core::analytics::oslo_day;
use norvalt_core::model::{Channel, Direction, LeadSource, Message, NewLead, SenderType};
use norvalt_core::service::analytics::RollupJob;
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_core::{MessageId, Role, TenantId};
use norvalt_tests::{DRAMMEN, TestApp, eventually};
use serde_json::{Value, json};

async fn drammen(app: &TestApp) -> TenantId {
    find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap()
        .0
}

async fn summary(
    app: &TestApp,
    token: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> Value {
    let (status, s) = app
        .get(
            &format!("/api/analytics/summary?from={from}&to={to}"),
            token,
        )
        .await;
    assert_eq!(status, 200, "{s}");
    s
}

/// Returns once a roll-up run that started after this call has finished:
/// a run saves its cursor, holding when it started, as it ends.
async fn next_run(app: &TestApp, tenant: &TenantId) {
    let after = Utc::now();
    eventually("a roll-up run", || async {
        let cursor = app
            .platform
            .stores
            .analytics
            .get_rollup_cursor(tenant)
            .await
            .unwrap();
        cursor.filter(|c| c.at > after).map(|_| ())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lead_posted_a_minute_ago_is_in_todays_and_this_weeks_figures() {
    let app =
        TestApp::spawn_with(|p| p.rollup_interval = Some(StdDuration::from_millis(200))).await;
    let tenant = drammen(&app).await;
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let now = Utc::now();
    let today = oslo_day(now);
    let week_start = today - Duration::days(6);

    // A lead from three days ago that a rep worked on just now.
    let mut earlier = NewLead {
        customer_email: Some("tidligere@example.no".into()),
        ..Default::default()
    }
    .into_lead(
        tenant.dealership_id(),
        LeadSource::Website,
        now - Duration::days(3),
    )
    .unwrap();
    earlier.updated_at = now;
    app.platform
        .stores
        .leads
        .insert_lead(&tenant, &earlier)
        .await
        .unwrap();
    next_run(&app, &tenant).await;
    let before_today = summary(&app, &manager, today, today).await;
    let before_week = summary(&app, &manager, week_start, today).await;

    let key = app.form_key(DRAMMEN).await;
    let posted = app
        .http
        .post(app.url(&format!("/webhooks/form/{key}")))
        .json(&json!({
            "name": "Solveig Ødegård",
            "email": "solveig@example.no",
            "phone": "47 91 23 45 67",
            "vehicle_interest": "Škoda Enyaq",
            "message": "Er bilen ledig for prøvekjøring på lørdag?",
        }))
        .send()
        .await
        .unwrap();
    assert!(
        posted.status().is_success(),
        "{}",
        posted.text().await.unwrap()
    );
    let leads_today = before_today["leads"].as_u64().unwrap();
    eventually("the posted lead in today's figures", || async {
        let s = summary(&app, &manager, today, today).await;
        (s["leads"].as_u64() == Some(leads_today + 1)).then_some(())
    })
    .await;
    let week = summary(&app, &manager, week_start, today).await;
    assert_eq!(week["leads"], before_week["leads"].as_u64().unwrap() + 1);

    // Its reply and the team's notices settle; then one AI message on the
    // earlier lead reaches that day's figures and the week's.
    app.settle().await;
    next_run(&app, &tenant).await;
    let day = oslo_day(earlier.created_at);
    let ai_day = summary(&app, &manager, day, day).await["ai"]["messages"]
        .as_u64()
        .unwrap();
    let ai_week = summary(&app, &manager, week_start, today).await["ai"]["messages"]
        .as_u64()
        .unwrap();
    let at = Utc::now();
    let reply = Message {
        id: MessageId::new_at(at),
        lead_id: earlier.id,
        dealership_id: tenant.dealership_id(),
        channel: Channel::Email,
        direction: Direction::Outbound,
        sender: "Norvalt".into(),
        sender_type: SenderType::Ai,
        message_content: "Hei! Bilen er klar for prøvekjøring.".into(),
        metadata: json!({"input_tokens": 100, "output_tokens": 20}),
        created_at: at,
    };
    app.platform
        .stores
        .conversations
        .insert_message(&tenant, &reply)
        .await
        .unwrap();
    eventually("the message in its day's figures", || async {
        let s = summary(&app, &manager, day, day).await;
        (s["ai"]["messages"].as_u64() == Some(ai_day + 1)).then_some(())
    })
    .await;
    let week = summary(&app, &manager, week_start, today).await;
    assert_eq!(week["ai"]["messages"], ai_week + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_first_run_over_its_budget_finishes_over_the_next_runs() {
    let app = TestApp::spawn_with(|p| p.rollup_interval = None).await;
    let tenant = drammen(&app).await;
    let now = Utc::now();
    for back in 0..12 {
        let lead = NewLead {
            customer_email: Some(format!("kunde{back}@example.no")),
            ..Default::default()
        }
        .into_lead(
            tenant.dealership_id(),
            LeadSource::Website,
            now - Duration::days(back * 3),
        )
        .unwrap();
        app.platform
            .stores
            .leads
            .insert_lead(&tenant, &lead)
            .await
            .unwrap();
    }
    let job = RollupJob {
        stores: app.platform.stores.clone(),
        prices: Default::default(),
        budget: StdDuration::ZERO,
    };
    let dealerships = app
        .platform
        .stores
        .dealerships
        .list_dealership_ids()
        .await
        .unwrap()
        .len();
    // With no time at all, each run computes each dealership's newest day.
    let first = job.run(now).await.unwrap();
    assert_eq!(first.days, dealerships);
    assert!(first.pending >= 11, "{first:?}");
    let mut runs = 1;
    let mut pending = first.pending;
    while pending > 0 {
        runs += 1;
        assert!(runs <= 40, "still {pending} days pending after {runs} runs");
        let report = job.run(now + Duration::seconds(runs)).await.unwrap();
        // Today's (active again) and the oldest left over, at least.
        assert!(
            report.pending < pending,
            "{report:?} after {pending} pending"
        );
        pending = report.pending;
    }
    // The same numbers as one unhurried rebuild of each day.
    let manager = app.token(DRAMMEN, Role::Manager).await;
    let range = (oslo_day(now - Duration::days(33)), oslo_day(now));
    let stored = app
        .platform
        .stores
        .analytics
        .list_rollups(&tenant, range.0, range.1)
        .await
        .unwrap();
    assert!(stored.len() >= 12);
    for rollup in &stored {
        let fresh = job
            .rebuild_day(&tenant, rollup.day.unwrap(), now)
            .await
            .unwrap();
        assert_eq!(
            (rollup.leads, &rollup.leads_by_source),
            (fresh.leads, &fresh.leads_by_source)
        );
    }
    let s = summary(&app, &manager, range.0, range.1).await;
    let seeded_in_range: u64 = stored.iter().map(|r| u64::from(r.leads)).sum();
    assert_eq!(s["leads"].as_u64().unwrap(), seeded_in_range);
    assert!(seeded_in_range >= 12);
}
