//! One behaviour, two adapters: every test here runs against SQLite (in a
//! temp dir) and DynamoDB (on the moto server that `scripts/test` starts;
//! its URL in `NORVALT_TEST_DYNAMODB_ENDPOINT`).

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use norvalt_core::model::dealership::NewDealership;
use norvalt_core::model::{
    AutomationRule, Channel, Direction, LeadPatch, LeadSource, LeadStatus, NewLead, NewMessage,
    NewRule, NewUser, NewVehicle, SenderType, VehiclePatch, VehicleStatus,
};
use norvalt_core::pagination::CursorCodec;
use norvalt_core::ports::RouteKind;
use norvalt_core::service::leads::ListLeads;
use norvalt_core::service::provisioning::{self, PlatformSettings};
use norvalt_core::service::{conversations, leads, vehicles};
use norvalt_core::{Actor, DomainError, Role, StoreError, Stores, TenantId, tenancy};

async fn sqlite() -> (Stores, Option<tempfile::TempDir>) {
    let dir = tempfile::tempdir().unwrap();
    let store = norvalt_local::SqliteStore::open(&dir.path().join("t.db")).unwrap();
    (Stores::from_adapter(Arc::new(store)), Some(dir))
}

async fn dynamodb() -> Option<(Stores, Option<tempfile::TempDir>)> {
    let Ok(endpoint) = std::env::var("NORVALT_TEST_DYNAMODB_ENDPOINT") else {
        assert!(
            std::env::var_os("NORVALT_REQUIRE_MOTO").is_none(),
            "NORVALT_REQUIRE_MOTO is set but NORVALT_TEST_DYNAMODB_ENDPOINT is not"
        );
        eprintln!("skipping: NORVALT_TEST_DYNAMODB_ENDPOINT is not set (scripts/test sets it)");
        return None;
    };
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("eu-north-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await;
    let client = aws_sdk_dynamodb::Client::new(&config);
    let table = format!("conformance-{}", uuid::Uuid::new_v4().simple());
    norvalt_aws::dynamodb::ensure_table(&client, &table)
        .await
        .unwrap();
    Some((
        Stores::from_adapter(Arc::new(norvalt_aws::DynamoStore::new(client, table))),
        None,
    ))
}

macro_rules! conformance {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                let (stores, _dir) = super::sqlite().await;
                super::$name(stores).await;
            })*
        }
        mod dynamodb {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $name() {
                if let Some((stores, _)) = super::dynamodb().await {
                    super::$name(stores).await;
                }
            })*
        }
    };
}

conformance!(
    dealerships_are_found_by_their_routes,
    a_taken_slug_leaves_nothing_behind,
    leads_round_trip_and_stale_writes_conflict,
    the_inbox_pages_newest_first_without_gaps,
    the_inbox_filters_by_every_field,
    soft_deleted_leads_disappear,
    concurrent_updates_lose_nothing,
    another_dealership_sees_nothing,
    conversations_page_oldest_first,
    vehicles_crud_and_status_filter,
    users_are_unique_per_clerk_id,
    rules_crud,
    capture_commits_are_all_or_nothing,
    expired_capture_records_count_as_absent,
    a_repeated_envelope_changes_nothing,
    dealerships_never_merge_customers,
    a_deleted_lead_does_not_absorb_new_inquiries,
    the_mailbox_registry_and_cursors_are_per_dealership,
    claims_are_taken_once_and_changed_only_by_their_holder,
    follow_ups_are_found_when_due_and_move_on_once,
    counters_count_each_caller_once,
    updated_since_finds_only_changed_leads,
    users_change_by_version_and_the_audit_log_pages_newest_first,
    rollups_are_per_day_and_dealership,
    erasure_reaches_every_record_of_a_lead,
    erasure_leaves_only_counts_and_a_hashed_suppression,
    unsafe_stored_emails_are_set_aside_once,
);

fn dealer(slug: &str) -> NewDealership {
    NewDealership {
        name: format!("Bil {slug}"),
        slug: slug.into(),
        email: format!("post@{slug}.no"),
        phone: None,
        address: None,
        clerk_org_id: Some(format!("org_{slug}")),
        subscription_tier: None,
        opening_hours: None,
    }
}

async fn tenant(stores: &Stores, slug: &str) -> TenantId {
    provisioning::create_dealership(
        stores,
        &PlatformSettings::default(),
        dealer(slug),
        Utc::now(),
    )
    .await
    .unwrap()
    .0
}

