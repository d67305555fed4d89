//! A dealership's settings (`GET/PATCH /api/dealership`, admin): profile
//! and branding, opening hours, how replies sound and go out, the lead
//! channels (form, Facebook pages, IMAP), notices and quiet hours. Changes
//! apply to the next lead: every job reads the dealership afresh.
//!
//! A patch is validated whole before anything is written. Routing records
//! (SMS number, Facebook page, form key) are claimed first, so a key held by
//! another dealership refuses the patch with nothing changed; the keys the
//! dealership gave up are released last. Secrets (page tokens, the IMAP
//! password) go to the secret store and are never returned.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::AuditEntry;
use crate::automation::QuietHours;
use crate::capture::facebook::QuestionTarget;
use crate::capture::mailbox::{account_is_safe, imap_password_secret};
use crate::capture::sources::{
    LeadAdsClient, LeadAdsError, SecretWriter, legacy_page_token_secret, page_token_secret,
};
use crate::error::{DEALERSHIP_NOT_FOUND, DomainError, DomainResult};
use crate::model::dealership::{Branding, ImapAccount, OpeningException};
use crate::model::patch;
use crate::model::{Dealership, OpeningHours};
use crate::permissions::{Actor, Permission};
use crate::ports::{RouteKind, StoreError, Stores};
use crate::tenancy::TenantId;
use crate::validation::{self, FieldErrors};

mod plan;

use plan::plan;

const MAX_EXCEPTIONS: usize = 100;
const MAX_NOTIFY: usize = 20;
const MAX_ORIGINS: usize = 20;

