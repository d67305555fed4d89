//! Conformance: dealerships.

use super::*;

conformance!(
    dealerships_are_found_by_their_routes,
    a_taken_slug_leaves_nothing_behind,
    another_dealership_sees_nothing,
    dealerships_never_merge_customers,
    the_mailbox_registry_and_cursors_are_per_dealership,
);

async fn dealerships_are_found_by_their_routes(stores: Stores) {
    let (t, d) = provisioning::create_dealership(
        &stores,
        &PlatformSettings::default(),
        dealer("drammen"),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(d.inbound_email, "leads@drammen.norvalt.no");
    assert_eq!(
        stores
            .dealerships
            .get_dealership(&t)
            .await
            .unwrap()
            .unwrap(),
        d
    );
    let by_slug = provisioning::find_by_slug(&stores, "DRAMMEN")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_slug.1.id, d.id);
    for (kind, key) in [
        (RouteKind::ClerkOrg, "org_drammen".to_string()),
        (RouteKind::FormKey, d.form_key.clone()),
        (
            RouteKind::InboundEmail,
            "Leads@Drammen.Norvalt.no".to_string(),
        ),
    ] {
        let found = tenancy::resolve(stores.routes.as_ref(), kind, &key)
            .await
            .unwrap();
        assert_eq!(found, Some(t), "{kind:?}");
    }
    assert_eq!(
        tenancy::resolve(stores.routes.as_ref(), RouteKind::FormKey, "nope")
            .await
            .unwrap(),
        None
    );
    // Claiming again for the same dealership is idempotent.
    stores
        .routes
        .claim_route(RouteKind::FacebookPage, "1234", &t)
        .await
        .unwrap();
    stores
        .routes
        .claim_route(RouteKind::FacebookPage, "1234", &t)
        .await
        .unwrap();
}

