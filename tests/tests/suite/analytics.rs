//! Analytics against a hand-computed fixture: leads on two Oslo days (one
//! just before and one just after midnight Oslo time), their replies, reps,
//! AI use and SMS, a deleted lead and another dealership's lead that must
//! not count. The roll-up job is run twice (idempotent) and again after a
//! change (incremental).

use chrono::{DateTime, Duration, Utc};
use norvalt_core::model::{
    Channel, Direction, Lead, LeadSource, LeadStatus, Message, NewLead, SenderType,
};
use norvalt_core::service::analytics::RollupJob;
use norvalt_core::service::provisioning::find_by_slug;
use norvalt_core::{MessageId, Role, TenantId, UserId};
use norvalt_tests::{BERGEN, DRAMMEN, TestApp, code};
use serde_json::{Value, json};

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

struct Fixture<'a> {
    app: &'a TestApp,
    tenant: TenantId,
}

impl Fixture<'_> {
    async fn lead(
        &self,
        source: LeadSource,
        created: &str,
        status: LeadStatus,
        first_response_secs: Option<i64>,
        rep: Option<UserId>,
    ) -> Lead {
        let created = utc(created);
        let mut lead = NewLead {
            customer_email: Some(format!("kunde-{}@example.no", created.timestamp())),
            ..Default::default()
        }
        .into_lead(self.tenant.dealership_id(), source, created)
        .unwrap();
        lead.status = status;
        lead.first_response_at = first_response_secs.map(|s| created + Duration::seconds(s));
        lead.assigned_to = rep;
        self.app
            .platform
            .stores
            .leads
            .insert_lead(&self.tenant, &lead)
            .await
            .unwrap();
        lead
    }

    async fn message(
        &self,
        lead: &Lead,
        after_secs: i64,
        sender: SenderType,
        channel: Channel,
        text: &str,
        metadata: Value,
    ) {
        let at = lead.created_at + Duration::seconds(after_secs);
        let m = Message {
            id: MessageId::new_at(at),
            lead_id: lead.id,
            dealership_id: self.tenant.dealership_id(),
            channel,
            direction: Direction::Outbound,
            sender: "x".into(),
            sender_type: sender,
            message_content: text.into(),
            metadata,
            created_at: at,
        };
        self.app
            .platform
            .stores
            .conversations
            .insert_message(&self.tenant, &m)
            .await
            .unwrap();
    }
}