/// `PATCH /api/dealership`: absent fields stay, `null` clears.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    pub name: Option<String>,
    /// Where customers' answers and the team's replies go.
    pub email: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub address: Option<Option<String>>,
    /// Where each new lead goes as an ADF 1.0 email (a dealer management
    /// system's import address); `null` stops it.
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub adf_email: Option<Option<String>>,
    /// The stock feed to fetch every hour; `null` stops it.
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<crate::inventory::InventoryFeed>)]
    pub inventory_feed: Option<Option<crate::inventory::InventoryFeed>>,
    pub branding: Option<Branding>,
    pub opening_hours: Option<OpeningHours>,
    pub opening_exceptions: Option<Vec<OpeningException>>,
    pub reply: Option<ReplyPatch>,
    pub capture: Option<CapturePatch>,
    /// What the AI does after its first reply (replaced whole).
    pub conversation: Option<crate::model::ConversationSettings>,
    /// Appointment kinds, capacity and horizon (replaced whole).
    pub booking: Option<crate::booking::slots::BookingSettings>,
    /// Response-time targets and their escalation (replaced whole).
    pub response_targets: Option<crate::automation::response_clock::ResponseTargets>,
    /// A new form key: the old form URL stops working at once.
    #[serde(default)]
    pub regenerate_form_key: bool,
    /// Makes a new key for the Google Ads lead forms; the answer shows it
    /// once (`google_key`), to paste into each form.
    #[serde(default)]
    pub regenerate_google_key: bool,
    pub connect_facebook_page: Option<FacebookConnection>,
    pub disconnect_facebook_page: Option<String>,
    /// Sends the stages of a connected page's leads back to Meta's
    /// Conversions API; its dataset id and token are kept as secrets.
    pub connect_conversions_api: Option<ConversionsConnection>,
    /// The page whose leads' stages stop going to Meta.
    pub disconnect_conversions_api: Option<String>,
    /// The IMAP mailbox to poll; `null` stops polling.
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<ImapInput>)]
    pub imap: Option<Option<ImapInput>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyPatch {
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub signature: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub tone: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub language_hints: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub sender_name: Option<Option<String>>,
    pub sms_enabled: Option<bool>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub sms_number: Option<Option<String>>,
    pub notify_emails: Option<Vec<String>>,
    pub quiet_hours: Option<QuietHours>,
    /// Country calling codes automatic SMS may go to (`["47"]`, `["47",
    /// "46"]`); empty: none.
    pub sms_countries: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CapturePatch {
    /// Website origins allowed to post the form; empty: any.
    pub allowed_origins: Option<Vec<String>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    #[schema(value_type = Option<String>)]
    pub thank_you_url: Option<Option<String>>,
    pub facebook_questions: Option<BTreeMap<String, QuestionTarget>>,
    /// Google lead form custom question id → lead field.
    pub google_questions: Option<BTreeMap<String, QuestionTarget>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FacebookConnection {
    pub page_id: String,
    /// The page access token leads are fetched with; stored in the secret
    /// store, never returned.
    pub access_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConversionsConnection {
    /// A page already connected for Lead Ads.
    pub page_id: String,
    /// The dataset (pixel) id in Meta Events Manager.
    pub dataset_id: String,
    /// The Conversions API access token made for that dataset; stored in
    /// the secret store, never returned.
    pub access_token: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImapInput {
    pub host: String,
    #[serde(default = "imaps_port")]
    pub port: u16,
    #[serde(default = "yes")]
    pub tls: bool,
    pub username: String,
    /// Required for a new account; kept in the secret store.
    pub password: Option<String>,
    #[serde(default = "inbox")]
    pub mailbox: String,
}

fn imaps_port() -> u16 {
    993
}
fn yes() -> bool {
    true
}
fn inbox() -> String {
    "INBOX".into()
}

/// `GET /api/dealership`: the settings and what a rep needs to wire the
/// website form.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Settings {
    pub dealership: Dealership,
    /// Where the website form posts.
    pub form_url: String,
    /// HTML to paste into the dealership's website.
    pub embed_snippet: String,
    /// The webhook URL for the dealership's Google Ads lead forms.
    pub google_webhook_url: String,
    /// A Google lead form key made by this change, shown this once; null
    /// otherwise (only its hash is kept).
    pub google_key: Option<String>,
}

pub fn view(dealership: Dealership, public_url: &str) -> Settings {
    Settings {
        form_url: crate::capture::form::form_url(public_url, &dealership),
        embed_snippet: crate::capture::form::embed_snippet(public_url, &dealership),
        google_webhook_url: crate::capture::google::webhook_url(public_url, &dealership),
        google_key: None,
        dealership,
    }
}

/// What [`apply`] stored.
pub struct Applied {
    pub dealership: Dealership,
    /// The names of the parts that changed.
    pub changed: Vec<&'static str>,
    /// A new Google lead form key, when the change made one.
    pub google_key: Option<String>,
}

pub async fn get(stores: &Stores, actor: &Actor, public_url: &str) -> DomainResult<Settings> {
    actor.require(Permission::ManageDealership)?;
    let dealership = stores
        .dealerships
        .get_dealership(&actor.tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    Ok(view(dealership, public_url))
}

/// The admin's change, recorded in the audit log by field name.
pub async fn update(
    stores: &Stores,
    secrets: &dyn SecretWriter,
    graph: &dyn LeadAdsClient,
    actor: &Actor,
    patch: SettingsPatch,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Settings> {
    actor.require(Permission::ManageDealership)?;
    let Applied {
        dealership,
        changed,
        google_key,
    } = apply(stores, secrets, graph, &actor.tenant, patch, now).await?;
    if !changed.is_empty() {
        crate::service::account::audit(
            stores,
            actor,
            AuditEntry::new(
                actor,
                "dealership.updated",
                Some(format!("dealership:{}", dealership.id)),
                serde_json::json!({ "fields": changed }),
                now,
            ),
        )
        .await?;
    }
    Ok(Settings {
        google_key,
        ..view(dealership, public_url)
    })
}

/// Validates and applies `patch` (operators' CLI and the API share it).
/// Returns the stored dealership, the parts that changed and any new key.
pub async fn apply(
    stores: &Stores,
    secrets: &dyn SecretWriter,
    graph: &dyn LeadAdsClient,
    tenant: &TenantId,
    patch: SettingsPatch,
    now: DateTime<Utc>,
) -> DomainResult<Applied> {
    let current = stores
        .dealerships
        .get_dealership(tenant)
        .await?
        .ok_or(DEALERSHIP_NOT_FOUND)?;
    let mut plan = plan(&current, patch)?;
    // What the subscription lacks cannot be turned on (402).
    let was_on = current.features_on();
    if let Some(feature) = plan
        .next
        .features_on()
        .into_iter()
        .find(|f| !was_on.contains(f) && !current.allows(*f))
    {
        return Err(crate::model::plan::upgrade_required(feature));
    }
    if let Some(account) = &plan.next.capture.imap
        && !plan
            .secrets
            .iter()
            .any(|(name, _)| *name == account.password_secret)
        && secrets
            .secret(&account.password_secret)
            .await
            .map_err(StoreError::from)?
            .is_none()
    {
        return Err(FieldErrors::single("imap.password", "is required for a new account").into());
    }
    // Inbound SMS are routed by the number texted: a dealership may only
    // take a number the operator provisioned for it, never the shared one
    // or another's.
    if let Some(number) = &plan.next.reply.sms_number
        && plan.next.reply.sms_number != current.reply.sms_number
        && stores
            .routes
            .lookup_route(RouteKind::ProvisionedSms, number)
            .await?
            != Some(tenant.dealership_id())
    {
        return Err(FieldErrors::single(
            "reply.sms_number",
            "is not a number Norvalt has provisioned for this dealership (ask Norvalt for one)",
        )
        .into());
    }
    // Whoever connects a page must hold its token: Graph says which page a
    // token belongs to.
    for (page, token) in &plan.pages_to_prove {
        let field = "connect_facebook_page.access_token";
        match graph.page_of_token(token).await {
            Ok(owner) if owner == *page => {}
            Ok(_) | Err(LeadAdsError::Permanent(_)) => {
                return Err(
                    FieldErrors::single(field, format!("is not a token of page {page}")).into(),
                );
            }
            Err(LeadAdsError::TokenRejected(_)) => {
                return Err(FieldErrors::single(field, "is expired or revoked").into());
            }
            Err(e @ LeadAdsError::Transient(_)) => {
                return Err(
                    StoreError::Backend(format!("could not check the page token: {e}")).into(),
                );
            }
        }
    }
    let mut claimed = Vec::new();
    for (kind, key, code) in &plan.claims {
        match stores.routes.claim_route(*kind, key, tenant).await {
            Ok(()) => claimed.push((*kind, key.clone())),
            Err(StoreError::Conflict) => {
                release(stores, tenant, &claimed).await;
                return Err(DomainError::Conflict {
                    code,
                    message: format!("{key} belongs to another dealership"),
                });
            }
            Err(e) => {
                release(stores, tenant, &claimed).await;
                return Err(e.into());
            }
        }
    }
    for (name, value) in &plan.secrets {
        secrets
            .put_secret(name, value)
            .await
            .map_err(StoreError::from)?;
    }
    plan.next.updated_at = now;
    stores
        .dealerships
        .update_dealership(tenant, &plan.next)
        .await?;
    if current.capture.imap.is_some() != plan.next.capture.imap.is_some() {
        stores
            .mailboxes
            .set_mailbox_polled(tenant, plan.next.capture.imap.is_some())
            .await?;
    }
    release(stores, tenant, &plan.releases).await;
    for name in &plan.deleted_secrets {
        if let Err(e) = secrets.delete_secret(name).await {
            tracing::warn!(error = %e, secret = %name, "could not delete a secret");
        }
    }
    Ok(Applied {
        dealership: plan.next,
        changed: plan.changed,
        google_key: plan.google_key,
    })
}

async fn release(stores: &Stores, tenant: &TenantId, keys: &[(RouteKind, String)]) {
    for (kind, key) in keys {
        if let Err(e) = stores.routes.release_route(*kind, key, tenant).await {
            // Harmless but untidy: the key still leads here.
            tracing::warn!(error = %e, kind = kind.as_str(), "could not release a routing key");
        }
    }
}

fn validate_exceptions(e: &mut FieldErrors, exceptions: &[OpeningException]) {
    if exceptions.len() > MAX_EXCEPTIONS {
        e.add(
            "opening_exceptions",
            format!("at most {MAX_EXCEPTIONS} dates"),
        );
    }
    let mut dates = std::collections::HashSet::new();
    for (i, x) in exceptions.iter().enumerate() {
        let field = format!("opening_exceptions[{i}]");
        if !dates.insert(x.date) {
            e.add(&format!("{field}.date"), "appears twice");
        }
        match (x.opens, x.closes) {
            (None, None) => {}
            (Some(o), Some(c)) if o < c => {}
            (Some(_), Some(_)) => e.add(&format!("{field}.closes"), "must be after opens"),
            _ => e.add(
                &field,
                "give both opens and closes, or neither for a closed day",
            ),
        }
        if x.note.as_deref().is_some_and(|n| n.chars().count() > 100) {
            e.add(&format!("{field}.note"), "at most 100 characters");
        }
    }
}
