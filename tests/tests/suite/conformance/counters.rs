//! Conformance: counters.

use super::*;

conformance!(
    counters_count_each_caller_once,
    rollups_are_per_day_and_dealership,
);

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
