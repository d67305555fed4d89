//! Conformance: the inbox's habits on both adapters. Tags, "Ikke tildelt"
//! and oldest-first filter and page alike; bulk actions reach every lead
//! the filter matches (not a page), change each once however often they
//! are retried, and never touch another dealership's lead; a poll names
//! the leads that left the list.

use norvalt_core::model::TagColour;
use norvalt_core::service::bulk::{self, BulkAction, BulkFilter, BulkRequest};
use norvalt_core::service::inbox_setup::{self, InboxSetupPatch, TagInput};
use norvalt_core::service::lead_list;
use norvalt_core::{LeadId, TagId};

use super::*;

conformance!(
    tags_unassigned_and_oldest_first_filter_and_page,
    a_bulk_action_reaches_every_matching_lead_once,
    a_poll_names_the_leads_that_left_the_list,
    a_poll_over_more_changes_than_one_look_still_pages_them_all,
);

async fn make_leads(stores: &Stores, t: TenantId, n: usize) -> Vec<LeadId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let lead = leads::create(
            stores,
            &actor(t, Role::Manager),
            phone_lead(i),
            Utc::now() + Duration::milliseconds(i as i64),
        )
        .await
        .unwrap();
        ids.push(lead.id);
    }
    ids
}

async fn tag(stores: &Stores, t: TenantId, name: &str) -> TagId {
    let setup = inbox_setup::update(
        stores,
        &actor(t, Role::Manager),
        InboxSetupPatch {
            tags: Some(vec![TagInput {
                id: None,
                name: name.into(),
                colour: TagColour::Teal,
            }]),
            ..Default::default()
        },
        Utc::now(),
    )
    .await
    .unwrap();
    setup.tags[0].id
}

async fn ids(stores: &Stores, t: TenantId, params: ListLeads) -> Vec<LeadId> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = lead_list::list(
            stores,
            &codec(),
            &actor(t, Role::SalesRep),
            ListLeads {
                cursor,
                limit: Some(3),
                ..params.clone()
            },
        )
        .await
        .unwrap();
        out.extend(page.items.iter().map(|r| r.lead.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return out,
        }
    }
}

