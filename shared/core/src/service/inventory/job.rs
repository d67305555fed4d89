//! `inventory-feeds` (EventBridge, every 15 minutes; the local worker's
//! timer): each dealership's feed URL fetched once an hour, read with its
//! mapping and imported. A fetch that fails is tried again on the next
//! tick; one dealership's broken feed never holds up another's.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::import;
use crate::inventory::{FeedFetcher, feed};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;

/// The job cursor's name: when the feed was last imported.
pub const JOB: &str = "inventory-feed";
/// How often a feed is fetched.
pub const EVERY: Duration = Duration::hours(1);

pub struct FeedJob {
    pub stores: Stores,
    pub fetcher: Arc<dyn FeedFetcher>,
    /// Feeds on private addresses (a local run only).
    pub allow_private: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FeedRunReport {
    pub imported: usize,
    pub failed: usize,
    pub added: usize,
    pub updated: usize,
    pub retired: usize,
    pub refused_rows: usize,
}

impl FeedJob {
    pub async fn run(&self, now: DateTime<Utc>) -> Result<FeedRunReport, StoreError> {
        let mut report = FeedRunReport::default();
        for id in self.stores.dealerships.list_dealership_ids().await? {
            // Scheduled work over the registry: the tenant is the record's.
            let tenant = TenantId::mint(id);
            match self.run_dealership(&tenant, now).await {
                Ok(None) => {}
                Ok(Some(done)) => {
                    report.imported += 1;
                    report.added += done.added;
                    report.updated += done.updated;
                    report.retired += done.retired;
                    report.refused_rows += done.refused.len();
                }
                Err(reason) => {
                    tracing::warn!(dealership_id = %id, %reason, "inventory feed failed; the next tick tries again");
                    report.failed += 1;
                }
            }
        }
        if report.failed > 0 {
            crate::metrics::Metric::count("InventoryFeedFailures", report.failed).emit();
        }
        Ok(report)
    }

    /// Imports the dealership's feed when it is due; `None` when it has no
    /// feed or it is not due.
    pub async fn run_dealership(
        &self,
        tenant: &TenantId,
        now: DateTime<Utc>,
    ) -> Result<Option<super::ImportReport>, String> {
        let store = |e: StoreError| e.to_string();
        let Some(dealership) = self
            .stores
            .dealerships
            .get_dealership(tenant)
            .await
            .map_err(store)?
        else {
            return Ok(None);
        };
        let Some(settings) = dealership.inventory_feed else {
            return Ok(None);
        };
        let last = self
            .stores
            .job_cursors
            .get_job_cursor(tenant, JOB)
            .await
            .map_err(store)?;
        if last.is_some_and(|at| now - at < EVERY) {
            return Ok(None);
        }
        let bytes = self
            .fetcher
            .fetch(&settings.url, self.allow_private)
            .await?;
        let parsed =
            feed::parse(&bytes, settings.format, &settings.mapping).map_err(|e| e.to_string())?;
        let done = import(&self.stores, tenant, parsed, now)
            .await
            .map_err(store)?;
        self.stores
            .job_cursors
            .save_job_cursor(tenant, JOB, now)
            .await
            .map_err(store)?;
        tracing::info!(
            dealership_id = %tenant,
            added = done.added, updated = done.updated, retired = done.retired,
            refused = done.refused.len(), "inventory feed imported"
        );
        Ok(Some(done))
    }
}
