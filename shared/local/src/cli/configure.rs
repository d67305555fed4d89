//! `norvalt dealership configure`: an operator connects a dealership's lead
//! channels. Routing records are claimed (a Facebook page belongs to one
//! dealership), secrets go to the local secret store.

use norvalt_core::DomainError;
use norvalt_core::capture::facebook::QuestionTarget;
use norvalt_core::model::Dealership;
use norvalt_core::model::dealership::{SubscriptionStatus, SubscriptionTier};
use norvalt_core::service::provisioning;
use norvalt_core::service::settings::{
    self, CapturePatch, FacebookConnection, ImapInput, ReplyPatch, SettingsPatch,
};
use norvalt_core::validation;
use norvalt_local::Platform;

#[derive(clap::Args)]
pub struct ConfigureArgs {
    pub slug: String,
    /// A website origin allowed to post the form (repeat the flag); replaces the list.
    #[arg(long = "allowed-origin")]
    pub allowed_origins: Vec<String>,
    /// Allow every origin again (clears the list).
    #[arg(long, conflicts_with = "allowed_origins")]
    pub any_origin: bool,
    /// Where plain HTML form posts are redirected after they are accepted.
    #[arg(long)]
    pub thank_you_url: Option<String>,
    /// Connect a Facebook page (its id) to the dealership.
    #[arg(long)]
    pub facebook_page: Option<String>,
    /// The page access token lead-intake fetches leads with.
    #[arg(long, requires = "facebook_page")]
    pub facebook_token: Option<String>,
    /// Map a custom Lead Ads question: KEY=vehicle_interest|message|metadata (repeatable).
    #[arg(long = "facebook-question", value_parser = parse_question)]
    pub facebook_questions: Vec<(String, QuestionTarget)>,
    /// An IMAP mailbox to poll for importer mail.
    #[arg(long)]
    pub imap_host: Option<String>,
    #[arg(long, default_value_t = 993)]
    pub imap_port: u16,
    /// Plain IMAP without TLS (only for a server on loopback).
    #[arg(long)]
    pub imap_plain: bool,
    #[arg(long, requires = "imap_host")]
    pub imap_user: Option<String>,
    #[arg(long, requires = "imap_host")]
    pub imap_password: Option<String>,
    #[arg(long, default_value = "INBOX")]
    pub imap_mailbox: String,
    /// Stop polling the dealership's IMAP mailbox.
    #[arg(long, conflicts_with = "imap_host")]
    pub no_imap: bool,
    /// Answer leads without an email address by SMS (on/off).
    #[arg(long)]
    pub sms: Option<bool>,
    /// The dealership's own SMS number (E.164, e.g. +4759440000): replies go
    /// from it, and texts to it reach this dealership.
    #[arg(long)]
    pub sms_number: Option<String>,
    /// Make a new key for the dealership's Google Ads lead forms (printed
    /// once; the old key stops working).
    #[arg(long)]
    pub new_google_key: bool,
    /// The subscription tier: starter, professional or enterprise. What the
    /// new plan lacks is turned off.
    #[arg(long, value_parser = parse_tier)]
    pub tier: Option<SubscriptionTier>,
    /// The subscription status: trial, active or cancelled.
    #[arg(long, value_parser = parse_status)]
    pub status: Option<SubscriptionStatus>,
}

fn parse_tier(arg: &str) -> Result<SubscriptionTier, String> {
    serde_json::from_value(serde_json::json!(arg))
        .map_err(|_| format!("{arg}: starter, professional or enterprise"))
}

fn parse_status(arg: &str) -> Result<SubscriptionStatus, String> {
    serde_json::from_value(serde_json::json!(arg))
        .map_err(|_| format!("{arg}: trial, active or cancelled"))
}

fn parse_question(arg: &str) -> Result<(String, QuestionTarget), String> {
    let (key, target) = arg.split_once('=').ok_or("expected KEY=TARGET")?;
    let target = match target {
        "vehicle_interest" => QuestionTarget::VehicleInterest,
        "message" => QuestionTarget::Message,
        "metadata" => QuestionTarget::Metadata,
        other => {
            return Err(format!(
                "unknown target {other}: vehicle_interest, message or metadata"
            ));
        }
    };
    Ok((key.to_string(), target))
}

