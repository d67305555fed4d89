//! Conformance: capture.

use super::*;

conformance!(
    capture_commits_are_all_or_nothing,
    expired_capture_records_count_as_absent,
    a_repeated_envelope_changes_nothing,
    a_deleted_lead_does_not_absorb_new_inquiries,
    a_repeated_answer_asks_for_its_turn_again_and_stores_nothing,
);

fn record(key: &str, lead: Option<norvalt_core::LeadId>, expires_in: Duration) -> CaptureRecord {
    CaptureRecord {
        key: key.into(),
        outcome: CaptureOutcome::Created,
        lead_id: lead,
        reason: None,
        recorded_at: Utc::now(),
        expires_at: Utc::now() + expires_in,
        message_id: None,
    }
}

async fn capture_commits_are_all_or_nothing(stores: Stores) {
    let t = tenant(&stores, "kongsberg").await;
    let now = norvalt_core::time::now();
    let candidate = LeadCandidate {
        customer_email: Some("a@b.no".into()),
        ..Default::default()
    };
    let lead = candidate.to_new_lead(t.dealership_id(), LeadSource::Website, "k1", now);
    let claim = |lead: &norvalt_core::model::Lead| ContactClaim {
        record: ContactRecord {
            key: "email:a@b.no".into(),
            lead_id: lead.id,
            expires_at: now + Duration::days(30),
        },
        replaces: None,
    };
    let commit = CaptureCommit {
        capture: record("k1", Some(lead.id), Duration::days(90)),
        message: Some(candidate.to_message(&lead, LeadSource::Website, "k1", now)),
        contacts: vec![claim(&lead)],
        lead: Some(LeadWrite::Insert(lead.clone())),
        now,
    };
    stores.captures.commit_capture(&t, &commit).await.unwrap();
    assert_eq!(
        stores
            .captures
            .get_capture(&t, "k1")
            .await
            .unwrap()
            .unwrap()
            .lead_id,
        Some(lead.id)
    );
    assert_eq!(
        stores
            .captures
            .get_contact(&t, "email:a@b.no")
            .await
            .unwrap()
            .unwrap()
            .lead_id,
        lead.id
    );

    // The same capture key again: refused, and its lead is not written.
    let other = candidate.to_new_lead(t.dealership_id(), LeadSource::Website, "k1", now);
    let again = CaptureCommit {
        lead: Some(LeadWrite::Insert(other.clone())),
        contacts: vec![],
        message: None,
        ..commit.clone()
    };
    assert!(matches!(
        stores.captures.commit_capture(&t, &again).await,
        Err(StoreError::Conflict)
    ));
    assert!(stores.leads.get_lead(&t, other.id).await.unwrap().is_none());

    // A new key whose contact claim collides with the live lead: refused whole.
    let clash = CaptureCommit {
        capture: record("k2", Some(other.id), Duration::days(90)),
        lead: Some(LeadWrite::Insert(other.clone())),
        message: None,
        contacts: vec![claim(&other)],
        now,
    };
    assert!(matches!(
        stores.captures.commit_capture(&t, &clash).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        stores
            .captures
            .get_capture(&t, "k2")
            .await
            .unwrap()
            .is_none()
    );
    assert!(stores.leads.get_lead(&t, other.id).await.unwrap().is_none());

    // A stale lead update cancels the capture record with it.
    let mut stale = lead.clone();
    stale.version += 5;
    let stale_commit = CaptureCommit {
        capture: record("k3", Some(lead.id), Duration::days(90)),
        lead: Some(LeadWrite::Update(stale)),
        message: None,
        contacts: vec![],
        now,
    };
    assert!(matches!(
        stores.captures.commit_capture(&t, &stale_commit).await,
        Err(StoreError::Conflict)
    ));
    assert!(
        stores
            .captures
            .get_capture(&t, "k3")
            .await
            .unwrap()
            .is_none()
    );
}

async fn expired_capture_records_count_as_absent(stores: Stores) {
    let t = tenant(&stores, "kongsvinger").await;
    let now = norvalt_core::time::now();
    let old = CaptureCommit {
        capture: record("old", None, Duration::seconds(-10)),
        lead: None,
        message: None,
        contacts: vec![],
        now: now - Duration::days(100),
    };
    stores.captures.commit_capture(&t, &old).await.unwrap();
    assert!(
        stores
            .captures
            .get_capture(&t, "old")
            .await
            .unwrap()
            .is_none()
    );
    let fresh = CaptureCommit {
        capture: record("old", None, Duration::days(1)),
        now,
        ..old
    };
    stores.captures.commit_capture(&t, &fresh).await.unwrap();
    assert!(
        stores
            .captures
            .get_capture(&t, "old")
            .await
            .unwrap()
            .is_some()
    );
}

/// SQLite only: moto server does not isolate concurrent TransactWriteItems
/// (two transactions can both pass a condition on the same item), which
/// real DynamoDB's serializable transactions do. On DynamoDB the same logic
/// rests on the conditions that `capture_commits_are_all_or_nothing` checks
/// one at a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_one_customer_makes_one_lead_on_sqlite() {
    let (stores, _dir) = sqlite().await;
    a_burst_of_one_customer_makes_one_lead(stores).await;
}