async fn a_taken_slug_leaves_nothing_behind(stores: Stores) {
    tenant(&stores, "bergen").await;
    let mut second = dealer("bergen");
    second.clerk_org_id = Some("org_other".into());
    let err =
        provisioning::create_dealership(&stores, &PlatformSettings::default(), second, Utc::now())
            .await
            .unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Conflict {
                code: "slug_taken",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        tenancy::resolve(stores.routes.as_ref(), RouteKind::ClerkOrg, "org_other")
            .await
            .unwrap(),
        None
    );

    // A taken Clerk organisation releases the slug, form key and address already claimed.
    let mut third = dealer("stavanger");
    third.clerk_org_id = Some("org_bergen".into());
    let err =
        provisioning::create_dealership(&stores, &PlatformSettings::default(), third, Utc::now())
            .await
            .unwrap_err();
    assert!(
        matches!(
            err,
            DomainError::Conflict {
                code: "clerk_org_taken",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        provisioning::find_by_slug(&stores, "stavanger")
            .await
            .unwrap()
            .is_none()
    );
    let address = tenancy::resolve(
        stores.routes.as_ref(),
        RouteKind::InboundEmail,
        "leads@stavanger.norvalt.no",
    )
    .await;
    assert_eq!(address.unwrap(), None);
}

async fn another_dealership_sees_nothing(stores: Stores) {
    let mine = tenant(&stores, "kristiansand").await;
    let theirs = tenant(&stores, "arendal").await;
    let (me, them) = (actor(mine, Role::Admin), actor(theirs, Role::Admin));
    let lead = leads::create(&stores, &me, phone_lead(3), Utc::now())
        .await
        .unwrap();
    let vehicle = vehicles::create(
        &stores,
        &me,
        NewVehicle {
            make: "Toyota".into(),
            model: "Yaris".into(),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    conversations::add(
        &stores,
        &me,
        NewMessage {
            lead_id: lead.id,
            channel: Channel::Sms,
            direction: Direction::Outbound,
            sender: None,
            sender_type: SenderType::Human,
            message_content: "Hei!".into(),
            metadata: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();

    assert!(
        stores
            .leads
            .get_lead(&theirs, lead.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        norvalt_core::service::lead_list::list(&stores, &codec(), &them, ListLeads::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    let patch = LeadPatch {
        status: Some(LeadStatus::Lost),
        ..Default::default()
    };
    assert!(matches!(
        leads::update(&stores, &them, lead.id, patch, Utc::now()).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        leads::delete(&stores, &them, lead.id, Utc::now()).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(
        stores
            .conversations
            .list_messages(&theirs, lead.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        stores
            .vehicles
            .get_vehicle(&theirs, vehicle.id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !stores
            .vehicles
            .delete_vehicle(&theirs, vehicle.id)
            .await
            .unwrap()
    );
    assert!(
        stores
            .vehicles
            .list_vehicles(&theirs, None, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // A stale-looking write under the wrong tenant cannot create or change anything.
    let mut forged = lead.clone();
    forged.version = 2;
    assert!(matches!(
        stores.leads.update_lead(&theirs, &forged).await,
        Err(StoreError::Conflict)
    ));
    // Mine is untouched.
    let after = leads::get(&stores, &me, lead.id).await.unwrap();
    assert_eq!(after.status, LeadStatus::Contacted);
    assert!(
        stores
            .vehicles
            .get_vehicle(&mine, vehicle.id)
            .await
            .unwrap()
            .is_some()
    );
    // A cursor from one dealership is refused by the other.
    for i in 0..3 {
        leads::create(&stores, &me, phone_lead(10 + i), Utc::now())
            .await
            .unwrap();
    }
    let page = norvalt_core::service::lead_list::list(
        &stores,
        &codec(),
        &me,
        ListLeads {
            limit: Some(1),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let stolen = ListLeads {
        cursor: page.next_cursor,
        ..Default::default()
    };
    assert!(matches!(
        norvalt_core::service::lead_list::list(&stores, &codec(), &them, stolen).await,
        Err(DomainError::InvalidCursor)
    ));
}

async fn dealerships_never_merge_customers(stores: Stores) {
    let (a, b) = (
        tenant(&stores, "lillehammer").await,
        tenant(&stores, "elverum").await,
    );
    let queue = Arc::new(MemoryQueue::default());
    let intake = intake(&stores, queue);
    for (slug, n) in [("lillehammer", 1), ("elverum", 2)] {
        let key = form_key(&stores, slug).await;
        let body = form_envelope(&key, &format!("x{n}"), Some("same@example.no"), None, "Hei");
        intake.process(&body, Utc::now()).await.unwrap();
    }
    assert_eq!(live_leads(&stores, &a).await.len(), 1);
    assert_eq!(live_leads(&stores, &b).await.len(), 1);
}

async fn the_mailbox_registry_and_cursors_are_per_dealership(stores: Stores) {
    use norvalt_core::capture::mailbox::MailboxCursor;
    let a = tenant(&stores, "postkasse-a").await;
    let b = tenant(&stores, "postkasse-b").await;
    let boxes = &stores.mailboxes;
    assert!(boxes.list_polled_mailboxes().await.unwrap().is_empty());
    boxes.set_mailbox_polled(&a, true).await.unwrap();
    boxes.set_mailbox_polled(&a, true).await.unwrap();
    boxes.set_mailbox_polled(&b, true).await.unwrap();
    let mut listed = boxes.list_polled_mailboxes().await.unwrap();
    listed.sort();
    let mut expected = vec![a.dealership_id(), b.dealership_id()];
    expected.sort();
    assert_eq!(listed, expected);

    assert_eq!(boxes.get_mailbox_cursor(&a).await.unwrap(), None);
    let cursor = MailboxCursor {
        uid_validity: u32::MAX,
        last_uid: 17,
    };
    boxes.save_mailbox_cursor(&a, &cursor).await.unwrap();
    assert_eq!(boxes.get_mailbox_cursor(&a).await.unwrap(), Some(cursor));
    assert_eq!(boxes.get_mailbox_cursor(&b).await.unwrap(), None);
    let moved = MailboxCursor {
        uid_validity: u32::MAX,
        last_uid: 18,
    };
    boxes.save_mailbox_cursor(&a, &moved).await.unwrap();
    assert_eq!(boxes.get_mailbox_cursor(&a).await.unwrap(), Some(moved));

    // Switching polling off keeps the cursor (switching on again resumes).
    boxes.set_mailbox_polled(&a, false).await.unwrap();
    assert_eq!(
        boxes.list_polled_mailboxes().await.unwrap(),
        vec![b.dealership_id()]
    );
    assert_eq!(boxes.get_mailbox_cursor(&a).await.unwrap(), Some(moved));
}
