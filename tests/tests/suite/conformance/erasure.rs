//! Conformance: erasure.

use super::*;

conformance!(
    erasure_reaches_every_record_of_a_lead,
    erasure_leaves_only_counts_and_a_hashed_suppression,
    unsafe_stored_emails_are_set_aside_once,
);

/// What GDPR erasure needs of a store: deleted leads on request, messages
/// replaced, capture and contact records of a lead forgotten.
async fn erasure_reaches_every_record_of_a_lead(stores: Stores) {
    use norvalt_core::model::LeadQuery;
    let t = tenant(&stores, "voss").await;
    let key = form_key(&stores, "voss").await;
    let intake = intake(&stores, Arc::new(MemoryQueue::default()));
    let body = form_envelope(
        &key,
        "gdpr",
        Some("per@example.no"),
        Some("+4791234567"),
        "Hei",
    );
    intake.process(&body, Utc::now()).await.unwrap();
    let mut lead = live_leads(&stores, &t).await.remove(0);
    assert!(
        stores
            .captures
            .get_contact(&t, "email:per@example.no")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        stores
            .captures
            .get_capture(&t, &format!("form:{key}:gdpr"))
            .await
            .unwrap()
            .is_some()
    );

    stores
        .captures
        .forget_lead(&t, lead.id, &["email:per@example.no".into()])
        .await
        .unwrap();
    assert!(
        stores
            .captures
            .get_contact(&t, "email:per@example.no")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        stores
            .captures
            .get_contact(&t, "phone:+4791234567")
            .await
            .unwrap()
            .is_none(),
        "contact records of the lead go even when their key is not given"
    );
    assert!(
        stores
            .captures
            .get_capture(&t, &format!("form:{key}:gdpr"))
            .await
            .unwrap()
            .is_none()
    );

    let mut message = stores
        .conversations
        .list_messages(&t, lead.id, None, 10)
        .await
        .unwrap()
        .remove(0);
    message.message_content = "[slettet]".into();
    stores
        .conversations
        .update_message(&t, &message)
        .await
        .unwrap();
    assert_eq!(
        stores
            .conversations
            .list_messages(&t, lead.id, None, 10)
            .await
            .unwrap(),
        [message.clone()]
    );
    let mut stranger = message.clone();
    stranger.id = norvalt_core::MessageId::new_at(Utc::now());
    assert!(matches!(
        stores.conversations.update_message(&t, &stranger).await,
        Err(StoreError::Conflict)
    ));

    lead.deleted_at = Some(Utc::now());
    lead.version += 1;
    stores.leads.update_lead(&t, &lead).await.unwrap();
    let search = |include_deleted| LeadQuery {
        search: norvalt_core::search::fold_query("per@example.no"),
        include_deleted,
        ..Default::default()
    };
    assert!(
        stores
            .leads
            .list_leads(&t, &search(false), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        stores
            .leads
            .list_leads(&t, &search(true), None, 10)
            .await
            .unwrap(),
        [lead]
    );
}

/// Captures a lead for Kari (email and phone), adds a note naming her,
/// suppresses her email in the old clear-text form, and erases her.
async fn capture_and_erase(stores: &Stores, slug: &str) -> TenantId {
    use norvalt_core::model::message::NewNote;
    use norvalt_core::service::gdpr::{self, NoCopies, Subject};
    let t = tenant(stores, slug).await;
    let key = form_key(stores, slug).await;
    let intake = intake(stores, Arc::new(MemoryQueue::default()));
    let body = form_envelope(
        &key,
        "kari",
        Some("kari.gdpr@example.no"),
        Some("+4791112223"),
        "Ring meg",
    );
    intake.process(&body, Utc::now()).await.unwrap();
    let lead = live_leads(stores, &t).await.remove(0);
    let admin = actor(t, Role::Admin);
    conversations::add_note(
        stores,
        &admin,
        lead.id,
        NewNote {
            text: "Kari Nordmann vil ha tilbud".into(),
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let done = gdpr::erase(
        stores,
        &Nothing,
        &NoCopies,
        &admin,
        Subject {
            phone: Some("+4791112223".into()),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((done.leads, done.messages), (1, 2));
    t
}

async fn erasure_leaves_only_counts_and_a_hashed_suppression(stores: Stores) {
    use norvalt_core::model::LeadQuery;
    use norvalt_core::outbound::suppression;
    let t = capture_and_erase(&stores, "namsos").await;
    let all = LeadQuery {
        include_deleted: true,
        ..Default::default()
    };
    let leads = stores.leads.list_leads(&t, &all, None, 10).await.unwrap();
    assert_eq!(leads.len(), 1, "the lead stays for the counts");
    let lead = &leads[0];
    assert!(lead.erased_at.is_some());
    assert_eq!(
        (
            &lead.customer_name,
            &lead.customer_email,
            &lead.customer_phone,
            &lead.initial_message
        ),
        (&None, &None, &None, &None)
    );
    let search = LeadQuery {
        search: norvalt_core::search::fold_query("kari"),
        include_deleted: true,
        ..Default::default()
    };
    assert!(
        stores
            .leads
            .list_leads(&t, &search, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    for m in stores
        .conversations
        .list_messages(&t, lead.id, None, 10)
        .await
        .unwrap()
    {
        assert_eq!(m.message_content, "[slettet]");
        assert!(!m.sender.contains("Kari"));
    }
    for key in ["email:kari.gdpr@example.no", "phone:+4791112223"] {
        assert!(
            stores
                .captures
                .get_contact(&t, key)
                .await
                .unwrap()
                .is_none(),
            "{key}"
        );
    }
    assert!(
        suppression::is_suppressed(&stores, &t, Channel::Email, "kari.gdpr@example.no")
            .await
            .unwrap()
    );
    assert!(
        suppression::is_suppressed(&stores, &t, Channel::Sms, "+4791112223")
            .await
            .unwrap()
    );
}

/// Leads stored before the bare addr-spec rule may hold an address with a
/// header break in it; the maintenance step sets it aside, once, on every
/// dealership, and leaves good addresses alone.
async fn unsafe_stored_emails_are_set_aside_once(stores: Stores) {
    use norvalt_core::capture::LeadCandidate;
    use norvalt_core::service::maintenance::quarantine_unsafe_emails;
    let now = Utc::now();
    let hostile = "a@evil.example>\r\nBcc: v1@x.example";
    let mut ids = Vec::new();
    for (slug, email) in [
        ("tromso", hostile),
        ("tromso", "kari@example.no"),
        ("bodo", "Per <per@example.no>"),
    ] {
        let t = match provisioning::find_by_slug(&stores, slug).await.unwrap() {
            Some((t, _)) => t,
            None => tenant(&stores, slug).await,
        };
        let candidate = LeadCandidate {
            customer_email: Some(email.into()),
            customer_phone: Some("+4747654321".into()),
            ..Default::default()
        };
        let lead = candidate.to_new_lead(t.dealership_id(), LeadSource::Website, "k", now);
        stores.leads.insert_lead(&t, &lead).await.unwrap();
        ids.push((t, lead.id, email));
    }
    let report = quarantine_unsafe_emails(&stores, now).await.unwrap();
    assert_eq!((report.leads_checked, report.emails_quarantined), (3, 2));
    for (t, id, email) in &ids {
        let lead = stores.leads.get_lead(t, *id).await.unwrap().unwrap();
        if *email == "kari@example.no" {
            assert_eq!(lead.customer_email.as_deref(), Some("kari@example.no"));
            assert_eq!(lead.version, 1);
        } else {
            assert_eq!(lead.customer_email, None, "{email}");
            assert_eq!(lead.source_metadata["unparsed_email"], *email);
            assert_eq!(lead.customer_phone.as_deref(), Some("+4747654321"));
        }
    }
    let again = quarantine_unsafe_emails(&stores, now).await.unwrap();
    assert_eq!(again.emails_quarantined, 0);
}

/// The DynamoDB table itself, item by item (a Scan, as only a test may):
/// nothing of Kari is left in any attribute.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
async fn erasure_leaves_no_trace_in_the_dynamodb_table() {
    let (client, table) = norvalt_tests::moto::table("erasure").await;
    let stores = Stores::from_adapter(Arc::new(norvalt_aws::DynamoStore::new(
        client.clone(),
        table.clone(),
    )));
    capture_and_erase(&stores, "levanger").await;
    let items = client
        .scan()
        .table_name(&table)
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default();
    assert!(items.len() > 5, "the scan sees the dealership's records");
    let dump = format!("{items:?}").to_lowercase();
    for trace in ["kari", "91112223", "gdpr@example"] {
        assert!(!dump.contains(trace), "{trace} is still in the table");
    }
}

/// Opt-outs are kept for ever: the stored item has no TTL attribute, while
/// a send claim keeps its 90 days; suppressions written with a TTL by an
/// older release lose it in the maintenance step.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
async fn suppressions_have_no_ttl_in_the_dynamodb_table() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use norvalt_core::outbound::{ClaimRecord, suppression};
    let (client, table) = norvalt_tests::moto::table("suppress").await;
    let store = Arc::new(norvalt_aws::DynamoStore::new(client.clone(), table.clone()));
    let stores = Stores::from_adapter(store.clone());
    let t = tenant(&stores, "stopp").await;
    let now = Utc::now();
    suppression::suppress(
        &stores,
        &t,
        Channel::Email,
        "kari@example.no",
        "unsubscribed",
        now,
    )
    .await
    .unwrap();
    suppression::suppress(&stores, &t, Channel::Sms, "+4747654321", "stop", now)
        .await
        .unwrap();
    stores
        .claims
        .claim(&t, &ClaimRecord::new("send:m1", "m1", now))
        .await
        .unwrap();
    let pk = AttributeValue::S(format!("DEALER#{}", t.dealership_id()));
    let raw = |key: String| {
        let (client, table, pk) = (client.clone(), table.clone(), pk.clone());
        async move {
            client
                .get_item()
                .table_name(table)
                .key("pk", pk)
                .key("sk", AttributeValue::S(format!("CLAIM#{key}")))
                .send()
                .await
                .unwrap()
                .item
                .expect("the item is stored")
        }
    };
    let email_key = suppression::key(Channel::Email, "kari@example.no");
    let sms_key = suppression::key(Channel::Sms, "+4747654321");
    for key in [&email_key, &sms_key] {
        assert!(
            !raw(key.clone()).await.contains_key("expires_at"),
            "{key} has a TTL"
        );
    }
    assert!(raw("send:m1".into()).await.contains_key("expires_at"));

    // An older release's suppression, with its 90-day TTL.
    client
        .update_item()
        .table_name(&table)
        .key("pk", pk.clone())
        .key("sk", AttributeValue::S(format!("CLAIM#{email_key}")))
        .update_expression("SET expires_at = :t")
        .expression_attribute_values(":t", AttributeValue::N("1800000000".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(store.keep_suppressions_forever(&t).await.unwrap(), 1);
    assert!(!raw(email_key.clone()).await.contains_key("expires_at"));
    assert!(raw("send:m1".into()).await.contains_key("expires_at"));
    assert_eq!(store.keep_suppressions_forever(&t).await.unwrap(), 0);
    assert!(
        suppression::is_suppressed(&stores, &t, Channel::Email, "Kari@Example.no")
            .await
            .unwrap()
    );
}
