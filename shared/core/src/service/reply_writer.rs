//! Writing a reply: what it may draw on ([`reply_context`]), which channel
//! an automatic one takes, and the text — the model's when one is
//! configured and its answer passes the guardrails, otherwise the template.
//! The responder, the follow-up runner, the dry run and the rep's "draft a
//! reply" all write through here.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::ai::language::{self, ReplyLanguage};
use crate::ai::{ReplyContext, ReplyModel, fallback, guardrails, prompt};
use crate::metrics::{Metric, Unit};
use crate::model::{Channel, Lead, Message, VehicleStatus};
use crate::ports::{StoreError, Stores};
use crate::tenancy::TenantId;

/// Where an automatic reply can go: email first, SMS when the dealership
/// sends SMS to the customer's country.
pub fn reply_channel(
    lead: &Lead,
    reply: &crate::model::dealership::ReplySettings,
) -> Option<Channel> {
    if lead.customer_email.is_some() {
        Some(Channel::Email)
    } else if lead
        .customer_phone
        .as_deref()
        .is_some_and(|p| reply.may_text_automatically(p))
    {
        Some(Channel::Sms)
    } else {
        None
    }
}

/// What the reply may draw on: the dealership, the lead, its conversation
/// (without the team's notes, which the model never sees) and up to three
/// available cars matching the interest.
pub async fn reply_context(
    stores: &Stores,
    tenant: &TenantId,
    dealership: &crate::model::Dealership,
    lead: &Lead,
    conversation: Vec<Message>,
    channel: Channel,
    now: DateTime<Utc>,
) -> Result<ReplyContext, StoreError> {
    let customer_texts: Vec<String> = conversation
        .iter()
        .filter(|m| m.sender_type == crate::model::SenderType::Customer)
        .map(|m| m.message_content.clone())
        .collect();
    Ok(ReplyContext {
        vehicles: matching_stock(stores, tenant, lead).await?,
        dealership: dealership.clone(),
        lead: lead.clone(),
        conversation: conversation
            .into_iter()
            .filter(Message::is_with_customer)
            .collect(),
        now,
        channel,
        language: language::for_customer(
            lead.initial_message
                .iter()
                .map(String::as_str)
                .chain(customer_texts.iter().map(String::as_str)),
            dealership.conversation.language,
        ),
        appointments: stores
            .appointments
            .appointments_of_lead(tenant, lead.id)
            .await?
            .into_iter()
            .filter(|a| a.status == crate::model::AppointmentStatus::Booked && a.end > now)
            .collect(),
    })
}

/// The cars in stock a reply about this lead may mention (at most three,
/// best match first): what the model is shown, and what the rep sees next
/// to the lead, by the same rule.
pub async fn matching_stock(
    stores: &Stores,
    tenant: &TenantId,
    lead: &Lead,
) -> Result<Vec<crate::model::Vehicle>, StoreError> {
    let stock = stores
        .vehicles
        .list_vehicles(tenant, Some(VehicleStatus::Available), None, 500)
        .await?;
    Ok(crate::ai::context::matching_vehicles(
        &stock,
        lead.vehicle_interest.as_deref(),
        3,
    ))
}

/// The reply text and what to record about how it was written.
pub struct Written {
    pub text: String,
    pub metadata: serde_json::Value,
    /// The template is Norwegian whatever the customer wrote.
    pub language: ReplyLanguage,
}

impl Written {
    pub fn is_fallback(&self) -> bool {
        self.metadata["fallback"] == true
    }
}

/// The model's reply when it passes the guardrails, else the template.
pub async fn write_reply(
    model: Option<&dyn ReplyModel>,
    budget: Duration,
    ctx: &ReplyContext,
) -> Written {
    write(model, budget, ctx, prompt::Purpose::FirstReply).await
}

/// The model's follow-up when it passes the guardrails, else the template.
pub async fn write_follow_up(
    model: Option<&dyn ReplyModel>,
    budget: Duration,
    ctx: &ReplyContext,
) -> Written {
    write(model, budget, ctx, prompt::Purpose::FollowUp).await
}

async fn write(
    model: Option<&dyn ReplyModel>,
    budget: Duration,
    ctx: &ReplyContext,
    purpose: prompt::Purpose,
) -> Written {
    let dealership = ctx.dealership.id.to_string();
    let fallback = |reason: String| {
        Metric::count("AiFallbacks", 1)
            .property("dealership_id", dealership.clone())
            .property("reason", reason.clone())
            .emit();
        Written {
            text: match purpose {
                prompt::Purpose::FirstReply => fallback::first_reply(ctx),
                prompt::Purpose::FollowUp => fallback::follow_up(ctx),
            },
            metadata: serde_json::json!({
                "prompt_version": fallback::TEMPLATE_VERSION,
                "fallback": true,
                "fallback_reason": reason,
            }),
            language: ctx.dealership.conversation.language.into(),
        }
    };
    let Some(model) = model else {
        return fallback("no model configured".into());
    };
    let request = match purpose {
        prompt::Purpose::FirstReply => prompt::first_reply(ctx, model.model_id()),
        prompt::Purpose::FollowUp => prompt::follow_up(ctx, model.model_id()),
    };
    let started = Instant::now();
    let answer = model.complete(&request, budget).await;
    let latency = started.elapsed();
    Metric::new("AiLatency", latency.as_millis() as f64, Unit::Milliseconds)
        .property("dealership_id", dealership.clone())
        .emit();
    let answer = match answer {
        Ok(a) => a,
        Err(e) => return fallback(e.to_string()),
    };
    let verdict = if answer.truncated {
        Err(guardrails::Rejection::Truncated)
    } else {
        guardrails::check(&answer.text, ctx)
    };
    if let Err(rejection) = verdict {
        Metric::count("GuardrailRejections", 1)
            .property("dealership_id", dealership.clone())
            .property("rule", rejection.to_string())
            .emit();
        return fallback(format!("guardrail: {rejection}"));
    }
    Written {
        text: answer.text.trim().to_string(),
        metadata: serde_json::json!({
            "prompt_version": request.prompt_version,
            "model": answer.model,
            "fallback": false,
            "input_tokens": answer.input_tokens,
            "output_tokens": answer.output_tokens,
            "latency_ms": latency.as_millis() as u64,
        }),
        language: ctx.language,
    }
}
