//! Capture records on SQLite: one transaction per [`CaptureCommit`], with
//! the same conditions the DynamoDB transaction checks.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::leads::{insert_lead_row, lead_columns, update_lead_row};
use super::rows::{expect_one_row, from_doc, tid, to_doc};
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::capture::{CaptureCommit, CaptureRecord, ContactRecord, LeadWrite};
use norvalt_core::ports::CaptureStore;
use norvalt_core::time::sortable;
use norvalt_core::{StoreError, StoreResult, TenantId};

#[async_trait]
impl CaptureStore for SqliteStore {
    async fn forget_lead(
        &self,
        tenant: &TenantId,
        lead: norvalt_core::LeadId,
        contact_keys: &[String],
    ) -> StoreResult<()> {
        let (t, lead, keys) = (tid(tenant), lead.to_string(), contact_keys.to_vec());
        self.write(move |c| {
            let tx = c.transaction().map_err(backend)?;
            for key in &keys {
                tx.execute(
                    "DELETE FROM contacts WHERE dealership_id = ?1 AND key = ?2",
                    params![t, key],
                )
                .map_err(backend)?;
            }
            tx.execute(
                "DELETE FROM contacts WHERE dealership_id = ?1 AND lead_id = ?2",
                params![t, lead],
            )
            .map_err(backend)?;
            tx.execute(
                "DELETE FROM captures WHERE dealership_id = ?1 AND json_extract(doc, '$.lead_id') = ?2",
                params![t, lead],
            )
            .map_err(backend)?;
            tx.commit().map_err(backend)
        })
        .await
    }

    async fn get_capture(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> StoreResult<Option<CaptureRecord>> {
        let (t, key, now) = (
            tid(tenant),
            key.to_string(),
            sortable(&norvalt_core::time::now()),
        );
        self.read(move |c| {
            let doc: Option<String> = c
                .query_row(
                    "SELECT doc FROM captures WHERE dealership_id = ?1 AND key = ?2 AND expires_at > ?3",
                    params![t, key, now],
                    |r| r.get(0),
                )
                .optional()
                .map_err(backend)?;
            doc.map(from_doc).transpose()
        })
        .await
    }

    async fn get_contact(
        &self,
        tenant: &TenantId,
        key: &str,
    ) -> StoreResult<Option<ContactRecord>> {
        let (t, key) = (tid(tenant), key.to_string());
        self.read(move |c| read_contact(c, &t, &key)).await
    }

    async fn commit_capture(&self, tenant: &TenantId, commit: &CaptureCommit) -> StoreResult<()> {
        let t = tid(tenant);
        let commit = commit.clone();
        let capture_doc = to_doc(&commit.capture)?;
        let lead_cols = match &commit.lead {
            Some(LeadWrite::Insert(l)) | Some(LeadWrite::Update(l)) => {
                Some(lead_columns(tenant, l)?)
            }
            None => None,
        };
        let message = match &commit.message {
            Some(m) => Some((m.lead_id.to_string(), m.id.to_string(), to_doc(m)?)),
            None => None,
        };
        self.write(move |c| {
            let tx = c.transaction().map_err(backend)?;
            let now = sortable(&commit.now);
            // A capture key is taken unless its record has expired.
            let changed = tx
                .execute(
                    "INSERT INTO captures (dealership_id, key, expires_at, doc) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (dealership_id, key) DO UPDATE SET expires_at = excluded.expires_at, doc = excluded.doc
                     WHERE captures.expires_at <= ?5",
                    params![t, commit.capture.key, sortable(&commit.capture.expires_at), capture_doc, now],
                )
                .map_err(backend)?;
            expect_one_row(changed)?;
            match (&commit.lead, lead_cols) {
                (Some(LeadWrite::Insert(_)), Some(cols)) => insert_lead_row(&tx, cols)?,
                (Some(LeadWrite::Update(lead)), Some(cols)) => update_lead_row(&tx, cols, lead.version)?,
                _ => {}
            }
            if let Some((lead, id, doc)) = &message {
                tx.execute(
                    "INSERT INTO messages (dealership_id, lead_id, id, doc) VALUES (?1, ?2, ?3, ?4)",
                    params![t, lead, id, doc],
                )
                .map_err(conflict_or_backend)?;
            }
            for claim in &commit.contacts {
                let current = read_contact(&tx, &t, &claim.record.key)?;
                if !claim.allows(current.as_ref(), commit.now) {
                    return Err(StoreError::Conflict);
                }
                tx.execute(
                    "INSERT INTO contacts (dealership_id, key, lead_id, expires_at) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (dealership_id, key) DO UPDATE SET lead_id = excluded.lead_id, expires_at = excluded.expires_at",
                    params![
                        t,
                        claim.record.key,
                        claim.record.lead_id.to_string(),
                        sortable(&claim.record.expires_at)
                    ],
                )
                .map_err(backend)?;
            }
            tx.commit().map_err(backend)
        })
        .await
    }
}

fn read_contact(
    c: &rusqlite::Connection,
    tenant: &str,
    key: &str,
) -> StoreResult<Option<ContactRecord>> {
    let row: Option<(String, String)> = c
        .query_row(
            "SELECT lead_id, expires_at FROM contacts WHERE dealership_id = ?1 AND key = ?2",
            params![tenant, key],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(backend)?;
    row.map(|(lead, expires)| {
        Ok(ContactRecord {
            key: key.to_string(),
            lead_id: lead.parse().map_err(backend)?,
            expires_at: chrono::DateTime::parse_from_rfc3339(&expires)
                .map_err(backend)?
                .with_timezone(&chrono::Utc),
        })
    })
    .transpose()
}
