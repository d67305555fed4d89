//! The IMAP poller's registry and cursors on SQLite: one row per dealership.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::rows::{dealership_ids, tid};
use super::{SqliteStore, backend};
use norvalt_core::capture::mailbox::MailboxCursor;
use norvalt_core::ports::MailboxStore;
use norvalt_core::{DealershipId, StoreResult, TenantId};

#[async_trait]
impl MailboxStore for SqliteStore {
    async fn set_mailbox_polled(&self, tenant: &TenantId, polled: bool) -> StoreResult<()> {
        let t = tid(tenant);
        self.write(move |c| {
            c.execute(
                "INSERT INTO mailboxes (dealership_id, polled) VALUES (?1, ?2)
                 ON CONFLICT (dealership_id) DO UPDATE SET polled = excluded.polled",
                params![t, polled],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }

    async fn list_polled_mailboxes(&self) -> StoreResult<Vec<DealershipId>> {
        self.read(|c| {
            dealership_ids(
                c,
                "SELECT dealership_id FROM mailboxes WHERE polled = 1 ORDER BY dealership_id",
            )
        })
        .await
    }

    async fn get_mailbox_cursor(&self, tenant: &TenantId) -> StoreResult<Option<MailboxCursor>> {
        let t = tid(tenant);
        self.read(move |c| {
            let row: Option<(Option<u32>, Option<u32>)> = c
                .query_row(
                    "SELECT uid_validity, last_uid FROM mailboxes WHERE dealership_id = ?1",
                    params![t],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(backend)?;
            Ok(match row {
                Some((Some(uid_validity), Some(last_uid))) => Some(MailboxCursor {
                    uid_validity,
                    last_uid,
                }),
                _ => None,
            })
        })
        .await
    }

    async fn save_mailbox_cursor(
        &self,
        tenant: &TenantId,
        cursor: &MailboxCursor,
    ) -> StoreResult<()> {
        let (t, cursor) = (tid(tenant), *cursor);
        self.write(move |c| {
            c.execute(
                "INSERT INTO mailboxes (dealership_id, uid_validity, last_uid) VALUES (?1, ?2, ?3)
                 ON CONFLICT (dealership_id) DO UPDATE
                 SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid",
                params![t, cursor.uid_validity, cursor.last_uid],
            )
            .map_err(backend)?;
            Ok(())
        })
        .await
    }
}
