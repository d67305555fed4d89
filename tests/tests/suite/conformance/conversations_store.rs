//! Conformance: conversations.

use super::*;

conformance!(conversations_page_oldest_first,);

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
