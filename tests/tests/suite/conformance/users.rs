//! Conformance: users.

use super::*;

conformance!(
    users_are_unique_per_clerk_id,
    users_change_by_version_and_the_audit_log_pages_newest_first,
);

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
