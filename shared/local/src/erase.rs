//! GDPR erasure of the local copies: the outbox's sent mail and SMS, and
//! the queue database's messages and WAL (see `SqliteStore::erase_copies`).

use std::sync::Arc;

use async_trait::async_trait;
use norvalt_core::service::gdpr::{ErasureRefs, PersonalCopies};

use crate::outbox::Outbox;
use crate::sqlite::SqliteStore;

pub struct LocalCopies {
    pub outbox: Arc<Outbox>,
    pub queues: SqliteStore,
}

#[async_trait]
impl PersonalCopies for LocalCopies {
    async fn erase(&self, refs: &ErasureRefs) -> Result<(), String> {
        self.outbox
            .forget(refs)
            .map_err(|e| format!("outbox: {e}"))?;
        self.queues
            .erase_copies(refs)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}
