//! `norvalt dealership configure`: an operator connects a dealership's lead
//! channels. Routing records are claimed (a Facebook page belongs to one
//! dealership), secrets go to the local secret store.

use norvalt_core::capture::facebook::QuestionTarget;
use norvalt_core::capture::mailbox::{account_is_safe, imap_password_secret};
use norvalt_core::capture::sources::page_token_secret;
use norvalt_core::model::Dealership;
use norvalt_core::model::dealership::ImapAccount;
use norvalt_core::ports::{RouteKind, StoreError};
use norvalt_core::service::provisioning;
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
    let url =
        validation::url("allowed_origin", value).map_err(|e| format!("{value}: {}", e.message))?;
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    if rest.trim_end_matches('/').contains('/') {
        return Err(format!(
            "{value}: an origin is scheme and host only, without a path"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

pub async fn run(platform: &Platform, args: ConfigureArgs) -> Result<(), String> {
    let (tenant, mut dealership) = provisioning::find_by_slug(&platform.stores, &args.slug)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no dealership with slug {}", args.slug))?;
    let capture = &mut dealership.capture;
    if args.any_origin {
        capture.allowed_origins.clear();
    } else if !args.allowed_origins.is_empty() {
        capture.allowed_origins = args
            .allowed_origins
            .iter()
            .map(|o| origin(o))
            .collect::<Result<_, _>>()?;
    }
    if let Some(url) = &args.thank_you_url {
        capture.thank_you_url = Some(
            validation::url("thank_you_url", url).map_err(|e| format!("{url}: {}", e.message))?,
        );
    }
    for (key, target) in &args.facebook_questions {
        capture.facebook_questions.insert(key.clone(), *target);
    }
    if let Some(page) = &args.facebook_page {
        match platform
            .stores
            .routes
            .claim_route(RouteKind::FacebookPage, page, &tenant)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict) => {
                return Err(format!(
                    "Facebook page {page} is connected to another dealership"
                ));
            }
            Err(e) => return Err(e.to_string()),
        }
        if let Some(token) = &args.facebook_token {
            platform
                .secrets
                .put_secret(&page_token_secret(page), token)
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    if let Some(host) = &args.imap_host {
        let secret = imap_password_secret(&dealership.slug);
        let account = ImapAccount {
            host: host.clone(),
            port: args.imap_port,
            tls: !args.imap_plain,
            username: args
                .imap_user
                .clone()
                .ok_or("--imap-user is required with --imap-host")?,
            password_secret: secret,
            mailbox: args.imap_mailbox.clone(),
        };
        if !account_is_safe(&account) {
            return Err(format!(
                "{host} is not on this machine: IMAP without TLS is only allowed on loopback"
            ));
        }
        if let Some(password) = &args.imap_password {
            platform
                .secrets
                .put_secret(&account.password_secret, password)
                .await
                .map_err(|e| e.to_string())?;
        }
        dealership.capture.imap = Some(account);
    }
    if args.no_imap {
        dealership.capture.imap = None;
    }
    if let Some(on) = args.sms {
        dealership.reply.sms_enabled = on;
    }
    if let Some(number) = &args.sms_number {
        let number = norvalt_core::validation::phone("sms_number", number)
            .map_err(|e| format!("{number}: {}", e.message))?;
        match platform
            .stores
            .routes
            .claim_route(RouteKind::SmsNumber, &number, &tenant)
            .await
        {
            Ok(()) => {}
            Err(StoreError::Conflict) => {
                return Err(format!("{number} belongs to another dealership"));
            }
            Err(e) => return Err(e.to_string()),
        }
        dealership.reply.sms_number = Some(number);
    }
    if let Some(account) = &dealership.capture.imap
        && platform
            .secrets
            .secret(&account.password_secret)
            .await
            .map_err(|e| e.to_string())?
            .is_none()
    {
        return Err("--imap-password is required for a new IMAP account".into());
    }
    dealership.updated_at = norvalt_core::time::now();
    platform
        .stores
        .dealerships
        .update_dealership(&tenant, &dealership)
        .await
        .map_err(|e| e.to_string())?;
    platform
        .stores
        .mailboxes
        .set_mailbox_polled(&tenant, dealership.capture.imap.is_some())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "{}",
        serde_json::to_string_pretty(&serde_json::json!({
            "capture": dealership.capture,
            "reply": dealership.reply,
        }))
        .expect("serialisable")
    );
    Ok(())
}

pub fn form_url(d: &Dealership) -> String {
    format!(
        "{}/webhooks/form/{}",
        norvalt_local::public_url(),
        d.form_key
    )
}

/// What a dealership pastes into its website.
pub fn embed_snippet(d: &Dealership) -> String {
    format!(
        r#"<form data-norvalt action="{url}" method="post">
  <label>Navn <input name="name" autocomplete="name"></label>
  <label>E-post <input name="email" type="email" autocomplete="email"></label>
  <label>Telefon <input name="phone" type="tel" autocomplete="tel"></label>
  <label>Bil du er interessert i <input name="vehicle_interest"></label>
  <label>Melding <textarea name="message"></textarea></label>
  <label><input name="consent" type="checkbox" required> Jeg samtykker til å bli kontaktet av {name}</label>
  <button type="submit">Send</button>
</form>
<script src="{url}/embed.js" defer></script>"#,
        url = form_url(d),
        name = d.name
    )
}
