//! What a turn decides: the model's answer when it is safe and nothing
//! calls for a person, a handover otherwise (two attempts at most), and
//! the record of why.

use std::time::Instant;

use serde_json::{Value, json};

use super::Turns;
use super::rules::{ai_turns_in_a_row, customer_words_since_we_wrote};
use crate::ai::turn::TurnIntent;
use crate::ai::{ReplyContext, guardrails, handover, prompt, turn};
use crate::ids::MessageId;
use crate::metrics::Metric;
use crate::model::{Dealership, HandoverReason, Lead};
use crate::service::handover::HandoverDecision;

/// What the turn decided, with the record of why.
pub(super) enum Decision {
    Answer {
        text: String,
        why: Value,
        /// What the customer wants and any time they named: a visit is
        /// booked or offered.
        intent: TurnIntent,
        proposed: Option<chrono::NaiveDateTime>,
    },
    HandOver {
        decision: HandoverDecision,
        why: Value,
    },
    /// Nothing to say, and why.
    Quiet(&'static str),
}

impl Turns<'_> {
    /// The model's answer when it is safe and no trigger calls for a
    /// person; a handover otherwise. Two attempts at most.
    pub(super) async fn decide(
        &self,
        ctx: &ReplyContext,
        dealership: &Dealership,
        lead: &Lead,
        answers: MessageId,
    ) -> Decision {
        let settings = &dealership.conversation;
        let triggers = &settings.handover;
        let latest_words = customer_words_since_we_wrote(&ctx.conversation);
        let rule_reason = handover::from_customer(&latest_words).filter(|r| triggers.allows(*r));
        let mut why = json!({
            "answers": answers,
            "language": ctx.language,
            "facts": facts_used(ctx),
            "guardrail": Value::Null,
            "handover": Value::Null,
        });
        let hand_over = |reason: HandoverReason,
                         detail: Option<String>,
                         summary: Option<String>,
                         by: &str,
                         mut why: Value| {
            why["handover"] = json!({"reason": reason, "by": by, "detail": detail});
            Decision::HandOver {
                decision: HandoverDecision {
                    reason,
                    summary: summary
                        .unwrap_or_else(|| handover::plain_summary(ctx, reason, detail.as_deref())),
                    detail,
                    answers: Some(answers),
                },
                why,
            }
        };

        let turns_in_a_row = ai_turns_in_a_row(&ctx.conversation, lead);
        if turns_in_a_row >= settings.max_ai_turns as usize && triggers.no_progress {
            let detail = format!("{turns_in_a_row} AI-svar på rad uten at en selger har vært inne");
            return hand_over(HandoverReason::NoProgress, Some(detail), None, "rule", why);
        }
        let Some(model) = self.model else {
            // Without a model the team's reply notice is the answer; only
            // the customer's own words can still call for a handover.
            // A visit at a time they name can still be booked: the reader
            // in `booking::when` needs no model, and code writes the answer.
            return match rule_reason {
                Some(reason) => hand_over(reason, None, None, "rule", why),
                None if super::booking::asks_for_visit(&latest_words, ctx.now) => {
                    why["guardrail"] = json!({"passed": true, "written_by": "code"});
                    why["intent"] = json!(TurnIntent::BookingTime);
                    Decision::Answer {
                        text: String::new(),
                        why,
                        intent: TurnIntent::BookingTime,
                        proposed: None,
                    }
                }
                None => Decision::Quiet("no model is configured"),
            };
        };

        let request = prompt::conversation_turn(ctx, model.model_id());
        let mut rejections: Vec<String> = Vec::new();
        for attempt in 1..=2u32 {
            let started = Instant::now();
            let answer = match model.complete(&request, self.attempt_budget).await {
                Ok(a) => a,
                Err(e) => {
                    // The adapter retried within its budget: the model is down.
                    rejections.push(e.to_string());
                    break;
                }
            };
            why["model"] = json!({
                "model": answer.model,
                "prompt_version": request.prompt_version,
                "input_tokens": answer.input_tokens,
                "output_tokens": answer.output_tokens,
                "latency_ms": started.elapsed().as_millis() as u64,
                "attempt": attempt,
            });
            let read = match turn::read(answer.structured.as_ref()) {
                Ok(read) => read,
                Err(e) => {
                    rejections.push(e.to_string());
                    continue;
                }
            };
            why["intent"] = json!(read.intent);
            if let Some(t) = read.proposed_time {
                why["proposed_time"] = json!(t.format("%Y-%m-%dT%H:%M").to_string());
            }
            let model_reason = read
                .intent
                .handover()
                .or(read.needs_human.then_some(HandoverReason::ModelAsked))
                .filter(|r| triggers.allows(*r));
            if let Some(reason) = rule_reason.or(model_reason) {
                let by = if rule_reason.is_some() {
                    "rule"
                } else {
                    "model"
                };
                return hand_over(reason, read.handover_reason, read.summary, by, why);
            }
            let verdict = if answer.truncated {
                Err(guardrails::Rejection::Truncated)
            } else {
                guardrails::check_turn(&read.reply, ctx)
            };
            match verdict {
                Ok(()) => {
                    why["guardrail"] = json!({"passed": true, "rejected_before": rejections});
                    return Decision::Answer {
                        text: read.reply,
                        why,
                        intent: read.intent,
                        proposed: read.proposed_time,
                    };
                }
                Err(rejection) => {
                    Metric::count("GuardrailRejections", 1)
                        .property("dealership_id", ctx.dealership.id.to_string())
                        .property("rule", rejection.to_string())
                        .emit();
                    rejections.push(format!("guardrail: {rejection}"));
                }
            }
        }
        why["guardrail"] = json!({"passed": false, "rejected": rejections});
        let reason = rule_reason.unwrap_or(HandoverReason::ModelFailed);
        hand_over(reason, Some(rejections.join("; ")), None, "rule", why)
    }
}

/// What the model was shown, for "Hvorfor?".
fn facts_used(ctx: &ReplyContext) -> Value {
    json!({
        "vehicles": ctx.vehicles.iter().map(crate::ai::context::vehicle_line).collect::<Vec<_>>(),
        "open_now": ctx.open_now(),
        "next_opening": ctx.next_opening_text(),
        "messages": ctx.conversation.len(),
    })
}
