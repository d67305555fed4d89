//! Lead stages to Meta's Conversions API, once per lead and stage: each
//! stage is claimed (`capi:<lead>:<stage>`) before the call and marked done
//! after it. A second job for the same lead finds the claims and sends
//! nothing; a job whose holder crashed mid-call sends again after the
//! claim's lease, and Meta drops the repeat by its `event_id`.

use chrono::{DateTime, Utc};

use super::EventSender;
use crate::ids::LeadId;
use crate::integrations::meta_stages::{self, ConversionsError, DatasetAccess, ReachedStage};
use crate::jobs::JobError;
use crate::model::Lead;
use crate::outbound::claims::{self, ClaimRecord, ClaimState, Taken};
use crate::tenancy::TenantId;

impl EventSender {
    /// Sends the stages the lead has reached that Meta has not had, oldest
    /// first, in one request.
    pub async fn send_stages(
        &self,
        tenant: &TenantId,
        lead_id: LeadId,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        let Some(lead) = self.stores.leads.get_lead(tenant, lead_id).await? else {
            return Ok(());
        };
        let Some(dealership) = self.stores.dealerships.get_dealership(tenant).await? else {
            return Ok(());
        };
        // Disconnected, or not a Lead Ads lead: nothing is owed.
        let (Some(leadgen_id), Some(page)) = (
            meta_stages::leadgen_id(&lead),
            meta_stages::dataset_page(&lead, &dealership.capture.conversions_pages),
        ) else {
            return Ok(());
        };
        let appointments = self
            .stores
            .appointments
            .appointments_of_lead(tenant, lead.id)
            .await?;
        let owed: Vec<ReachedStage> = meta_stages::stages_reached(&lead, &appointments)
            .into_iter()
            .filter(|r| meta_stages::within_window(r.at, now))
            .collect();
        let claimed = self.claim_stages(tenant, &lead, &owed, now).await?;
        if claimed.is_empty() {
            return Ok(());
        }
        let events: Vec<_> = claimed
            .iter()
            .filter_map(|(reached, _)| meta_stages::stage_event(&lead, leadgen_id, *reached))
            .collect();
        let access = match self.access(tenant, page).await {
            Ok(access) => access,
            Err(e) => {
                self.release_stages(tenant, &claimed).await;
                return Err(e);
            }
        };
        match self.conversions.send_events(&access, &events).await {
            Ok(received) => {
                for (_, record) in &claimed {
                    let mut done = record.clone();
                    done.state = ClaimState::Done;
                    done.updated_at = now;
                    done.detail = Some(format!("Meta received {received} event(s)"));
                    self.stores
                        .claims
                        .update_claim(tenant, &done, record.claimed_at)
                        .await?;
                }
                tracing::info!(lead_id = %lead.id, stages = ?events.iter().map(|e| e.event_name.as_str()).collect::<Vec<_>>(), "lead stages sent to Meta");
                Ok(())
            }
            Err(e @ ConversionsError::Transient(_)) => {
                self.release_stages(tenant, &claimed).await;
                Err(JobError::Retry(e.to_string()))
            }
            Err(e @ ConversionsError::TokenRejected(_)) => {
                self.release_stages(tenant, &claimed).await;
                Err(JobError::Dead(format!(
                    "{e} (page {page}): connect the Conversions API again in Innstillinger, then redrive"
                )))
            }
            Err(e @ ConversionsError::Permanent(_)) => {
                for (_, record) in &claimed {
                    let mut failed = record.clone();
                    failed.state = ClaimState::Failed;
                    failed.updated_at = now;
                    failed.detail = Some(e.to_string());
                    self.stores
                        .claims
                        .update_claim(tenant, &failed, record.claimed_at)
                        .await?;
                }
                Err(JobError::Dead(e.to_string()))
            }
        }
    }

    /// Claims each owed stage not yet sent; returns those this delivery now
    /// holds. A stage another delivery is sending right now makes this one
    /// wait for a retry, so the stages still go in order.
    async fn claim_stages(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        owed: &[ReachedStage],
        now: DateTime<Utc>,
    ) -> Result<Vec<(ReachedStage, ClaimRecord)>, JobError> {
        let mut held = Vec::new();
        for reached in owed {
            let key = meta_stages::claim_key(lead, reached.stage);
            let record = ClaimRecord::new(key, reached.stage.as_str(), now);
            let taken = match claims::take(&self.stores, tenant, record, now).await? {
                Taken::Mine(record) => Some(record),
                Taken::Done => None,
                Taken::Busy => {
                    self.release_stages(tenant, &held).await;
                    return Err(JobError::Retry(format!(
                        "lead {}: another delivery is sending its stages",
                        lead.id
                    )));
                }
            };
            if let Some(record) = taken {
                held.push((*reached, record));
            }
        }
        Ok(held)
    }

    /// Gives claims back so the next delivery sends them.
    async fn release_stages(&self, tenant: &TenantId, held: &[(ReachedStage, ClaimRecord)]) {
        for (_, record) in held {
            if let Err(e) = self
                .stores
                .claims
                .release_claim(tenant, &record.key, record.claimed_at)
                .await
            {
                // Left as it is, the claim lapses after its lease.
                tracing::warn!(key = %record.key, error = %e, "could not release a stage claim");
            }
        }
    }

    async fn access(&self, tenant: &TenantId, page: &str) -> Result<DatasetAccess, JobError> {
        let name = meta_stages::dataset_secret(tenant.dealership_id(), page);
        let stored = self
            .secrets
            .secret(&name)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?
            .ok_or_else(|| {
                JobError::Dead(format!(
                    "no Conversions API access stored for Facebook page {page}: connect it again in Innstillinger"
                ))
            })?;
        serde_json::from_str(&stored).map_err(|e| {
            JobError::Dead(format!(
                "the Conversions API access for page {page} is not readable ({e}): connect it again"
            ))
        })
    }
}