async fn a_burst_of_one_customer_makes_one_lead(stores: Stores) {
    let t = tenant(&stores, "hamar").await;
    let key = form_key(&stores, "hamar").await;
    let queue = Arc::new(MemoryQueue::default());
    let intake = Arc::new(intake(&stores, queue.clone()));
    let mut tasks = Vec::new();
    for i in 0..8 {
        // The same customer, sometimes with a phone number too.
        let phone = (i % 2 == 1).then_some("+4791234567");
        let body = form_envelope(
            &key,
            &format!("burst-{i}"),
            Some("kari@example.no"),
            phone,
            &format!("Melding {i}"),
        );
        let intake = intake.clone();
        tasks.push(tokio::spawn(async move {
            intake.process(&body, Utc::now()).await.unwrap()
        }));
    }
    let mut created = 0;
    for task in tasks {
        if let IntakeResult::Stored {
            outcome: CaptureOutcome::Created,
            ..
        } = task.await.unwrap()
        {
            created += 1;
        }
    }
    let leads = live_leads(&stores, &t).await;
    assert_eq!((leads.len(), created), (1, 1), "one lead, created once");
    let messages = stores
        .conversations
        .list_messages(&t, leads[0].id, None, 100)
        .await
        .unwrap();
    assert_eq!(messages.len(), 8, "every inquiry is in the conversation");
    // The phone is the lead's when the winning inquiry gave it; otherwise it
    // waits on a later message for a rep to accept.
    if leads[0].customer_phone.is_none() {
        assert!(
            messages
                .iter()
                .any(|m| m.metadata["new_contact"]["phone"] == "+4791234567")
        );
    }
    assert_eq!(queue.sent_to(QueueName::Ai).len(), 1, "one first reply");
}

