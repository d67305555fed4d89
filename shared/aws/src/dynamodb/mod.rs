//! The DynamoDB storage adapter: one table, tenant data partitioned by
//! dealership.
//!
//! | item            | pk                     | sk                        | gsi1pk / gsi1sk                          |
//! |-----------------|------------------------|---------------------------|------------------------------------------|
//! | dealership      | `DEALER#<id>`          | `PROFILE`                 |                                          |
//! | user            | `DEALER#<id>`          | `USER#<user id>`          |                                          |
//! | user by Clerk id| `DEALER#<id>`          | `CLERKUSER#<clerk id>`    |                                          |
//! | lead            | `DEALER#<id>`          | `LEAD#<lead id>`          | `DEALER#<id>#STATUS#<status>` / `LEAD#<lead id>` (live leads only) |
//! | message         | `DEALER#<id>`          | `MSG#<lead id>#<msg id>`  |                                          |
//! | vehicle         | `DEALER#<id>`          | `VEHICLE#<id>`            |                                          |
//! | rule            | `DEALER#<id>`          | `RULE#<id>`               |                                          |
//! | routing record  | `ROUTE#<kind>#<key>`   | `ROUTE`                   |                                          |
//! | capture record  | `DEALER#<id>`          | `CAPTURE#<idempotency key>` | (TTL `expires_at`)                     |
//! | contact record  | `DEALER#<id>`          | `CONTACT#email:…` / `CONTACT#phone:…` | (TTL `expires_at`)           |
//! | outbound claim  | `DEALER#<id>`          | `CLAIM#<key>`             | (TTL `expires_at`, 90 days)              |
//! | IMAP cursor     | `DEALER#<id>`          | `MAILBOX_CURSOR`          |                                          |
//! | IMAP registry   | `MAILBOXES`            | `<dealership id>`         |                                          |
//! | follow-up       | `DEALER#<id>`          | `FOLLOWUP#<lead>#<rule>`  | `due`: `FOLLOWUP_DUE` / `<due>#<dealer>#<lead>#<rule>` (while a step is due) |
//! | counter         | `DEALER#<id>`          | `COUNTER#<name>`          |                                          |
//! | audit entry     | `DEALER#<id>`          | `AUDIT#<audit id>`        |                                          |
//! | daily roll-up   | `DEALER#<id>`          | `ROLLUP#<YYYY-MM-DD>`     |                                          |
//! | roll-up cursor  | `DEALER#<id>`          | `ROLLUP_CURSOR`           |                                          |
//! | dealership registry | `DEALERSHIPS`      | `<dealership id>`         |                                          |
//!
//! Messages sort under `MSG#`, not under their lead's `LEAD#` key, so that
//! listing the inbox reads leads only. `gsi1` serves the inbox filtered by
//! status; `due` serves the follow-up job. Every read is a GetItem or a Query on one partition: no Scan.
//! `expires_at` (epoch seconds) is the table's TTL attribute: capture and
//! contact records expire by it; reads treat an expired record as absent
//! before DynamoDB gets round to deleting it.

mod analytics;
mod appointments;
mod capture;
mod change_index;
mod claims;
mod conversations;
mod counters;
mod dealerships;
mod follow_ups;
mod items;
mod job_cursors;
mod leads;
mod mailbox;
mod rules;
mod table;
mod users;
mod vehicles;
mod webhook_log;

use aws_sdk_dynamodb::Client;

pub use table::ensure_table;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    /// Table name from `NORVALT_TABLE`, endpoint and credentials from the
    /// standard AWS environment.
    pub fn from_sdk_config(
        config: &aws_config::SdkConfig,
        env: &norvalt_core::config::Env,
    ) -> Result<Self, norvalt_core::config::ConfigError> {
        Ok(Self::new(
            Client::new(config),
            env.required("NORVALT_TABLE")?,
        ))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

/// Every storage port on the table named by `NORVALT_TABLE`.
pub fn stores_from_env(
    config: &aws_config::SdkConfig,
    env: &norvalt_core::config::Env,
) -> Result<norvalt_core::Stores, norvalt_core::config::ConfigError> {
    let store = DynamoStore::from_sdk_config(config, env)?;
    Ok(norvalt_core::Stores::from_adapter(std::sync::Arc::new(
        store,
    )))
}
