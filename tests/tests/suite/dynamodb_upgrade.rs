//! The DynamoDB table after an upgrade: records written before the change
//! index existed join it through `index_earlier_changes` (what `norvalt
//! maintenance --backend aws` runs), once, and are then seen by polls,
//! escalations and the roll-up.

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, Utc};
use norvalt_core::model::{Channel, Direction, LeadSource, Message, NewLead, SenderType};
use norvalt_core::service::provisioning::{self, PlatformSettings};
use norvalt_core::{MessageId, Stores};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: scripts/test starts it and runs ignored tests"]
async fn records_from_before_the_change_index_join_it_once() {
    let (client, table) = norvalt_tests::moto::table("upgrade").await;
    let store = Arc::new(norvalt_aws::DynamoStore::new(client.clone(), table.clone()));
    let stores = Stores::from_adapter(store.clone());
    let dealer = |slug: &str| norvalt_core::model::NewDealership {
        name: format!("Bil {slug}"),
        slug: slug.into(),
        email: format!("post@{slug}.no"),
        phone: None,
        address: None,
        clerk_org_id: None,
        subscription_tier: None,
        opening_hours: None,
    };
    let (t, _) = provisioning::create_dealership(
        &stores,
        &PlatformSettings::default(),
        dealer("oppgradert"),
        Utc::now(),
    )
    .await
    .unwrap();
    let now = Utc::now();
    let lead = NewLead {
        customer_email: Some("gammel@example.no".into()),
        ..Default::default()
    }
    .into_lead(
        t.dealership_id(),
        LeadSource::Website,
        now - Duration::hours(2),
    )
    .unwrap();
    stores.leads.insert_lead(&t, &lead).await.unwrap();
    let message = Message {
        id: MessageId::new_at(now - Duration::hours(1)),
        lead_id: lead.id,
        dealership_id: t.dealership_id(),
        channel: Channel::Email,
        direction: Direction::Inbound,
        sender: "Åse".into(),
        sender_type: SenderType::Customer,
        message_content: "Hei, er bilen ledig?".into(),
        metadata: serde_json::json!({}),
        created_at: now - Duration::hours(1),
    };
    stores
        .conversations
        .insert_message(&t, &message)
        .await
        .unwrap();
    // As the items were before the upgrade: no change keys.
    let pk = format!("DEALER#{}", t.dealership_id());
    for sk in [
        format!("LEAD#{}", lead.id),
        format!("MSG#{}#{}", lead.id, message.id),
    ] {
        client
            .update_item()
            .table_name(&table)
            .key("pk", AttributeValue::S(pk.clone()))
            .key("sk", AttributeValue::S(sk))
            .update_expression("REMOVE chpk, chsk")
            .send()
            .await
            .unwrap();
    }
    let since = now - Duration::days(1);
    assert!(
        stores
            .leads
            .changed_leads(&t, since, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        stores
            .analytics
            .leads_active_since(&t, since)
            .await
            .unwrap()
            .is_empty()
    );

    let lead_id = lead.id;
    assert_eq!(store.index_earlier_changes(&t).await.unwrap(), 2);
    assert_eq!(
        stores
            .leads
            .changed_leads(&t, since, None, 10)
            .await
            .unwrap(),
        [lead]
    );
    assert_eq!(
        stores
            .analytics
            .leads_active_since(&t, now - Duration::minutes(90))
            .await
            .unwrap(),
        [lead_id].into()
    );
    // At its own times: nothing written after the message.
    assert!(
        stores
            .analytics
            .leads_active_since(&t, now - Duration::minutes(30))
            .await
            .unwrap()
            .is_empty()
    );
    // Once: a second run finds nothing left.
    assert_eq!(store.index_earlier_changes(&t).await.unwrap(), 0);
}
