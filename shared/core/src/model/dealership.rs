use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use std::collections::BTreeMap;

use crate::capture::facebook::QuestionTarget;
use crate::ids::DealershipId;
use crate::validation::{self, FieldErrors};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Dealership {
    pub id: DealershipId,
    pub name: String,
    /// URL-safe short name, unique across the platform (`bilsenteret-drammen`).
    pub slug: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// The Clerk organisation whose members work for this dealership.
    pub clerk_org_id: Option<String>,
    pub subscription_status: SubscriptionStatus,
    pub subscription_tier: SubscriptionTier,
    pub opening_hours: OpeningHours,
    /// Days that differ from the week (holidays, late openings).
    #[serde(default)]
    pub opening_exceptions: Vec<OpeningException>,
    /// Logo and colour for the dashboard and the emails.
    #[serde(default)]
    pub branding: Branding,
    /// IANA zone; every dealership is in Norway today.
    pub time_zone: String,
    /// The key in the dealership's website-form URL (`/webhooks/form/{form_key}`).
    pub form_key: String,
    /// Where importer portals send this dealership's lead emails.
    pub inbound_email: String,
    /// How leads reach the dealership: form origins, Facebook, IMAP.
    #[serde(default)]
    pub capture: CaptureSettings,
    /// How replies are written and sent.
    #[serde(default)]
    pub reply: ReplySettings,
    /// What the AI does after its first reply.
    #[serde(default)]
    pub conversation: super::conversation::ConversationSettings,
    /// Test drives, viewings and trade-in valuations customers can book.
    #[serde(default)]
    pub booking: crate::booking::slots::BookingSettings,
    /// How soon a person must answer, and what happens when they do not.
    #[serde(default)]
    pub response_targets: crate::automation::response_clock::ResponseTargets,
    /// Tags, canned replies and shared views (managers keep them).
    #[serde(default)]
    pub inbox: super::inbox::InboxSetup,
    /// Signed webhooks to the dealership's own systems (an admin's, in
    /// Innstillinger → Integrasjoner).
    #[serde(default)]
    pub webhooks: Vec<crate::integrations::webhooks::WebhookEndpoint>,
    /// Where each new lead goes as an ADF 1.0 email (the dealer management
    /// system's import address); none: no ADF.
    #[serde(default)]
    pub adf_email: Option<String>,
    /// The dealership's stock feed, fetched every hour.
    #[serde(default)]
    pub inventory_feed: Option<crate::inventory::InventoryFeed>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The voice and channels of the dealership's replies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReplySettings {
    /// Closing lines under every reply (name, title, phone …). Without one,
    /// the dealership's name, phone and address are used.
    pub signature: Option<String>,
    /// How replies should sound, in a few words ("varm og uformell").
    pub tone: Option<String>,
    /// Send SMS to leads that left a mobile number but no email.
    pub sms_enabled: bool,
    /// The dealership's SMS number (E.164) replies are sent from and
    /// customers text back to; without one the platform's sender is used.
    pub sms_number: Option<String>,
    /// Who hears about new leads and customer replies when no rep is assigned.
    pub notify_emails: Vec<String>,
    /// What else the model should keep to ("bruk du-form", "nevn aldri
    /// priser"): a few sentences, in Norwegian.
    pub language_hints: Option<String>,
    /// The name customers see as the sender of emails (the dealership's
    /// name when unset).
    pub sender_name: Option<String>,
    /// When follow-ups may message customers.
    pub quiet_hours: crate::automation::QuietHours,
    /// Country calling codes ("47", "46") that automatic SMS (first replies,
    /// follow-ups) may go to; a rep may still text any number by hand. SMS
    /// abroad costs more and invites abuse of the public form.
    pub sms_countries: Vec<String>,
}

impl Default for ReplySettings {
    fn default() -> Self {
        Self {
            signature: None,
            tone: None,
            sms_enabled: false,
            sms_number: None,
            notify_emails: Vec::new(),
            language_hints: None,
            sender_name: None,
            quiet_hours: Default::default(),
            sms_countries: vec!["47".into()],
        }
    }
}