fn job(app: &TestApp) -> RollupJob {
    RollupJob {
        stores: app.platform.stores.clone(),
        prices: norvalt_core::analytics::Prices {
            sms_segment_nok: Some(0.5),
            model: Some(norvalt_core::analytics::ModelPrices {
                input_per_mtok: 1.0,
                output_per_mtok: 5.0,
            }),
        },
        budget: RollupJob::BUDGET,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_numbers_match_a_hand_computed_fixture() {
    let app = TestApp::spawn_with(|p| p.rollup_interval = None).await;
    let tenant = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap()
        .0;
    let bergen = find_by_slug(&app.platform.stores, BERGEN)
        .await
        .unwrap()
        .unwrap()
        .0;
    let f = Fixture { app: &app, tenant };
    let users = app.platform.stores.users.list_users(&tenant).await.unwrap();
    let mut reps: Vec<_> = users.iter().filter(|u| u.role == Role::SalesRep).collect();
    reps.sort_by_key(|u| u.id);
    let (a, b) = (reps[0].id, reps[1].id);

    // Monday 23 November (Oslo).
    let l1 = f
        .lead(
            LeadSource::Website,
            "2026-11-23T08:00:00Z",
            LeadStatus::Won,
            Some(30),
            Some(a),
        )
        .await;
    f.message(
        &l1,
        30,
        SenderType::Ai,
        Channel::Email,
        "Hei!",
        json!({"fallback": false, "input_tokens": 800, "output_tokens": 120}),
    )
    .await;
    f.message(
        &l1,
        600,
        SenderType::Human,
        Channel::Email,
        "Ring meg",
        json!({}),
    )
    .await;
    let l2 = f
        .lead(
            LeadSource::Facebook,
            "2026-11-23T10:00:00Z",
            LeadStatus::Lost,
            Some(120),
            Some(b),
        )
        .await;
    f.message(
        &l2,
        120,
        SenderType::Ai,
        Channel::Email,
        "Hei!",
        json!({"fallback": true}),
    )
    .await;
    f.message(
        &l2,
        130,
        SenderType::Ai,
        Channel::Sms,
        &"a".repeat(170),
        json!({}),
    )
    .await;
    // 23:30 in Oslo: still the 23rd.
    f.lead(
        LeadSource::Email,
        "2026-11-23T22:30:00Z",
        LeadStatus::New,
        None,
        None,
    )
    .await;
    // 00:30 in Oslo on the 24th (23:30 UTC on the 23rd).
    let l4 = f
        .lead(
            LeadSource::Website,
            "2026-11-23T23:30:00Z",
            LeadStatus::Qualified,
            Some(60),
            Some(a),
        )
        .await;
    f.message(
        &l4,
        3600,
        SenderType::Human,
        Channel::Email,
        "Prøvekjøring?",
        json!({}),
    )
    .await;
    f.lead(
        LeadSource::Website,
        "2026-11-24T12:00:00Z",
        LeadStatus::Contacted,
        Some(95),
        None,
    )
    .await;
    // Deleted: not a lead any more.
    let mut gone = f
        .lead(
            LeadSource::Website,
            "2026-11-24T13:00:00Z",
            LeadStatus::Won,
            Some(5),
            None,
        )
        .await;
    gone.deleted_at = Some(utc("2026-11-24T14:00:00Z"));
    gone.version += 1;
    app.platform
        .stores
        .leads
        .update_lead(&tenant, &gone)
        .await
        .unwrap();
    // Another dealership's lead on the same day.
    let other = NewLead {
        customer_email: Some("ola@example.no".into()),
        ..Default::default()
    }
    .into_lead(
        bergen.dealership_id(),
        LeadSource::Website,
        utc("2026-11-23T09:00:00Z"),
    )
    .unwrap();
    app.platform
        .stores
        .leads
        .insert_lead(&bergen, &other)
        .await
        .unwrap();

    let first = job(&app).run(norvalt_core::time::now()).await.unwrap();
    assert_eq!(first.failed, 0);
    let again = job(&app).run(norvalt_core::time::now()).await.unwrap();
    assert_eq!(again.failed, 0);

    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    let (status, s) = app
        .get("/api/analytics/summary?from=2026-11-23&to=2026-11-24", &rep)
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["leads"], 5);
    assert_eq!(
        s["leads_by_source"],
        json!({"email": 1, "facebook": 1, "website": 3})
    );
    assert_eq!(
        s["first_response"],
        json!({"answered": 4, "median_secs": 60, "p90_secs": 120, "within_90s_share": 0.4})
    );
    assert_eq!(s["conversion"]["won"], 1);
    assert_eq!(s["conversion"]["rate"], 0.2);
    assert_eq!(
        s["conversion"]["by_source"]["website"],
        json!({"leads": 3, "won": 1, "rate": 0.3333})
    );
    assert_eq!(
        s["conversion"]["by_source"]["facebook"],
        json!({"leads": 1, "won": 0, "rate": 0.0})
    );
    assert_eq!(
        s["funnel"],
        json!({"new": 1, "contacted": 1, "qualified": 1, "won": 1, "lost": 1})
    );
    let rep_a = s["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == a.to_string())
        .unwrap();
    assert_eq!(rep_a["assigned"], 2);
    assert_eq!(rep_a["won"], 1);
    assert_eq!(rep_a["median_first_human_response_secs"], 600);
    assert!(rep_a["name"].is_string());
    let rep_b = s["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == b.to_string())
        .unwrap();
    assert_eq!(
        (
            rep_b["assigned"].clone(),
            rep_b["median_first_human_response_secs"].clone()
        ),
        (json!(1), Value::Null)
    );
    assert_eq!(
        s["ai"],
        // $1 and $5 per million tokens: 800 in and 120 out cost $0.0014,
        // $0.4667 per 1,000 of the 3 AI messages.
        json!({"messages": 3, "fallbacks": 1, "fallback_rate": 0.3333, "tokens": 920,
               "input_tokens": 800, "output_tokens": 120, "cost_usd": 0.0014,
               "cost_per_1000_replies_usd": 0.4667})
    );
    assert_eq!(s["sms"], json!({"segments": 2, "cost_nok": 1.0}));

    // Only the 23rd; then day by day and by week.
    let (_, day1) = app
        .get("/api/analytics/summary?from=2026-11-23&to=2026-11-23", &rep)
        .await;
    assert_eq!(day1["leads"], 3);
    let (_, series) = app
        .get(
            "/api/analytics/timeseries?metric=leads&from=2026-11-22&to=2026-11-24",
            &rep,
        )
        .await;
    let values: Vec<&Value> = series["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["value"])
        .collect();
    assert_eq!(values, [&json!(0.0), &json!(3.0), &json!(2.0)], "{series}");
    let (_, weekly) = app
        .get("/api/analytics/timeseries?metric=conversion_rate&granularity=week&from=2026-11-23&to=2026-11-29", &rep)
        .await;
    assert_eq!(
        weekly["points"],
        json!([{"period": "2026-11-23", "value": 0.2}])
    );

    // A change reaches the numbers on the next run.
    let mut l3 = app
        .platform
        .stores
        .leads
        .list_leads(&tenant, &Default::default(), None, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.source == LeadSource::Email)
        .unwrap();
    l3.status = LeadStatus::Won;
    l3.updated_at = norvalt_core::time::now();
    l3.version += 1;
    app.platform
        .stores
        .leads
        .update_lead(&tenant, &l3)
        .await
        .unwrap();
    job(&app).run(norvalt_core::time::now()).await.unwrap();
    let (_, s) = app
        .get("/api/analytics/summary?from=2026-11-23&to=2026-11-24", &rep)
        .await;
    assert_eq!(s["conversion"]["won"], 2);
    assert_eq!(s["conversion"]["by_source"]["email"]["rate"], 1.0);

    // Another dealership sees only its own.
    let theirs = app.token(BERGEN, Role::Admin).await;
    let (_, s) = app
        .get(
            "/api/analytics/summary?from=2026-11-23&to=2026-11-24",
            &theirs,
        )
        .await;
    assert_eq!(s["leads"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_ranges_and_metrics_are_refused() {
    let app = TestApp::spawn_with(|p| p.rollup_interval = None).await;
    let rep = app.token(DRAMMEN, Role::SalesRep).await;
    for (query, status) in [
        ("summary?from=2026-11-24&to=2026-11-23", 422),
        ("summary?from=2020-01-01&to=2026-11-23", 422),
        ("summary?from=24.11.2026", 422),
        ("timeseries?metric=revenue", 422),
        ("timeseries?metric=leads&granularity=month", 422),
        ("summary?colour=blue", 422),
    ] {
        let (got, body) = app.get(&format!("/api/analytics/{query}"), &rep).await;
        assert_eq!(got, status, "{query}: {body}");
        assert!(!code(&body).is_empty());
    }
    let (status, s) = app.get("/api/analytics/summary", &rep).await;
    assert_eq!(status, 200, "the last 30 days by default: {s}");
    assert_eq!(s["leads"], 0);
}

/// First contact by a person against the 15-minute target, in opening
/// hours: within it, late, and never (once the target has passed).
#[tokio::test(flavor = "multi_thread")]
async fn the_share_within_the_response_target_and_the_time_to_a_person() {
    let app = TestApp::spawn_with(|p| p.rollup_interval = None).await;
    let tenant = find_by_slug(&app.platform.stores, DRAMMEN)
        .await
        .unwrap()
        .unwrap()
        .0;
    let f = Fixture { app: &app, tenant };
    let users = app.platform.stores.users.list_users(&tenant).await.unwrap();
    let rep = users.iter().find(|u| u.role == Role::SalesRep).unwrap().id;
    // Wednesday 25 November, 10:00 Oslo: due 10:15.
    let on_time = f
        .lead(
            LeadSource::Website,
            "2026-11-25T09:00:00Z",
            LeadStatus::Contacted,
            None,
            Some(rep),
        )
        .await;
    f.message(
        &on_time,
        300,
        SenderType::Human,
        Channel::Email,
        "Hei, Ola her.",
        json!({}),
    )
    .await;
    let late = f
        .lead(
            LeadSource::Website,
            "2026-11-25T09:00:01Z",
            LeadStatus::Contacted,
            None,
            Some(rep),
        )
        .await;
    f.message(
        &late,
        3600,
        SenderType::Human,
        Channel::Email,
        "Beklager ventetiden.",
        json!({}),
    )
    .await;
    // An AI reply is no person's contact.
    let never = f
        .lead(
            LeadSource::Facebook,
            "2026-11-25T09:00:02Z",
            LeadStatus::New,
            None,
            None,
        )
        .await;
    f.message(
        &never,
        30,
        SenderType::Ai,
        Channel::Email,
        "Hei!",
        json!({}),
    )
    .await;
    job(&app).run(utc("2026-11-26T12:00:00Z")).await.unwrap();

    let token = app.token(DRAMMEN, Role::Manager).await;
    let (status, s) = app
        .get(
            "/api/analytics/summary?from=2026-11-25&to=2026-11-25",
            &token,
        )
        .await;
    assert_eq!(status, 200, "{s}");
    let t = &s["response_targets"];
    assert_eq!(
        (t["due"].as_u64(), t["met"].as_u64()),
        (Some(3), Some(1)),
        "{t}"
    );
    assert_eq!(t["within_target_share"], 0.3333);
    assert_eq!(
        t["median_first_human_secs"], 300,
        "nearest rank of 300 s and 3,600 s"
    );
    assert_eq!(t["by_source"]["facebook"]["met"], 0);
    assert_eq!(t["by_source"]["website"]["within_target_share"], 0.5);
    let mine = s["reps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["user_id"] == json!(rep))
        .unwrap();
    assert_eq!(mine["within_target_share"], 0.5, "{mine}");
}
