//! `api-ai`: analyse a lead again on request, and draft a reply for a rep to
//! edit. Both use the reply engine's prompts and guardrails; neither sends
//! anything.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::MAX_WRITE_ATTEMPTS;
use super::lead_records::load_live;
use super::reply_writer::{reply_context, write_reply};
use crate::ai::{LeadAnalysis, ReplyModel, analyse, analysis, prompt};
use crate::error::{DEALERSHIP_NOT_FOUND, DomainError, DomainResult};
use crate::ids::LeadId;
use crate::model::Lead;
use crate::permissions::{Actor, Permission};
use crate::ports::{StoreError, Stores};

/// Recomputes the lead's analysis (heuristic, refined by the model when one
/// answers well) and stores it with the score.
pub async fn analyze_lead(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    model: Option<&dyn ReplyModel>,
    budget: Duration,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    actor.require(Permission::WriteLeads)?;
    let lead = load_live(stores, &actor.tenant, id).await?;
    let heuristic = analyse(&lead);
    let mut result = heuristic.clone();
    if let Some(model) = model {
        let request = prompt::analysis(&lead, &heuristic, model.model_id());
        match model.complete(&request, budget).await {
            Ok(answer) => {
                if let Some(refined) = analysis::refine(&heuristic, &answer.text, &answer.model) {
                    result = refined;
                }
            }
            Err(e) => tracing::info!(error = %e, "analysis without the model"),
        }
    }
    store_analysis(stores, actor, id, result, now).await
}

async fn store_analysis(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    analysis: LeadAnalysis,
    now: DateTime<Utc>,
) -> DomainResult<Lead> {
    for _ in 0..MAX_WRITE_ATTEMPTS {
        let mut lead = load_live(stores, &actor.tenant, id).await?;
        lead.lead_score = Some(analysis.lead_score);
        lead.analysis = Some(analysis.clone());
        lead.version += 1;
        lead.updated_at = now;
        match stores.leads.update_lead(&actor.tenant, &lead).await {
            Ok(()) => return Ok(lead),
            Err(StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(DomainError::Conflict {
        code: "lead_busy",
        message: "The lead kept changing; try again".into(),
    })
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Draft {
    /// The suggested reply, signature included; edit before sending.
    pub text: String,
    /// `true` when the template wrote it (no model, or the model's answer
    /// failed a guardrail).
    pub fallback: bool,
    pub prompt_version: String,
    /// Why the template was used, when it was.
    pub fallback_reason: Option<String>,
}

pub async fn draft_reply(
    stores: &Stores,
    actor: &Actor,
    id: LeadId,
    channel: Option<crate::model::Channel>,
    model: Option<&dyn ReplyModel>,
    budget: Duration,
    now: DateTime<Utc>,
) -> DomainResult<Draft> {
    actor.require(Permission::WriteLeads)?;
    if channel
        .is_some_and(|c| !matches!(c, crate::model::Channel::Email | crate::model::Channel::Sms))
    {
        let mut e = crate::validation::FieldErrors::new();
        e.add("channel", "must be email or sms");
        return Err(e.into());
    }
    let lead = load_live(stores, &actor.tenant, id).await?;
    let dealership = stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    let conversation = stores
        .conversations
        .list_messages(&actor.tenant, id, None, 200)
        .await?;
    // The rep's chosen channel, else the one the automatic reply would use.
    let channel = channel
        .or_else(|| super::reply_writer::reply_channel(&lead, &dealership.reply))
        .unwrap_or(crate::model::Channel::Email);
    let ctx = reply_context(
        stores,
        &actor.tenant,
        &dealership,
        &lead,
        conversation,
        channel,
        now,
    )
    .await?;
    let written = write_reply(model, budget, &ctx).await;
    Ok(Draft {
        text: ctx.signed_in(&written.text, written.language),
        fallback: written.is_fallback(),
        prompt_version: written.metadata["prompt_version"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        fallback_reason: written.metadata["fallback_reason"]
            .as_str()
            .map(str::to_string),
    })
}
