//! Conformance: leads.

use super::*;

conformance!(
    leads_round_trip_and_stale_writes_conflict,
    the_inbox_pages_newest_first_without_gaps,
    the_inbox_filters_by_every_field,
    soft_deleted_leads_disappear,
    concurrent_updates_lose_nothing,
    updated_since_finds_only_changed_leads,
);

async fn leads_round_trip_and_stale_writes_conflict(stores: Stores) {
    let t = tenant(&stores, "oslo").await;
    let input = NewLead {
        customer_name: Some("Åse Ødegård".into()),
        customer_email: Some("ase@example.no".into()),
        customer_phone: Some("+47 482 11 903".into()),
        vehicle_interest: Some("VW ID.4".into()),
        initial_message: Some("Hei! Er bilen fortsatt ledig?\nMvh Åse".into()),
        lead_score: Some(70),
        source_url: Some("https://fjordbil.no/id4".into()),
        source_metadata: Some(serde_json::json!({"utm": {"campaign": "høst"}, "n": 1.5})),
        ..Default::default()
    };
    let lead = leads::create(&stores, &actor(t, Role::SalesRep), input, Utc::now())
        .await
        .unwrap();
    let stored = stores.leads.get_lead(&t, lead.id).await.unwrap().unwrap();
    assert_eq!(stored, lead);

    let mut next = stored.clone();
    next.version += 1;
    next.status = LeadStatus::Qualified;
    stores.leads.update_lead(&t, &next).await.unwrap();
    // The same write again is now stale.
    assert!(matches!(
        stores.leads.update_lead(&t, &next).await,
        Err(StoreError::Conflict)
    ));
    // Inserting an existing id conflicts.
    assert!(matches!(
        stores.leads.insert_lead(&t, &lead).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(
        stores
            .leads
            .get_lead(&t, lead.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        LeadStatus::Qualified
    );
}

async fn the_inbox_pages_newest_first_without_gaps(stores: Stores) {
    let t = tenant(&stores, "moss").await;
    let a = actor(t, Role::SalesRep);
    let start = Utc.with_ymd_and_hms(2026, 3, 28, 22, 0, 0).unwrap();
    let mut ids = Vec::new();
    for i in 0..23 {
        let lead = leads::create(
            &stores,
            &a,
            phone_lead(i),
            start + Duration::minutes(i as i64 * 7),
        )
        .await
        .unwrap();
        ids.push(lead.id);
    }
    ids.reverse();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = norvalt_core::service::lead_list::list(
            &stores,
            &codec(),
            &a,
            ListLeads {
                limit: Some(5),
                cursor,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(page.items.len() <= 5);
        seen.extend(page.items.iter().map(|l| l.lead.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    // An exact multiple of the page size ends without an empty page.
    let page = norvalt_core::service::lead_list::list(
        &stores,
        &codec(),
        &a,
        ListLeads {
            limit: Some(23),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(page.items.len(), 23);
    assert!(page.next_cursor.is_none());
}

async fn the_inbox_filters_by_every_field(stores: Stores) {
    let t = tenant(&stores, "hamar").await;
    let a = actor(t, Role::Manager);
    let rep = provisioning::add_user(
        &stores,
        &t,
        NewUser {
            clerk_user_id: "user_rep".into(),
            email: "rep@hamar.no".into(),
            name: None,
            role: Role::SalesRep,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let day = |d| Utc.with_ymd_and_hms(2026, 10, d, 12, 0, 0).unwrap();
    let bjorn = leads::create(
        &stores,
        &a,
        NewLead {
            customer_name: Some("BJØRN Ærlig".into()),
            customer_phone: Some("912 34 567".into()),
            vehicle_interest: Some("Toyota bZ4X".into()),
            assigned_to: Some(rep.id),
            ..Default::default()
        },
        day(1),
    )
    .await
    .unwrap();
    let kari = leads::create(
        &stores,
        &a,
        NewLead {
            customer_email: Some("kari@nordmann.no".into()),
            initial_message: Some("Kan jeg prøvekjøre på lørdag?".into()),
            ..Default::default()
        },
        day(5),
    )
    .await
    .unwrap();
    let won = leads::update(
        &stores,
        &a,
        kari.id,
        LeadPatch {
            status: Some(LeadStatus::Won),
            ..Default::default()
        },
        day(6),
    )
    .await
    .unwrap();
    assert!(won.converted_at.is_some());

    let ids = |params: ListLeads| {
        let stores = stores.clone();
        let a = a.clone();
        async move {
            norvalt_core::service::lead_list::list(&stores, &codec(), &a, params)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|l| l.lead.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        ids(ListLeads {
            status: Some(LeadStatus::Won),
            ..Default::default()
        })
        .await,
        [kari.id]
    );
    assert_eq!(
        ids(ListLeads {
            status: Some(LeadStatus::New),
            ..Default::default()
        })
        .await,
        [bjorn.id]
    );
    assert!(
        ids(ListLeads {
            status: Some(LeadStatus::Lost),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert_eq!(
        ids(ListLeads {
            source: Some(LeadSource::Manual),
            ..Default::default()
        })
        .await,
        [kari.id, bjorn.id]
    );
    assert!(
        ids(ListLeads {
            source: Some(LeadSource::Facebook),
            ..Default::default()
        })
        .await
        .is_empty()
    );
    assert_eq!(
        ids(ListLeads {
            assigned_to: Some(rep.id),
            ..Default::default()
        })
        .await,
        [bjorn.id]
    );
    assert_eq!(
        ids(ListLeads {
            created_after: Some(day(3)),
            ..Default::default()
        })
        .await,
        [kari.id]
    );
    assert_eq!(
        ids(ListLeads {
            created_before: Some(day(3)),
            ..Default::default()
        })
        .await,
        [bjorn.id]
    );
    assert_eq!(
        ids(ListLeads {
            created_after: Some(day(1)),
            created_before: Some(day(5)),
            ..Default::default()
        })
        .await,
        [bjorn.id]
    );
    for (query, expected) in [
        ("bjørn", vec![bjorn.id]),
        ("ÆRLIG", vec![bjorn.id]),
        ("912 34 567", vec![bjorn.id]),
        ("bz4x", vec![bjorn.id]),
        ("PRØVEKJØRE", vec![kari.id]),
        ("nordmann.no", vec![kari.id]),
        ("volvo", vec![]),
    ] {
        assert_eq!(
            ids(ListLeads {
                search: Some(query.into()),
                ..Default::default()
            })
            .await,
            expected,
            "search {query}"
        );
    }
    assert_eq!(
        ids(ListLeads {
            status: Some(LeadStatus::New),
            search: Some("toyota".into()),
            ..Default::default()
        })
        .await,
        [bjorn.id]
    );
}

async fn soft_deleted_leads_disappear(stores: Stores) {
    let t = tenant(&stores, "lillehammer").await;
    let a = actor(t, Role::Admin);
    let keep = leads::create(&stores, &a, phone_lead(1), Utc::now())
        .await
        .unwrap();
    let gone = leads::create(&stores, &a, phone_lead(2), Utc::now())
        .await
        .unwrap();
    leads::delete(&stores, &a, gone.id, Utc::now())
        .await
        .unwrap();
    assert!(matches!(
        leads::get(&stores, &a, gone.id).await,
        Err(DomainError::NotFound {
            code: "lead_not_found",
            ..
        })
    ));
    let all = norvalt_core::service::lead_list::list(&stores, &codec(), &a, ListLeads::default())
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|l| l.lead.id).collect::<Vec<_>>(),
        [keep.id]
    );
    let new = norvalt_core::service::lead_list::list(
        &stores,
        &codec(),
        &a,
        ListLeads {
            status: Some(LeadStatus::New),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(new.unwrap().items.len(), 1);
    // Still stored, marked, for erasure to find later.
    assert!(
        stores
            .leads
            .get_lead(&t, gone.id)
            .await
            .unwrap()
            .unwrap()
            .deleted_at
            .is_some()
    );
    assert!(matches!(
        leads::delete(&stores, &a, gone.id, Utc::now()).await,
        Err(DomainError::NotFound { .. })
    ));
}

async fn concurrent_updates_lose_nothing(stores: Stores) {
    let t = tenant(&stores, "tromso").await;
    let a = actor(t, Role::SalesRep);
    let lead = leads::create(&stores, &a, phone_lead(7), Utc::now())
        .await
        .unwrap();
    let patches: Vec<LeadPatch> = vec![
        serde_json::from_value(serde_json::json!({"status": "qualified"})).unwrap(),
        serde_json::from_value(serde_json::json!({"customer_name": "Ola Nordmann"})).unwrap(),
        serde_json::from_value(serde_json::json!({"vehicle_interest": "Hilux"})).unwrap(),
        serde_json::from_value(serde_json::json!({"lead_score": 88})).unwrap(),
        serde_json::from_value(serde_json::json!({"customer_email": "ola@nordmann.no"})).unwrap(),
    ];
    let tasks: Vec<_> = patches
        .into_iter()
        .map(|p| {
            let (stores, a) = (stores.clone(), a.clone());
            tokio::spawn(async move { leads::update(&stores, &a, lead.id, p, Utc::now()).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let end = leads::get(&stores, &a, lead.id).await.unwrap();
    assert_eq!(end.status, LeadStatus::Qualified);
    assert_eq!(end.customer_name.as_deref(), Some("Ola Nordmann"));
    assert_eq!(end.vehicle_interest.as_deref(), Some("Hilux"));
    assert_eq!(end.lead_score, Some(88));
    assert_eq!(end.customer_email.as_deref(), Some("ola@nordmann.no"));
    assert_eq!(end.version, 6);
}

async fn updated_since_finds_only_changed_leads(stores: Stores) {
    use norvalt_core::model::LeadQuery;
    let t = tenant(&stores, "lillehammer").await;
    let t0 = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
    let mut leads = Vec::new();
    for n in 0..3 {
        let lead = phone_lead(n)
            .into_lead(
                t.dealership_id(),
                LeadSource::Website,
                t0 + Duration::minutes(n as i64),
            )
            .unwrap();
        stores.leads.insert_lead(&t, &lead).await.unwrap();
        leads.push(lead);
    }
    // Exactly on the second, then a millisecond later: both forms sort right.
    let t1 = t0 + Duration::hours(2);
    let mut changed = leads[0].clone();
    changed.status = LeadStatus::Contacted;
    changed.updated_at = t1;
    changed.version += 1;
    stores.leads.update_lead(&t, &changed).await.unwrap();
    let since = |at| LeadQuery {
        updated_since: Some(at),
        ..Default::default()
    };
    let found = stores
        .leads
        .list_leads(&t, &since(t1), None, 10)
        .await
        .unwrap();
    assert_eq!(found, [changed.clone()]);
    let later = t1 + Duration::milliseconds(1);
    assert!(
        stores
            .leads
            .list_leads(&t, &since(later), None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let all = stores
        .leads
        .list_leads(&t, &since(t0), None, 10)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
}
