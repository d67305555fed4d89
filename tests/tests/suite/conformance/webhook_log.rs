//! Conformance: the webhook delivery log.

use super::*;
use norvalt_core::LeadId;
use norvalt_core::integrations::webhooks::{DeliveryStatus, WebhookDelivery, WebhookEventType};

conformance!(the_delivery_log_lists_an_endpoint_s_newest_first);

fn delivery(endpoint: &str, at: chrono::DateTime<Utc>) -> WebhookDelivery {
    WebhookDelivery {
        id: uuid::Uuid::new_v7(uuid::Timestamp::from_unix(
            uuid::NoContext,
            at.timestamp() as u64,
            at.timestamp_subsec_nanos(),
        ))
        .to_string(),
        endpoint_id: endpoint.into(),
        message_id: "msg_0123456789abcdef0123456789abcdef".into(),
        event_type: WebhookEventType::LeadCreated,
        event_key: "lead.created:x".into(),
        lead_id: LeadId::new_at(at),
        subject_id: "x".into(),
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_status_code: None,
        last_error: None,
        created_at: at,
        last_attempt_at: None,
        next_attempt_at: None,
    }
}

async fn the_delivery_log_lists_an_endpoint_s_newest_first(stores: Stores) {
    let t = tenant(&stores, "whlog-vardo").await;
    let other = tenant(&stores, "whlog-vadso").await;
    let log = &stores.webhook_log;
    let start = Utc::now() - Duration::hours(1);
    let made: Vec<WebhookDelivery> = (0..3)
        .map(|i| delivery("ep_a", start + Duration::minutes(i)))
        .collect();
    for d in &made {
        log.put_delivery(&t, d).await.unwrap();
    }
    log.put_delivery(&t, &delivery("ep_b", start))
        .await
        .unwrap();
    let mut done = made[1].clone();
    done.status = DeliveryStatus::Succeeded;
    done.attempts = 2;
    done.last_status_code = Some(200);
    log.put_delivery(&t, &done).await.unwrap();

    let listed = log.list_deliveries(&t, "ep_a", 10).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            made[2].id.as_str(),
            made[1].id.as_str(),
            made[0].id.as_str()
        ]
    );
    assert_eq!(listed[1], done, "a write replaces the record with its id");
    assert_eq!(log.list_deliveries(&t, "ep_a", 2).await.unwrap().len(), 2);
    assert_eq!(
        log.get_delivery(&t, "ep_a", &made[0].id).await.unwrap(),
        Some(made[0].clone())
    );
    assert_eq!(
        log.get_delivery(&t, "ep_b", &made[0].id).await.unwrap(),
        None
    );
    assert!(
        log.list_deliveries(&other, "ep_a", 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        log.get_delivery(&other, "ep_a", &made[0].id).await.unwrap(),
        None
    );
}
