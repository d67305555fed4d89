//! Conformance: conversations — paging oldest first, one message by id,
//! and every message of a long conversation.

use super::*;

conformance!(
    conversations_page_oldest_first,
    a_long_conversation_is_read_whole_and_by_id,
);

/// A conversation longer than any page: each message is found by its id
/// (the sender looks up the 600th like the first), and reading it all
/// (export, erasure, roll-ups) returns every one, in order, once.
async fn a_long_conversation_is_read_whole_and_by_id(stores: Stores) {
    let t = tenant(&stores, "lang-samtale").await;
    let a = actor(t, Role::SalesRep);
    let lead = leads::create(&stores, &a, phone_lead(6), Utc::now())
        .await
        .unwrap();
    let other = leads::create(&stores, &a, phone_lead(7), Utc::now())
        .await
        .unwrap();
    let start = Utc::now();
    let mut ids = Vec::new();
    for i in 0..620 {
        let id = norvalt_core::MessageId::new_at(start + Duration::milliseconds(i));
        let message = norvalt_core::model::Message {
            id,
            lead_id: lead.id,
            dealership_id: t.dealership_id(),
            channel: Channel::Sms,
            direction: Direction::Inbound,
            sender: "Kunde".into(),
            sender_type: SenderType::Customer,
            message_content: format!("Melding {i}"),
            metadata: serde_json::json!({}),
            created_at: start + Duration::milliseconds(i),
        };
        stores
            .conversations
            .insert_message(&t, &message)
            .await
            .unwrap();
        ids.push(id);
    }
    let last = ids[619];
    let found = stores
        .conversations
        .get_message(&t, lead.id, last)
        .await
        .unwrap()
        .expect("the 620th message is found by its id");
    assert_eq!(found.message_content, "Melding 619");
    assert_eq!(
        stores
            .conversations
            .get_message(&t, other.id, last)
            .await
            .unwrap(),
        None,
        "not under another lead"
    );
    let bergen = tenant(&stores, "lang-samtale-bergen").await;
    assert_eq!(
        stores
            .conversations
            .get_message(&bergen, lead.id, last)
            .await
            .unwrap(),
        None,
        "not for another dealership"
    );
    let all = stores
        .conversations
        .all_messages(&t, lead.id)
        .await
        .unwrap();
    assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), ids);
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
