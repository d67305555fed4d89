//! What a dealership's subscription includes. A tier has the features of
//! the tiers below it; a trial has every feature, so a new dealership can
//! try what it would buy; a cancelled subscription has Starter's.
//!
//! Settings refuse to turn on what the plan lacks (402
//! `plan_upgrade_required`, with a Norwegian message the dashboard shows),
//! and a change of plan turns off what the new one lacks
//! ([`Dealership::fit_to_plan`]), so what is on is always within the plan.

use serde::Serialize;
use utoipa::ToSchema;

use super::conversation::ConversationMode;
use super::dealership::{Dealership, SubscriptionStatus, SubscriptionTier};
use crate::error::DomainError;

/// A feature that only some plans include.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Feature {
    /// Replies and follow-ups by SMS.
    Sms,
    /// The AI answering customers on its own (`conversation.mode: auto`).
    AutoConversation,
    /// Signed webhooks to the dealership's own systems.
    Webhooks,
    /// New leads as ADF email to the dealer system.
    AdfExport,
    /// Lead stages back to Meta's Conversions API.
    MetaConversions,
}

impl Feature {
    pub const ALL: [Feature; 5] = [
        Feature::Sms,
        Feature::AutoConversation,
        Feature::Webhooks,
        Feature::AdfExport,
        Feature::MetaConversions,
    ];

    /// The lowest tier that includes it.
    pub fn tier(self) -> SubscriptionTier {
        match self {
            Feature::Sms | Feature::AutoConversation | Feature::MetaConversions => {
                SubscriptionTier::Professional
            }
            // Integrations with the dealership's own systems.
            Feature::Webhooks | Feature::AdfExport => SubscriptionTier::Enterprise,
        }
    }

    /// As the dashboard names it.
    pub fn label(self) -> &'static str {
        match self {
            Feature::Sms => "SMS",
            Feature::AutoConversation => "Automatiske AI-svar",
            Feature::Webhooks => "Webhooks",
            Feature::AdfExport => "ADF til forhandlersystemet",
            Feature::MetaConversions => "Lead-steg til Meta",
        }
    }
}

pub fn tier_name(tier: SubscriptionTier) -> &'static str {
    match tier {
        SubscriptionTier::Starter => "Starter",
        SubscriptionTier::Professional => "Professional",
        SubscriptionTier::Enterprise => "Enterprise",
    }
}

/// The 402 for turning on a feature the plan lacks.
pub fn upgrade_required(feature: Feature) -> DomainError {
    DomainError::PaymentRequired {
        code: "plan_upgrade_required",
        message: format!(
            "{} er med i {}-abonnementet. Oppgrader abonnementet for å slå det på.",
            feature.label(),
            tier_name(feature.tier())
        ),
    }
}

impl Dealership {
    /// The tier whose features the dealership has now.
    pub fn effective_tier(&self) -> SubscriptionTier {
        match self.subscription_status {
            SubscriptionStatus::Active => self.subscription_tier,
            SubscriptionStatus::Trial => SubscriptionTier::Enterprise,
            SubscriptionStatus::Cancelled => SubscriptionTier::Starter,
        }
    }

    pub fn allows(&self, feature: Feature) -> bool {
        self.effective_tier() >= feature.tier()
    }

    /// The features this dealership has turned on.
    pub fn features_on(&self) -> Vec<Feature> {
        Feature::ALL
            .into_iter()
            .filter(|f| match f {
                Feature::Sms => self.reply.sms_enabled,
                Feature::AutoConversation => self.conversation.mode == ConversationMode::Auto,
                Feature::Webhooks => self.webhooks.iter().any(|w| w.enabled),
                Feature::AdfExport => self.adf_email.is_some(),
                Feature::MetaConversions => !self.capture.conversions_pages.is_empty(),
            })
            .collect()
    }

    /// Turns off what the plan does not include (after a change of plan);
    /// returns what it turned off. Nothing is deleted: an upgrade lets the
    /// admin turn each back on (the Conversions API needs its token again).
    pub fn fit_to_plan(&mut self) -> Vec<Feature> {
        let off: Vec<Feature> = self
            .features_on()
            .into_iter()
            .filter(|f| !self.allows(*f))
            .collect();
        for feature in &off {
            match feature {
                Feature::Sms => self.reply.sms_enabled = false,
                // Drafts for a person to send, rather than nothing.
                Feature::AutoConversation => self.conversation.mode = ConversationMode::Draft,
                Feature::Webhooks => {
                    for w in self.webhooks.iter_mut().filter(|w| w.enabled) {
                        w.enabled = false;
                        w.disabled_reason = Some("Ikke med i abonnementet".into());
                    }
                }
                Feature::AdfExport => self.adf_email = None,
                Feature::MetaConversions => self.capture.conversions_pages.clear(),
            }
        }
        off
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dealership(tier: SubscriptionTier, status: SubscriptionStatus) -> Dealership {
        let mut d = super::super::dealership::sample("Bil Plan");
        d.subscription_tier = tier;
        d.subscription_status = status;
        d
    }

    #[test]
    fn a_trial_has_every_feature_and_a_cancelled_plan_starter_s() {
        use SubscriptionStatus::*;
        use SubscriptionTier::*;
        assert!(!dealership(Starter, Active).allows(Feature::Sms));
        assert!(dealership(Starter, Trial).allows(Feature::Webhooks));
        assert!(dealership(Professional, Active).allows(Feature::Sms));
        assert!(!dealership(Professional, Active).allows(Feature::Webhooks));
        assert!(dealership(Enterprise, Active).allows(Feature::AdfExport));
        assert!(!dealership(Enterprise, Cancelled).allows(Feature::Sms));
    }

    #[test]
    fn a_downgrade_turns_off_what_the_plan_lacks_and_keeps_the_rest() {
        let mut d = dealership(SubscriptionTier::Enterprise, SubscriptionStatus::Active);
        d.reply.sms_enabled = true;
        d.conversation.mode = ConversationMode::Auto;
        d.adf_email = Some("dms@example.no".into());
        assert_eq!(d.fit_to_plan(), Vec::<Feature>::new());
        d.subscription_tier = SubscriptionTier::Starter;
        assert_eq!(
            d.fit_to_plan(),
            [Feature::Sms, Feature::AutoConversation, Feature::AdfExport]
        );
        assert!(!d.reply.sms_enabled);
        assert_eq!(d.conversation.mode, ConversationMode::Draft);
        assert_eq!(d.adf_email, None);
        assert!(d.features_on().is_empty());
    }

    #[test]
    fn the_refusal_names_the_feature_and_the_plan_in_norwegian() {
        let DomainError::PaymentRequired { code, message } = upgrade_required(Feature::Sms) else {
            panic!("not a 402");
        };
        assert_eq!(code, "plan_upgrade_required");
        assert_eq!(
            message,
            "SMS er med i Professional-abonnementet. Oppgrader abonnementet for å slå det på."
        );
    }
}
