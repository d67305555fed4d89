//! Conformance: claims.

use super::*;

conformance!(claims_are_taken_once_and_changed_only_by_their_holder,);

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
