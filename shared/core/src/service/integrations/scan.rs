//! `event-scan` (EventBridge, every minute; the local worker's timer): per
//! dealership with an integration on, the leads changed since the last run
//! (a lead written, or a message or appointment of it) are looked at, and
//! what each owes goes on the events queue: its stages for Meta, and an
//! event for each webhook endpoint that hears of it. A new lead owed to the
//! dealer system as ADF goes on the send queue, as a team notice does.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::webhook_events;
use crate::integrations::meta_stages::{self, WINDOW};
use crate::integrations::webhooks::WebhookEventType;
use crate::jobs::{Envelope, WebhookJob};
use crate::model::{Appointment, Dealership, Lead};
use crate::outbound::claims::ClaimState;
use crate::ports::{StoreError, Stores};
use crate::queue::Queue;
use crate::tenancy::TenantId;

/// The cursor's name in the job cursor store.
pub const JOB: &str = "event-scan";
/// Writes this close to the last run are looked at again: one in flight
/// when that run started is not missed. What was sent is never sent again
/// (the claims), so the overlap costs reads, not events.
const OVERLAP: Duration = Duration::minutes(5);

pub struct EventScan {
    pub stores: Stores,
    pub queue: Arc<dyn Queue>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ScanReport {
    /// Dealerships with an integration on.
    pub dealerships: usize,
    pub leads_read: usize,
    pub enqueued: usize,
    pub failed: usize,
}

impl EventScan {
    pub async fn run(&self, now: DateTime<Utc>, trace_id: &str) -> Result<ScanReport, StoreError> {
        let mut report = ScanReport::default();
        for id in self.stores.dealerships.list_dealership_ids().await? {
            // Scheduled work over the registry: the tenant is the record's.
            let tenant = TenantId::mint(id);
            match self
                .scan_dealership(&tenant, now, trace_id, &mut report)
                .await
            {
                Ok(()) => {}
                Err(e) => {
                    tracing::warn!(dealership_id = %id, error = %e, "event scan failed; the next run reads the same changes");
                    report.failed += 1;
                }
            }
        }
        if report.failed > 0 {
            crate::metrics::Metric::count("EventScanFailures", report.failed).emit();
        }
        Ok(report)
    }

    async fn scan_dealership(
        &self,
        tenant: &TenantId,
        now: DateTime<Utc>,
        trace_id: &str,
        report: &mut ScanReport,
    ) -> Result<(), StoreError> {
        let Some(dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(());
        };
        let wanted: BTreeSet<WebhookEventType> = dealership
            .webhooks
            .iter()
            .filter(|e| e.enabled)
            .flat_map(|e| e.events.iter().copied())
            .collect();
        let meta = !dealership.capture.conversions_pages.is_empty();
        let adf = dealership.adf_email.is_some();
        if !meta && !adf && wanted.is_empty() {
            return Ok(());
        }
        report.dealerships += 1;
        let cursor = self.stores.job_cursors.get_job_cursor(tenant, JOB).await?;
        // A first run (or one after a long pause) looks back as far as
        // Meta takes events, and no further; webhooks start with what
        // changes after they are set up.
        let since = match cursor {
            Some(at) => (at - OVERLAP).max(now - WINDOW),
            None if meta => now - WINDOW,
            None => now - OVERLAP,
        };
        for (lead, written) in self.changed_since(tenant, since).await? {
            report.leads_read += 1;
            // The lead's appointments, read once for both: its `booked`
            // stage and its appointment events.
            let to_meta = meta && sends_stages(&dealership, &lead);
            let appointments = if to_meta || webhook_events::wants_appointments(&wanted) {
                self.stores
                    .appointments
                    .appointments_of_lead(tenant, lead.id)
                    .await?
            } else {
                Vec::new()
            };
            if to_meta && self.owes_stages(tenant, &lead, &appointments, now).await? {
                let stages = Envelope::meta_stages(
                    tenant.dealership_id(),
                    lead.id,
                    lead.version,
                    trace_id,
                    now,
                );
                self.enqueue(stages).await?;
                report.enqueued += 1;
            }
            // A new lead to the dealer system, as ADF: through the team
            // notices' path (the send queue), once per lead and address.
            if adf && written && lead.created_at >= since && !lead.is_deleted() {
                crate::jobs::notify(
                    self.queue.as_ref(),
                    tenant.dealership_id(),
                    lead.id,
                    crate::jobs::LeadEvent::Adf,
                    trace_id,
                    now,
                )
                .await
                .map_err(|e| StoreError::Backend(e.to_string()))?;
                report.enqueued += 1;
            }
            if wanted.is_empty() {
                continue;
            }
            let events = webhook_events::events_of(
                &self.stores,
                tenant,
                &lead,
                written,
                since,
                &wanted,
                &appointments,
            )
            .await?;
            for found in events {
                let hearing = dealership
                    .webhooks
                    .iter()
                    .filter(|e| e.hears(found.event.event_type));
                for endpoint in hearing {
                    let job = WebhookJob {
                        endpoint_id: endpoint.id.clone(),
                        delivery_id: uuid::Uuid::now_v7().to_string(),
                        event_key: found.key.clone(),
                        lead_id: lead.id,
                        subject_id: found.subject_id.clone(),
                        event: found.event.clone(),
                        attempt: 1,
                        not_before: None,
                        resend: false,
                    };
                    self.enqueue(Envelope::webhook(
                        tenant.dealership_id(),
                        job,
                        trace_id,
                        now,
                    ))
                    .await?;
                    report.enqueued += 1;
                }
            }
            if written {
                webhook_events::mark_seen(&self.stores, tenant, &lead, now).await?;
            }
        }
        // Saved only once every event owed is on the queue: a run that
        // failed half-way is read again by the next.
        self.stores
            .job_cursors
            .save_job_cursor(tenant, JOB, now)
            .await
    }

    async fn enqueue(&self, envelope: Envelope<crate::jobs::EventJob>) -> Result<(), StoreError> {
        envelope
            .enqueue(self.queue.as_ref())
            .await
            .map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// The leads written since `since` (`true`), and those whose
    /// conversation or appointments were (`false`: a booking does not
    /// always write its lead).
    async fn changed_since(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Lead, bool)>, StoreError> {
        let leads = self.stores.leads.all_changed_leads(tenant, since).await?;
        let seen: BTreeSet<_> = leads.iter().map(|l| l.id).collect();
        let mut leads: Vec<(Lead, bool)> = leads.into_iter().map(|l| (l, true)).collect();
        let active = self
            .stores
            .analytics
            .leads_active_since(tenant, since)
            .await?;
        for id in active.difference(&seen) {
            if let Some(lead) = self.stores.leads.get_lead(tenant, *id).await? {
                leads.push((lead, false));
            }
        }
        Ok(leads)
    }

    /// Whether a stage the lead has reached, still inside Meta's window,
    /// has not been sent yet.
    async fn owes_stages(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        appointments: &[Appointment],
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        for reached in meta_stages::stages_reached(lead, appointments) {
            if !meta_stages::within_window(reached.at, now) {
                continue;
            }
            let key = meta_stages::claim_key(lead, reached.stage);
            let sent = self.stores.claims.get_claim(tenant, &key).await?;
            if sent.is_none_or(|c| c.state != ClaimState::Done) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Whether the lead's stages go to Meta: a Lead Ads lead of a page whose
/// dataset is connected.
fn sends_stages(dealership: &Dealership, lead: &Lead) -> bool {
    meta_stages::leadgen_id(lead).is_some()
        && meta_stages::dataset_page(lead, &dealership.capture.conversions_pages).is_some()
}
