//! Messages of a lead's conversation.
use async_trait::async_trait;
use rusqlite::params;

use super::rows::*;
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::model::Message;
use norvalt_core::ports::ConversationStore;
use norvalt_core::{LeadId, MessageId, StoreResult, TenantId};

#[async_trait]
impl ConversationStore for SqliteStore {
    async fn update_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        let (t, lead, id, doc) = (
            tid(tenant),
            m.lead_id.to_string(),
            m.id.to_string(),
            to_doc(m)?,
        );
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE messages SET doc = ?4 WHERE dealership_id = ?1 AND lead_id = ?2 AND id = ?3",
                    params![t, lead, id, doc],
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn insert_message(&self, tenant: &TenantId, m: &Message) -> StoreResult<()> {
        let (t, lead, id, doc) = (
            tid(tenant),
            m.lead_id.to_string(),
            m.id.to_string(),
            to_doc(m)?,
        );
        self.write(move |c| {
            c.execute(
                "INSERT INTO messages (dealership_id, lead_id, id, doc) VALUES (?1, ?2, ?3, ?4)",
                params![t, lead, id, doc],
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_message(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        id: MessageId,
    ) -> StoreResult<Option<Message>> {
        let args = vec![
            tid(tenant).into(),
            lead.to_string().into(),
            id.to_string().into(),
        ];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM messages WHERE dealership_id = ?1 AND lead_id = ?2 AND id = ?3",
                args,
            )
        })
        .await
    }

    async fn list_messages(
        &self,
        tenant: &TenantId,
        lead: LeadId,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreResult<Vec<Message>> {
        let args = vec![
            tid(tenant).into(),
            lead.to_string().into(),
            after.map(|a| a.to_string()).unwrap_or_default().into(),
            (limit as i64).into(),
        ];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM messages WHERE dealership_id = ?1 AND lead_id = ?2 AND id > ?3 ORDER BY id LIMIT ?4",
                args,
            )
        })
        .await
    }
}