impl ReplySettings {
    /// Whether an automatic SMS may go to `phone`: SMS on, a mobile, and a
    /// country the dealership allows.
    pub fn may_text_automatically(&self, phone: &str) -> bool {
        self.sms_enabled
            && crate::phone::is_mobile(phone)
            && crate::phone::country_code(phone).is_some_and(|c| self.sms_countries.contains(&c))
    }
}

/// The dealership's lead channels.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct CaptureSettings {
    /// Origins (`https://www.example.no`) whose pages may post the website
    /// form from a browser. Empty: any origin (the form key is public anyway).
    pub allowed_origins: Vec<String>,
    /// Where a plain HTML form post (no JavaScript) is sent after it is
    /// accepted (303). Without one, the post is answered with JSON.
    pub thank_you_url: Option<String>,
    /// Facebook Lead Ads custom question key → lead field.
    pub facebook_questions: BTreeMap<String, QuestionTarget>,
    /// A mailbox the IMAP poller reads for this dealership.
    pub imap: Option<ImapAccount>,
    /// Facebook pages whose Lead Ads come here (their tokens are in the
    /// secret store, never in this record).
    pub facebook_pages: Vec<String>,
    /// Connected pages whose leads' stages go back to Meta's Conversions
    /// API (the dataset id and its token are in the secret store).
    #[schema(read_only)]
    pub conversions_pages: Vec<String>,
    /// SHA-256 of the key set in the dealership's Google Ads lead forms
    /// (the key itself is shown once, when it is made). None: Google lead
    /// forms are not set up and their deliveries are refused.
    #[schema(read_only)]
    pub google_key_hash: Option<String>,
    /// Google lead form custom question id → lead field.
    pub google_questions: BTreeMap<String, QuestionTarget>,
}

impl CaptureSettings {
    pub fn origin_allowed(&self, origin: &str) -> bool {
        let origin = origin.trim_end_matches('/');
        self.allowed_origins.is_empty()
            || self
                .allowed_origins
                .iter()
                .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImapAccount {
    pub host: String,
    pub port: u16,
    /// Implicit TLS (993). `false` only for a server on loopback.
    pub tls: bool,
    pub username: String,
    /// The secret-store name of the password, e.g. `imap/<slug>`.
    pub password_secret: String,
    #[serde(default = "inbox")]
    pub mailbox: String,
}

fn inbox() -> String {
    "INBOX".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionStatus {
    Active,
    Trial,
    Cancelled,
}

/// Ordered: each tier has what the one before it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubscriptionTier {
    Starter,
    Professional,
    Enterprise,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Branding {
    pub logo_url: Option<String>,
    /// `#RRGGBB`
    pub brand_colour: Option<String>,
}

/// A date whose hours differ from the weekly ones: closed (no times) or
/// open `opens`–`closes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningException {
    #[schema(value_type = String, example = "2026-12-24")]
    pub date: chrono::NaiveDate,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "10:00")]
    pub opens: Option<NaiveTime>,
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "13:00")]
    pub closes: Option<NaiveTime>,
    /// "Julaften", shown to staff.
    #[serde(default)]
    pub note: Option<String>,
}

