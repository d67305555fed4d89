//! The dealership's stock from its own feed: read ([`feed`]) and fetched
//! (the [`FeedFetcher`] port; the HTTP adapter refuses private addresses
//! in the cloud). What it does to the vehicles is
//! [`crate::service::inventory`].

pub mod feed;

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use feed::{FeedField, FeedFormat};

/// How long a fetch may take, all of it.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(20);

/// Where a dealership's feed is and how to read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InventoryFeed {
    /// Fetched every hour; `https` on the public internet.
    pub url: String,
    /// Guessed from the content when absent.
    #[serde(default)]
    pub format: Option<FeedFormat>,
    /// Our field → the feed's column (CSV) or element (XML), where the
    /// common names do not find it.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub mapping: BTreeMap<FeedField, String>,
}

/// Fetches a feed: at most [`feed::MAX_FEED_BYTES`] within
/// [`FETCH_TIMEOUT`], never from a private address unless `allow_private`.
#[async_trait]
pub trait FeedFetcher: Send + Sync {
    async fn fetch(&self, url: &str, allow_private: bool) -> Result<Vec<u8>, String>;
}