fn origin(value: &str) -> Result<String, String> {
    validation::origin("allowed_origin", value).map_err(|e| format!("{value}: {}", e.message))
}

pub async fn run(platform: &Platform, args: ConfigureArgs) -> Result<(), String> {
    let (tenant, dealership) = provisioning::find_by_slug(&platform.stores, &args.slug)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no dealership with slug {}", args.slug))?;
    // The plan first: what it includes decides what the rest may turn on.
    let mut turned_off = Vec::new();
    if args.tier.is_some() || args.status.is_some() {
        turned_off = provisioning::change_plan(
            &platform.stores,
            &tenant,
            args.tier,
            args.status,
            norvalt_core::time::now(),
        )
        .await
        .map_err(describe)?
        .1;
    }
    // The CLI is the operator: a number given here is provisioned for the
    // dealership, then set as its sender.
    if let Some(number) = &args.sms_number {
        provisioning::provision_sms_number(&platform.stores, &tenant, number)
            .await
            .map_err(|e| e.to_string())?;
    }
    let allowed_origins = if args.any_origin {
        Some(Vec::new())
    } else if args.allowed_origins.is_empty() {
        None
    } else {
        Some(
            args.allowed_origins
                .iter()
                .map(|o| origin(o))
                .collect::<Result<_, _>>()?,
        )
    };
    // The CLI adds questions; the patch replaces the map.
    let facebook_questions = (!args.facebook_questions.is_empty()).then(|| {
        let mut all = dealership.capture.facebook_questions.clone();
        all.extend(args.facebook_questions.iter().cloned());
        all
    });
    let imap = match (&args.imap_host, args.no_imap) {
        (Some(host), _) => Some(Some(ImapInput {
            host: host.clone(),
            port: args.imap_port,
            tls: !args.imap_plain,
            username: args
                .imap_user
                .clone()
                .ok_or("--imap-user is required with --imap-host")?,
            password: args.imap_password.clone(),
            mailbox: args.imap_mailbox.clone(),
        })),
        (None, true) => Some(None),
        (None, false) => None,
    };
    let patch = SettingsPatch {
        capture: Some(CapturePatch {
            allowed_origins,
            thank_you_url: args.thank_you_url.clone().map(Some),
            facebook_questions,
            google_questions: None,
        }),
        reply: Some(ReplyPatch {
            sms_enabled: args.sms,
            sms_number: args.sms_number.clone().map(Some),
            ..Default::default()
        }),
        regenerate_google_key: args.new_google_key,
        connect_facebook_page: args
            .facebook_page
            .clone()
            .map(|page_id| FacebookConnection {
                page_id,
                access_token: args.facebook_token.clone(),
            }),
        imap,
        ..Default::default()
    };
    let graph = norvalt_http::graph::GraphClient::new(platform.graph_url.clone());
    let settings::Applied {
        dealership,
        google_key,
        ..
    } = settings::apply(
        &platform.stores,
        platform.secrets.as_ref(),
        &graph,
        &tenant,
        patch,
        norvalt_core::time::now(),
    )
    .await
    .map_err(describe)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "capture": dealership.capture,
            "reply": dealership.reply,
            "google_key": google_key,
            "subscription_tier": dealership.subscription_tier,
            "subscription_status": dealership.subscription_status,
            "turned_off": turned_off,
        }))
        .expect("serialisable")
    );
    Ok(())
}

/// An operator reads which flag was wrong, not a JSON error.
fn describe(e: DomainError) -> String {
    match e {
        DomainError::Validation(fields) => fields
            .fields
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

pub fn form_url(d: &Dealership) -> String {
    norvalt_core::capture::form::form_url(&norvalt_local::public_url(), d)
}

/// What a dealership pastes into its website.
pub fn embed_snippet(d: &Dealership) -> String {
    norvalt_core::capture::form::embed_snippet(&norvalt_local::public_url(), d)
}