impl OpeningException {
    /// The day's one interval, or `None` when closed.
    pub fn interval(&self) -> Option<(NaiveTime, NaiveTime)> {
        self.opens.zip(self.closes)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

/// One opening interval, in the dealership's local (Europe/Oslo) time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpeningSlot {
    pub day: Weekday,
    /// `HH:MM`
    #[schema(value_type = String, example = "09:00")]
    pub opens: NaiveTime,
    /// `HH:MM`
    #[schema(value_type = String, example = "17:00")]
    pub closes: NaiveTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct OpeningHours(pub Vec<OpeningSlot>);

impl OpeningHours {
    /// Weekdays 09–17, Saturday 10–15: what most Norwegian dealers keep.
    pub fn typical() -> Self {
        use Weekday::*;
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).expect("valid hour");
        let mut slots: Vec<OpeningSlot> = [Monday, Tuesday, Wednesday, Thursday, Friday]
            .into_iter()
            .map(|day| OpeningSlot {
                day,
                opens: t(9),
                closes: t(17),
            })
            .collect();
        slots.push(OpeningSlot {
            day: Saturday,
            opens: t(10),
            closes: t(15),
        });
        OpeningHours(slots)
    }

    /// Open every day of the week from `opens` to `closes`.
    pub fn every_day(opens: NaiveTime, closes: NaiveTime) -> Self {
        use Weekday::*;
        OpeningHours(
            [
                Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
            ]
            .into_iter()
            .map(|day| OpeningSlot { day, opens, closes })
            .collect(),
        )
    }

    pub fn validate(&self, field: &str, errors: &mut FieldErrors) {
        for (i, slot) in self.0.iter().enumerate() {
            if slot.opens >= slot.closes {
                errors.add(&format!("{field}[{i}]"), "opens must be before closes");
            }
        }
    }
}

/// What an operator gives to create a dealership; the rest is generated.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDealership {
    pub name: String,
    pub slug: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub clerk_org_id: Option<String>,
    pub subscription_tier: Option<SubscriptionTier>,
    pub opening_hours: Option<OpeningHours>,
}

/// A validated [`NewDealership`].
pub struct ValidDealership {
    pub name: String,
    pub slug: String,
    pub email: String,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub clerk_org_id: Option<String>,
    pub subscription_tier: SubscriptionTier,
    pub opening_hours: OpeningHours,
}

impl NewDealership {
    pub fn validate(self) -> Result<ValidDealership, FieldErrors> {
        let mut e = FieldErrors::new();
        let name = e.check(validation::required_text("name", Some(&self.name), 200));
        let slug = e.check(validation::slug("slug", &self.slug));
        let email = e.check(validation::email("email", &self.email));
        let phone = self
            .phone
            .as_deref()
            .and_then(|p| e.check(validation::phone("phone", p)));
        let address = e
            .check(validation::address("address", self.address.as_deref()))
            .flatten();
        let clerk_org_id = e
            .check(validation::text(
                "clerk_org_id",
                self.clerk_org_id.as_deref(),
                255,
                false,
            ))
            .flatten();
        let opening_hours = self.opening_hours.unwrap_or_else(OpeningHours::typical);
        opening_hours.validate("opening_hours", &mut e);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidDealership {
            name: name.expect("checked"),
            slug: slug.expect("checked"),
            email: email.expect("checked"),
            phone,
            address,
            clerk_org_id,
            subscription_tier: self.subscription_tier.unwrap_or(SubscriptionTier::Starter),
            opening_hours,
        })
    }
}

/// A dealership as tests need one.
#[cfg(test)]
pub(crate) fn sample(name: &str) -> Dealership {
    let now = crate::time::now();
    Dealership {
        id: DealershipId::new_at(now),
        name: name.into(),
        slug: "bilsenteret".into(),
        email: "post@bilsenteret.no".into(),
        phone: Some("+4732210000".into()),
        address: Some("Strømsø torg 1, 3044 Drammen".into()),
        clerk_org_id: None,
        subscription_status: SubscriptionStatus::Active,
        subscription_tier: SubscriptionTier::Professional,
        opening_hours: OpeningHours::typical(),
        opening_exceptions: Vec::new(),
        branding: Branding::default(),
        time_zone: crate::time::OSLO.into(),
        form_key: "fk".into(),
        inbound_email: "leads@bilsenteret.norvalt.no".into(),
        capture: CaptureSettings::default(),
        reply: ReplySettings::default(),
        conversation: Default::default(),
        booking: Default::default(),
        response_targets: Default::default(),
        inbox: Default::default(),
        webhooks: Vec::new(),
        adf_email: None,
        inventory_feed: None,
        created_at: now,
        updated_at: now,
    }
}