fn actor(tenant: TenantId, role: Role) -> Actor {
    Actor {
        tenant,
        clerk_user_id: "user_test".into(),
        role,
        user: None,
    }
}

fn codec() -> CursorCodec {
    CursorCodec::new([3; 32])
}

fn phone_lead(n: usize) -> NewLead {
    NewLead {
        customer_phone: Some(format!("9{:07}", 1_000_000 + n)),
        ..Default::default()
    }
}

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
        let page = leads::list(
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
        seen.extend(page.items.iter().map(|l| l.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    // An exact multiple of the page size ends without an empty page.
    let page = leads::list(
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
            leads::list(&stores, &codec(), &a, params)
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|l| l.id)
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
    let all = leads::list(&stores, &codec(), &a, ListLeads::default())
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|l| l.id).collect::<Vec<_>>(),
        [keep.id]
    );
    let new = leads::list(
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
        leads::list(&stores, &codec(), &them, ListLeads::default())
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
    let page = leads::list(
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
        leads::list(&stores, &codec(), &them, stolen).await,
        Err(DomainError::InvalidCursor)
    ));
}

async fn conversations_page_oldest_first(stores: Stores) {
    let t = tenant(&stores, "bodo").await;
    let a = actor(t, Role::SalesRep);
    let lead = leads::create(&stores, &a, phone_lead(4), Utc::now())
        .await
        .unwrap();
    let other = leads::create(&stores, &a, phone_lead(5), Utc::now())
        .await
        .unwrap();
    let start = Utc::now();
    let mut ids = Vec::new();
    for i in 0..7 {
        let m = conversations::add(
            &stores,
            &a,
            NewMessage {
                lead_id: lead.id,
                channel: Channel::Email,
                direction: if i % 2 == 0 {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                sender: None,
                sender_type: if i % 2 == 0 {
                    SenderType::Customer
                } else {
                    SenderType::Human
                },
                message_content: format!("Melding {i} – æøå"),
                metadata: Some(serde_json::json!({"i": i})),
            },
            start + Duration::seconds(i),
        )
        .await
        .unwrap();
        ids.push(m.id);
    }
    conversations::add(
        &stores,
        &a,
        NewMessage {
            lead_id: other.id,
            channel: Channel::Sms,
            direction: Direction::Inbound,
            sender: Some("Kunde".into()),
            sender_type: SenderType::Customer,
            message_content: "Other lead".into(),
            metadata: None,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = conversations::list(&stores, &codec(), &a, lead.id, Some(3), cursor)
            .await
            .unwrap();
        seen.extend(page.items.iter().map(|m| m.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, ids);
    let lead = leads::get(&stores, &a, lead.id).await.unwrap();
    assert_eq!(lead.status, LeadStatus::Contacted);
    assert_eq!(lead.last_contact_at, Some(start + Duration::seconds(5)));
}

async fn vehicles_crud_and_status_filter(stores: Stores) {
    let t = tenant(&stores, "molde").await;
    let a = actor(t, Role::Manager);
    let mut made = Vec::new();
    for (i, status) in [
        VehicleStatus::Available,
        VehicleStatus::Sold,
        VehicleStatus::Available,
        VehicleStatus::DemoOnly,
    ]
    .into_iter()
    .enumerate()
    {
        let v = vehicles::create(
            &stores,
            &a,
            NewVehicle {
                make: "Volkswagen".into(),
                model: format!("ID.{i}"),
                status: Some(status),
                price: Some(rust_decimal::Decimal::new(48990050, 2)),
                ..Default::default()
            },
            Utc::now() + Duration::seconds(i as i64),
        )
        .await
        .unwrap();
        made.push(v);
    }
    let available = vehicles::list(
        &stores,
        &codec(),
        &a,
        Some(VehicleStatus::Available),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        available.items.iter().map(|v| v.id).collect::<Vec<_>>(),
        [made[2].id, made[0].id]
    );
    let page = vehicles::list(&stores, &codec(), &a, None, Some(3), None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 3);
    let rest = vehicles::list(&stores, &codec(), &a, None, Some(3), page.next_cursor)
        .await
        .unwrap();
    assert_eq!(
        rest.items.iter().map(|v| v.id).collect::<Vec<_>>(),
        [made[0].id]
    );

    let sold = vehicles::update(
        &stores,
        &a,
        made[0].id,
        VehiclePatch {
            status: Some(VehicleStatus::Sold),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(sold.version, 2);
    assert_eq!(
        stores
            .vehicles
            .get_vehicle(&t, made[0].id)
            .await
            .unwrap()
            .unwrap(),
        sold
    );
    let available = vehicles::list(
        &stores,
        &codec(),
        &a,
        Some(VehicleStatus::Available),
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(available.items.len(), 1);
    vehicles::delete(&stores, &a, made[1].id).await.unwrap();
    assert!(matches!(
        vehicles::delete(&stores, &a, made[1].id).await,
        Err(DomainError::NotFound { .. })
    ));
    let mut stale = sold.clone();
    stale.version = 2;
    assert!(matches!(
        stores.vehicles.update_vehicle(&t, &stale).await,
        Err(StoreError::Conflict)
    ));
}

async fn users_are_unique_per_clerk_id(stores: Stores) {
    let t = tenant(&stores, "alta").await;
    let other = tenant(&stores, "narvik").await;
    let new = |id: &str| NewUser {
        clerk_user_id: id.into(),
        email: format!("{id}@alta.no"),
        name: Some("Jørn".into()),
        role: Role::SalesRep,
    };
    let user = provisioning::add_user(&stores, &t, new("user_a"), Utc::now())
        .await
        .unwrap();
    let dup = provisioning::add_user(&stores, &t, new("user_a"), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(
        dup,
        DomainError::Conflict {
            code: "user_exists",
            ..
        }
    ));
    // The same Clerk user may work for a second dealership.
    provisioning::add_user(&stores, &other, new("user_a"), Utc::now())
        .await
        .unwrap();
    provisioning::add_user(&stores, &t, new("user_b"), Utc::now())
        .await
        .unwrap();
    assert_eq!(
        stores
            .users
            .find_user_by_clerk_id(&t, "user_a")
            .await
            .unwrap()
            .unwrap(),
        user
    );
    assert_eq!(
        stores.users.get_user(&t, user.id).await.unwrap().unwrap(),
        user
    );
    assert!(
        stores
            .users
            .find_user_by_clerk_id(&t, "user_c")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(stores.users.list_users(&t).await.unwrap().len(), 2);
    assert_eq!(stores.users.list_users(&other).await.unwrap().len(), 1);
}

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

async fn users_change_by_version_and_the_audit_log_pages_newest_first(stores: Stores) {
    use norvalt_core::audit::AuditEntry;
    use norvalt_core::model::UserPatch;
    let t = tenant(&stores, "narvik").await;
    let other = tenant(&stores, "bodo").await;
    let user = provisioning::add_user(
        &stores,
        &t,
        NewUser {
            clerk_user_id: "user_narvik".into(),
            email: "selger@narvik.no".into(),
            name: Some("Siri Selger".into()),
            role: Role::SalesRep,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let patch = UserPatch {
        role: Some(Role::Manager),
        active: Some(false),
        ..Default::default()
    };
    let (changed, fields) = patch.apply(&user).unwrap();
    assert_eq!(fields, ["role", "active"]);
    stores.users.update_user(&t, &changed).await.unwrap();
    assert!(matches!(
        stores.users.update_user(&t, &changed).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        stores.users.update_user(&other, &changed).await,
        Err(StoreError::Conflict)
    ));
    // Both ways of finding the user see the change.
    assert_eq!(
        stores.users.get_user(&t, user.id).await.unwrap().unwrap(),
        changed
    );
    assert_eq!(
        stores
            .users
            .find_user_by_clerk_id(&t, "user_narvik")
            .await
            .unwrap()
            .unwrap(),
        changed
    );

    let admin = actor(t, Role::Admin);
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    let entries: Vec<AuditEntry> = (0..5)
        .map(|i| {
            AuditEntry::new(
                &admin,
                "user.updated",
                Some(format!("user:{}", user.id)),
                serde_json::json!({"n": i}),
                t0 + Duration::seconds(i),
            )
        })
        .collect();
    for e in &entries {
        stores.audit.append_audit(&t, e).await.unwrap();
    }
    let first = stores.audit.list_audit(&t, None, 3).await.unwrap();
    assert_eq!(
        first,
        [entries[4].clone(), entries[3].clone(), entries[2].clone()]
    );
    let rest = stores
        .audit
        .list_audit(&t, Some(entries[2].id), 10)
        .await
        .unwrap();
    assert_eq!(rest, [entries[1].clone(), entries[0].clone()]);
    assert!(
        stores
            .audit
            .list_audit(&other, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn rollups_are_per_day_and_dealership(stores: Stores) {
    use chrono::NaiveDate;
    use norvalt_core::analytics::DailyRollup;
    let t = tenant(&stores, "alta").await;
    let other = tenant(&stores, "kirkenes").await;
    let ids = stores.dealerships.list_dealership_ids().await.unwrap();
    assert!(ids.contains(&t.dealership_id()) && ids.contains(&other.dealership_id()));
    let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let rollup = |d, leads| DailyRollup {
        dealership_id: Some(t.dealership_id()),
        day: Some(day(d)),
        leads,
        ..Default::default()
    };
    for (d, n) in [(22, 1), (23, 2), (24, 3)] {
        stores
            .analytics
            .put_rollup(&t, &rollup(d, n))
            .await
            .unwrap();
    }
    // A rebuilt day replaces the old one.
    stores
        .analytics
        .put_rollup(&t, &rollup(23, 7))
        .await
        .unwrap();
    let got = stores
        .analytics
        .list_rollups(&t, day(23), day(30))
        .await
        .unwrap();
    assert_eq!(got, [rollup(23, 7), rollup(24, 3)]);
    assert!(
        stores
            .analytics
            .list_rollups(&other, day(1), day(30))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(stores.analytics.get_rollup_cursor(&t).await.unwrap(), None);
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    stores.analytics.save_rollup_cursor(&t, at).await.unwrap();
    assert_eq!(
        stores.analytics.get_rollup_cursor(&t).await.unwrap(),
        Some(at)
    );
    assert_eq!(
        stores.analytics.get_rollup_cursor(&other).await.unwrap(),
        None
    );
}

async fn counters_count_each_caller_once(stores: Stores) {
    let t = tenant(&stores, "elverum").await;
    let other = tenant(&stores, "tynset").await;
    let calls = (0..20).map(|_| {
        let (stores, t) = (stores.clone(), t);
        tokio::spawn(async move { stores.counters.increment(&t, "round_robin").await.unwrap() })
    });
    let mut seen: Vec<u64> = futures_util::future::join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    seen.sort();
    assert_eq!(seen, (1..=20).collect::<Vec<u64>>());
    assert_eq!(
        stores
            .counters
            .increment(&other, "round_robin")
            .await
            .unwrap(),
        1
    );
    assert_eq!(stores.counters.increment(&t, "another").await.unwrap(), 1);
}

// ---- lead capture: idempotency and de-duplication records ----

use norvalt_core::capture::dedup::ContactClaim;
use norvalt_core::capture::{
    Capture, CaptureCommit, CaptureEnvelope, CaptureOutcome, CaptureRecord, ContactRecord,
    FormCapture, LeadCandidate, LeadWrite,
};
use norvalt_core::queue::QueueName;
use norvalt_core::service::intake::{Intake, IntakeConfig, IntakeResult};
use norvalt_tests::fakes::{MemoryQueue, Nothing};

fn intake(stores: &Stores, queue: Arc<MemoryQueue>) -> Intake {
    Intake {
        stores: stores.clone(),
        queue,
        mail: Arc::new(Nothing),
        secrets: Arc::new(Nothing),
        lead_ads: Arc::new(Nothing),
        config: IntakeConfig::default(),
    }
}

async fn form_key(stores: &Stores, slug: &str) -> String {
    provisioning::find_by_slug(stores, slug)
        .await
        .unwrap()
        .unwrap()
        .1
        .form_key
}

fn form_envelope(
    form_key: &str,
    key: &str,
    email: Option<&str>,
    phone: Option<&str>,
    message: &str,
) -> String {
    let lead = LeadCandidate {
        customer_name: Some("Kari Nordmann".into()),
        customer_email: email.map(str::to_string),
        customer_phone: phone.map(str::to_string),
        vehicle_interest: Some("Toyota bZ4X".into()),
        message: Some(message.into()),
        ..Default::default()
    };
    CaptureEnvelope::new(
        None,
        format!("form:{form_key}:{key}"),
        "trace".into(),
        Utc::now(),
        Capture::Form(FormCapture {
            form_key: form_key.into(),
            capture_id: uuid::Uuid::new_v4(),
            lead,
        }),
    )
    .to_json()
}

async fn live_leads(stores: &Stores, t: &TenantId) -> Vec<norvalt_core::model::Lead> {
    stores
        .leads
        .list_leads(t, &Default::default(), None, 100)
        .await
        .unwrap()
}

fn record(key: &str, lead: Option<norvalt_core::LeadId>, expires_in: Duration) -> CaptureRecord {
    CaptureRecord {
        key: key.into(),
        outcome: CaptureOutcome::Created,
        lead_id: lead,
        reason: None,
        recorded_at: Utc::now(),
        expires_at: Utc::now() + expires_in,
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

async fn claims_are_taken_once_and_changed_only_by_their_holder(stores: Stores) {
    use norvalt_core::outbound::{ClaimRecord, ClaimState};
    let a = tenant(&stores, "krav-a").await;
    let b = tenant(&stores, "krav-b").await;
    let claims = &stores.claims;
    let t0 = norvalt_core::time::now();
    let mine = ClaimRecord::new("send:m1", "m1", t0);
    assert_eq!(claims.claim(&a, &mine).await.unwrap(), None);
    let theirs = ClaimRecord::new("send:m1", "other", t0 + Duration::seconds(1));
    assert_eq!(
        claims.claim(&a, &theirs).await.unwrap(),
        Some(mine.clone()),
        "the second claim gets the first, unchanged"
    );
    assert_eq!(
        claims.claim(&b, &theirs).await.unwrap(),
        None,
        "per dealership"
    );

    // Only the holder (same claimed_at) may finish or release it.
    let mut done = mine.clone();
    done.state = ClaimState::Done;
    done.detail = Some("provider-1".into());
    assert!(matches!(
        claims
            .update_claim(&a, &done, t0 + Duration::seconds(5))
            .await,
        Err(StoreError::Conflict)
    ));
    claims.update_claim(&a, &done, t0).await.unwrap();
    assert_eq!(
        claims.get_claim(&a, "send:m1").await.unwrap(),
        Some(done.clone())
    );
    claims
        .release_claim(&a, "send:m1", t0 + Duration::seconds(5))
        .await
        .unwrap();
    assert!(claims.get_claim(&a, "send:m1").await.unwrap().is_some());

    // Taking over an expired claim moves claimed_at; the old holder is out.
    let stale = ClaimRecord::new("send:m2", "m2", t0);
    claims.claim(&a, &stale).await.unwrap();
    let t1 = t0 + Duration::seconds(120);
    let taken = ClaimRecord::new("send:m2", "m2", t1);
    claims.update_claim(&a, &taken, t0).await.unwrap();
    claims.release_claim(&a, "send:m2", t0).await.unwrap();
    assert_eq!(claims.get_claim(&a, "send:m2").await.unwrap(), Some(taken));
    claims.release_claim(&a, "send:m2", t1).await.unwrap();
    assert_eq!(claims.get_claim(&a, "send:m2").await.unwrap(), None);
}

// ---- GDPR erasure, through the service, on both adapters ----

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

/// A client for the moto server `scripts/test` starts, or `None` (skipped)
/// when there is none.
async fn moto_client() -> Option<aws_sdk_dynamodb::Client> {
    let Ok(endpoint) = std::env::var("NORVALT_TEST_DYNAMODB_ENDPOINT") else {
        assert!(std::env::var_os("NORVALT_REQUIRE_MOTO").is_none());
        eprintln!("skipping: NORVALT_TEST_DYNAMODB_ENDPOINT is not set (scripts/test sets it)");
        return None;
    };
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("eu-north-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .load()
        .await;
    Some(aws_sdk_dynamodb::Client::new(&config))
}

/// The DynamoDB table itself, item by item (a Scan, as only a test may):
/// nothing of Kari is left in any attribute.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn erasure_leaves_no_trace_in_the_dynamodb_table() {
    let Some(client) = moto_client().await else {
        return;
    };
    let table = format!("erasure-{}", uuid::Uuid::new_v4().simple());
    norvalt_aws::dynamodb::ensure_table(&client, &table)
        .await
        .unwrap();
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
async fn suppressions_have_no_ttl_in_the_dynamodb_table() {
    use aws_sdk_dynamodb::types::AttributeValue;
    use norvalt_core::outbound::{ClaimRecord, suppression};
    let Some(client) = moto_client().await else {
        return;
    };
    let table = format!("suppress-{}", uuid::Uuid::new_v4().simple());
    norvalt_aws::dynamodb::ensure_table(&client, &table)
        .await
        .unwrap();
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
