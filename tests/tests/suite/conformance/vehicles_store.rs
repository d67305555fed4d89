//! Conformance: vehicles.

use super::*;

conformance!(vehicles_crud_and_status_filter,);

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