async fn tags_unassigned_and_oldest_first_filter_and_page(stores: Stores) {
    let t = tenant(&stores, "inbox-filters").await;
    let made = make_leads(&stores, t, 7).await;
    let trade_in = tag(&stores, t, "Innbytte").await;
    let tagged = vec![made[1], made[4], made[6]];
    let summary = bulk::apply(
        &stores,
        &actor(t, Role::SalesRep),
        BulkRequest {
            lead_ids: Some(tagged.clone()),
            filter: None,
            action: BulkAction::AddTag { tag_id: trade_in },
        },
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(summary.changed, 3);

    let mut newest_first = tagged.clone();
    newest_first.reverse();
    let with_tag = ListLeads {
        tag: Some(trade_in),
        ..Default::default()
    };
    assert_eq!(ids(&stores, t, with_tag.clone()).await, newest_first);
    assert_eq!(
        ids(
            &stores,
            t,
            ListLeads {
                oldest_first: true,
                ..with_tag
            }
        )
        .await,
        tagged
    );
    assert_eq!(
        ids(
            &stores,
            t,
            ListLeads {
                oldest_first: true,
                ..Default::default()
            }
        )
        .await,
        made,
        "oldest first, paged in threes"
    );

    // Give two leads a rep: "Ikke tildelt" is the other five.
    let rep = provisioning::add_user(
        &stores,
        &t,
        NewUser {
            clerk_user_id: "user_inbox_rep".into(),
            email: "rep@inbox-filters.no".into(),
            name: Some("Rep".into()),
            role: Role::SalesRep,
        },
        Utc::now(),
    )
    .await
    .unwrap();
    bulk::apply(
        &stores,
        &actor(t, Role::SalesRep),
        BulkRequest {
            lead_ids: Some(vec![made[0], made[2]]),
            filter: None,
            action: BulkAction::Assign {
                user_id: Some(rep.id),
            },
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let unassigned = ids(
        &stores,
        t,
        ListLeads {
            unassigned: Some(true),
            oldest_first: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(
        unassigned,
        vec![made[1], made[3], made[4], made[5], made[6]]
    );
    let assigned = ids(
        &stores,
        t,
        ListLeads {
            unassigned: Some(false),
            oldest_first: true,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(assigned, vec![made[0], made[2]]);
}

async fn a_bulk_action_reaches_every_matching_lead_once(stores: Stores) {
    let t = tenant(&stores, "inbox-bulk").await;
    let other = tenant(&stores, "inbox-bulk-other").await;
    let made = make_leads(&stores, t, 30).await;
    let theirs = make_leads(&stores, other, 2).await;
    // The filter's leads, not the first page of 25.
    let request = BulkRequest {
        lead_ids: None,
        filter: Some(BulkFilter {
            status: Some(LeadStatus::New),
            ..Default::default()
        }),
        action: BulkAction::SetStatus {
            status: LeadStatus::Qualified,
        },
    };
    let first = bulk::apply(
        &stores,
        &actor(t, Role::SalesRep),
        request.clone(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((first.matched, first.changed, first.unchanged), (30, 30, 0));
    // Retried: the filter matches none now, and naming the leads changes none.
    let again = bulk::apply(&stores, &actor(t, Role::SalesRep), request, Utc::now())
        .await
        .unwrap();
    assert_eq!((again.matched, again.changed), (0, 0));
    let named = BulkRequest {
        lead_ids: Some(made.iter().chain(theirs.iter()).copied().collect()),
        filter: None,
        action: BulkAction::SetStatus {
            status: LeadStatus::Qualified,
        },
    };
    let retried = bulk::apply(&stores, &actor(t, Role::SalesRep), named, Utc::now())
        .await
        .unwrap();
    assert_eq!(
        (retried.changed, retried.unchanged, retried.not_found),
        (0, 30, 2),
        "another dealership's leads are not found"
    );
    for id in &theirs {
        let lead = stores.leads.get_lead(&other, *id).await.unwrap().unwrap();
        assert_eq!(lead.status, LeadStatus::New, "theirs untouched");
    }
    let qualified = ids(
        &stores,
        t,
        ListLeads {
            status: Some(LeadStatus::Qualified),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(qualified.len(), 30);
    // One audit entry for the request that changed something, none for the
    // retries.
    let audit = stores.audit.list_audit(&t, None, 100).await.unwrap();
    let bulk_entries: Vec<_> = audit.iter().filter(|e| e.action == "leads.bulk").collect();
    assert_eq!(bulk_entries.len(), 1);
    assert_eq!(bulk_entries[0].details["changed"], 30);
    // A tag the dealership does not have is refused before anything changes.
    let refused = bulk::apply(
        &stores,
        &actor(t, Role::SalesRep),
        BulkRequest {
            lead_ids: Some(made.clone()),
            filter: None,
            action: BulkAction::AddTag {
                tag_id: TagId::new_at(Utc::now()),
            },
        },
        Utc::now(),
    )
    .await;
    assert!(matches!(refused, Err(DomainError::Validation(_))));
}

async fn a_poll_names_the_leads_that_left_the_list(stores: Stores) {
    let t = tenant(&stores, "inbox-poll").await;
    let made = make_leads(&stores, t, 3).await;
    let since = Utc::now();
    leads::delete(&stores, &actor(t, Role::Manager), made[0], since)
        .await
        .unwrap();
    leads::update(
        &stores,
        &actor(t, Role::SalesRep),
        made[1],
        LeadPatch {
            status: Some(LeadStatus::Lost),
            ..Default::default()
        },
        since,
    )
    .await
    .unwrap();
    let poll = lead_list::list(
        &stores,
        &codec(),
        &actor(t, Role::SalesRep),
        ListLeads {
            status: Some(LeadStatus::New),
            updated_since: Some(since - Duration::seconds(5)),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let still: Vec<_> = poll.items.iter().map(|r| r.lead.id).collect();
    assert_eq!(still, vec![made[2]], "the lead still new is listed");
    let mut removed = poll.removed.clone();
    removed.sort();
    let mut expected = vec![made[0], made[1]];
    expected.sort();
    assert_eq!(removed, expected, "the deleted lead and the one now lost");
    // Without `updated_since` a page names none.
    let page = lead_list::list(
        &stores,
        &codec(),
        &actor(t, Role::SalesRep),
        ListLeads::default(),
    )
    .await
    .unwrap();
    assert!(page.removed.is_empty());
    assert_eq!(page.items.len(), 2);
}

/// More leads changed than the poll's one look covers (200): the page comes
/// from the filtered query, and paging reaches every one, oldest first too.
async fn a_poll_over_more_changes_than_one_look_still_pages_them_all(stores: Stores) {
    let t = tenant(&stores, "inbox-poll-many").await;
    let since = Utc::now() - Duration::seconds(5);
    let made = make_leads(&stores, t, 205).await;
    for oldest_first in [false, true] {
        let params = ListLeads {
            status: Some(LeadStatus::New),
            updated_since: Some(since),
            oldest_first,
            ..Default::default()
        };
        let first = lead_list::list(
            &stores,
            &codec(),
            &actor(t, Role::SalesRep),
            ListLeads {
                limit: Some(100),
                ..params.clone()
            },
        )
        .await
        .unwrap();
        assert_eq!(first.items.len(), 100);
        assert!(first.removed.is_empty());
        let expected_first = if oldest_first { made[0] } else { made[204] };
        assert_eq!(first.items[0].lead.id, expected_first);
        let mut all = ids(&stores, t, params).await;
        all.sort();
        assert_eq!(all, made, "every changed lead, once");
    }
}