async fn a_repeated_envelope_changes_nothing(stores: Stores) {
    let t = tenant(&stores, "gjovik").await;
    let key = form_key(&stores, "gjovik").await;
    let queue = Arc::new(MemoryQueue::default());
    let intake = intake(&stores, queue.clone());
    let body = form_envelope(&key, "same", Some("per@example.no"), None, "Hei");
    let first = intake.process(&body, Utc::now()).await.unwrap();
    assert!(matches!(
        first,
        IntakeResult::Stored {
            outcome: CaptureOutcome::Created,
            ..
        }
    ));
    for _ in 0..3 {
        assert!(matches!(
            intake.process(&body, Utc::now()).await.unwrap(),
            IntakeResult::Repeat { .. }
        ));
    }
    let leads = live_leads(&stores, &t).await;
    assert_eq!(leads.len(), 1);
    assert_eq!(
        stores
            .conversations
            .list_messages(&t, leads[0].id, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // Repeats re-request the first reply (the AI consumer is idempotent), never another lead.
    assert!(
        queue
            .sent_to(QueueName::Ai)
            .iter()
            .all(|b| b.contains(&leads[0].id.to_string()))
    );

    // A second inquiry of the same customer merges: one lead, two messages.
    let second = form_envelope(
        &key,
        "other",
        Some("PER@example.no"),
        Some("+4748211903"),
        "Er den ledig?",
    );
    let merged = intake.process(&second, Utc::now()).await.unwrap();
    assert!(matches!(
        merged,
        IntakeResult::Stored {
            outcome: CaptureOutcome::Merged,
            ..
        }
    ));
    let leads = live_leads(&stores, &t).await;
    assert_eq!(leads.len(), 1);
    assert_eq!(
        leads[0].customer_phone, None,
        "a merge never fills contact fields"
    );
    let messages = stores
        .conversations
        .list_messages(&t, leads[0].id, None, 10)
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(
        messages[1].metadata["new_contact"],
        serde_json::json!({"phone": "+4748211903"}),
        "the new number waits for a rep"
    );
    assert_eq!(
        leads[0].source_metadata["additional_sources"][0]["source"],
        "website"
    );
}

async fn a_deleted_lead_does_not_absorb_new_inquiries(stores: Stores) {
    let t = tenant(&stores, "moss").await;
    let key = form_key(&stores, "moss").await;
    let intake = intake(&stores, Arc::new(MemoryQueue::default()));
    intake
        .process(
            &form_envelope(&key, "1", Some("ola@example.no"), None, "Hei"),
            Utc::now(),
        )
        .await
        .unwrap();
    let first = live_leads(&stores, &t).await.remove(0);
    leads::delete(&stores, &actor(t, Role::Admin), first.id, Utc::now())
        .await
        .unwrap();
    let second = intake
        .process(
            &form_envelope(&key, "2", Some("ola@example.no"), None, "Hei igjen"),
            Utc::now(),
        )
        .await
        .unwrap();
    assert!(matches!(
        second,
        IntakeResult::Stored {
            outcome: CaptureOutcome::Created,
            ..
        }
    ));
    let leads = live_leads(&stores, &t).await;
    assert_eq!(leads.len(), 1);
    assert_ne!(leads[0].id, first.id);
}

/// A customer's text to the dealership's number.
fn sms_envelope(sid: &str, to: &str, body: &str) -> String {
    CaptureEnvelope::new(
        None,
        format!("sms:{sid}"),
        "trace".into(),
        Utc::now(),
        Capture::Sms(norvalt_core::capture::SmsCapture {
            message_sid: sid.into(),
            from: "+4791234567".into(),
            to: to.into(),
            body: body.into(),
        }),
    )
    .to_json()
}

async fn a_repeated_answer_asks_for_its_turn_again_and_stores_nothing(stores: Stores) {
    let t = tenant(&stores, "notodden").await;
    let number = "+4759440077";
    stores
        .routes
        .claim_route(RouteKind::SmsNumber, number, &t)
        .await
        .unwrap();
    let queue = Arc::new(MemoryQueue::default());
    let intake = intake(&stores, queue.clone());
    intake
        .process(
            &sms_envelope("SM1", number, "Har dere Toyota bZ4X?"),
            Utc::now(),
        )
        .await
        .unwrap();
    let answer = sms_envelope("SM2", number, "Har den hengerfeste?");
    let first = intake.process(&answer, Utc::now()).await.unwrap();
    assert!(matches!(
        first,
        IntakeResult::Stored {
            outcome: CaptureOutcome::Replied,
            ..
        }
    ));
    // Redelivered (say the first run stopped after its commit): the notice
    // and the turn are asked for again, under the same keys.
    let again = intake.process(&answer, Utc::now()).await.unwrap();
    assert!(matches!(again, IntakeResult::Repeat { .. }));
    let lead = live_leads(&stores, &t).await.remove(0);
    let messages = stores
        .conversations
        .all_messages(&t, lead.id)
        .await
        .unwrap();
    assert_eq!(messages.len(), 2, "the answer is stored once");
    // By its text: both texts may carry the same millisecond, and ids
    // minted in one millisecond sort in no particular order.
    let stored = messages
        .iter()
        .find(|m| m.message_content == "Har den hengerfeste?")
        .expect("the answer is stored");
    let turns: Vec<String> = queue
        .sent_to(QueueName::Ai)
        .into_iter()
        .filter(|b| b.contains("ai.turn"))
        .collect();
    assert_eq!(turns.len(), 2);
    for turn in &turns {
        assert!(turn.contains(&stored.id.to_string()), "{turn}");
        assert!(turn.contains(&format!("turn:{}", stored.id)), "{turn}");
    }
}
