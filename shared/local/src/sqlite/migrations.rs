//! Schema migrations, applied in order and recorded in `PRAGMA user_version`.
//! Append new steps; never edit one that has shipped.

use rusqlite::Connection;

const STEPS: &[&str] = &[
    // 1: the foundation schema.
    r#"
    CREATE TABLE dealerships (
        id TEXT PRIMARY KEY,
        doc TEXT NOT NULL
    ) STRICT;
    CREATE TABLE routes (
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        dealership_id TEXT NOT NULL,
        PRIMARY KEY (kind, key)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE users (
        dealership_id TEXT NOT NULL,
        id TEXT NOT NULL,
        clerk_user_id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, id),
        UNIQUE (dealership_id, clerk_user_id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE leads (
        dealership_id TEXT NOT NULL,
        id TEXT NOT NULL,
        status TEXT NOT NULL,
        source TEXT NOT NULL,
        assigned_to TEXT,
        created_at TEXT NOT NULL,
        deleted INTEGER NOT NULL,
        search_text TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX leads_inbox_by_status ON leads (dealership_id, status, id);
    CREATE TABLE messages (
        dealership_id TEXT NOT NULL,
        lead_id TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, lead_id, id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE vehicles (
        dealership_id TEXT NOT NULL,
        id TEXT NOT NULL,
        status TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, id)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE rules (
        dealership_id TEXT NOT NULL,
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, id)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 2: lead capture (idempotency and contact records) and the durable queues.
    r#"
    CREATE TABLE captures (
        dealership_id TEXT NOT NULL,
        key TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, key)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE contacts (
        dealership_id TEXT NOT NULL,
        key TEXT NOT NULL,
        lead_id TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (dealership_id, key)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE queue_messages (
        id TEXT PRIMARY KEY,
        queue TEXT NOT NULL,
        body TEXT NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        visible_at INTEGER NOT NULL,
        enqueued_at INTEGER NOT NULL,
        dead INTEGER NOT NULL DEFAULT 0,
        reason TEXT,
        failed_at INTEGER
    ) STRICT;
    CREATE INDEX queue_ready ON queue_messages (queue, dead, visible_at);
    "#,
    // 3: the IMAP poller's registry and cursors.
    r#"
    CREATE TABLE mailboxes (
        dealership_id TEXT PRIMARY KEY,
        polled INTEGER NOT NULL DEFAULT 0,
        uid_validity INTEGER,
        last_uid INTEGER
    ) STRICT;
    "#,
    // 4: outbound idempotency claims (first replies, send keys).
    r#"
    CREATE TABLE claims (
        dealership_id TEXT NOT NULL,
        key TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, key)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 5: follow-up sequences (due steps found by index) and counters.
    r#"
    CREATE TABLE follow_ups (
        dealership_id TEXT NOT NULL,
        lead_id TEXT NOT NULL,
        rule_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        due_at TEXT,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, lead_id, rule_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX follow_ups_due ON follow_ups (due_at) WHERE due_at IS NOT NULL;
    CREATE TABLE counters (
        dealership_id TEXT NOT NULL,
        name TEXT NOT NULL,
        value INTEGER NOT NULL,
        PRIMARY KEY (dealership_id, name)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 6: leads by last change, for `updated_since` polling.
    r#"
    ALTER TABLE leads ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
    UPDATE leads SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(doc, '$.updated_at'));
    CREATE INDEX leads_by_update ON leads (dealership_id, updated_at);
    "#,
    // 7: the audit log of admin actions.
    r#"
    CREATE TABLE audit_log (
        dealership_id TEXT NOT NULL,
        id TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, id)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 8: analytics roll-ups per Oslo day, and where the job left off.
    r#"
    CREATE TABLE rollups (
        dealership_id TEXT NOT NULL,
        day TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, day)
    ) STRICT, WITHOUT ROWID;
    CREATE TABLE rollup_cursors (
        dealership_id TEXT PRIMARY KEY,
        at TEXT NOT NULL
    ) STRICT;
    "#,
    // 9: booked appointments, by start time and by lead.
    r#"
    CREATE TABLE appointments (
        dealership_id TEXT NOT NULL,
        id TEXT NOT NULL,
        lead_id TEXT NOT NULL,
        start TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX appointments_by_start ON appointments (dealership_id, start);
    CREATE INDEX appointments_by_lead ON appointments (dealership_id, lead_id, start);
    "#,
    // 10: what was written since a time, for live analytics: appointments
    // by last change, messages by id (a message id holds its creation
    // time), and the days a roll-up run left for the next.
    r#"
    ALTER TABLE appointments ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
    UPDATE appointments SET updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(doc, '$.updated_at'));
    CREATE INDEX appointments_by_update ON appointments (dealership_id, updated_at);
    CREATE INDEX messages_by_id ON messages (dealership_id, id);
    ALTER TABLE rollup_cursors ADD COLUMN pending TEXT NOT NULL DEFAULT '[]';
    "#,
    // 11: where the scheduled readers of changes left off (event-scan).
    r#"
    CREATE TABLE job_cursors (
        dealership_id TEXT NOT NULL,
        job TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (dealership_id, job)
    ) STRICT, WITHOUT ROWID;
    "#,
    // 12: the webhook delivery log, newest first per endpoint.
    r#"
    CREATE TABLE webhook_deliveries (
        dealership_id TEXT NOT NULL,
        endpoint_id TEXT NOT NULL,
        id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (dealership_id, endpoint_id, id)
    ) STRICT, WITHOUT ROWID;
    "#,
];

pub fn run(conn: &mut Connection) -> rusqlite::Result<()> {
    let applied: usize =
        conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
    for (i, step) in STEPS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
