//! Messages, under `MSG#<lead>#<message>` in the dealership's partition.
use std::collections::HashMap;

use async_trait::async_trait;

use super::DynamoStore;
use super::items::*;
use norvalt_core::model::Message;
use norvalt_core::ports::ConversationStore;
use norvalt_core::{LeadId, MessageId, StoreResult, TenantId};

pub(super) fn message_item(tenant: &TenantId, m: &Message) -> StoreResult<Item> {
    let sk = format!("MSG#{}#{}", m.lead_id, m.id);
    let [chpk, chsk] = change_keys(tenant, ChangeKind::Activity, &m.created_at, &sk);
    item(m, [("pk", s(tenant_pk(tenant))), ("sk", s(sk)), chpk, chsk])
}

#[async_trait]
impl ConversationStore for DynamoStore {
    async fn insert_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        self.put_new(message_item(tenant, m)?).await
    }

    async fn update_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(message_item(tenant, m)?))
            .condition_expression("attribute_exists(pk)")
            .send()
            .await
            .map(|_| ())
            .map_err(|e| conditional(e, |s| s.is_conditional_check_failed_exception()))
    }

    async fn get_message(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        id: MessageId,
    ) -> StoreResult<Option<Message>> {
        self.get_doc(tenant_pk(tenant), format!("MSG#{lead}#{id}"))
            .await
    }

    async fn list_messages(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        // "$" sorts right after "#": the range ends past every message of the lead.
        let from = match after {
            Some(a) => format!("MSG#{lead}#{a}$"),
            None => format!("MSG#{lead}#"),
        };
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND sk BETWEEN :from AND :to",
            filter: None,
            values: HashMap::from([
                (":pk".into(), s(tenant_pk(tenant))),
                (":from".into(), s(from)),
                (":to".into(), s(format!("MSG#{lead}$"))),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: limit as i32,
        };
        self.query(q, limit)
            .await?
            .into_iter()
            .map(decode)
            .collect()
    }
}
