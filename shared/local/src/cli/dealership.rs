//! `norvalt dealership …`: show, create and configure dealerships.

use clap::Subcommand;
use norvalt_core::model::NewDealership;
use norvalt_core::service::provisioning;
use norvalt_core::time;
use norvalt_local::Platform;

use super::configure;

#[derive(Subcommand)]
pub enum DealershipCommand {
    /// Set a dealership's lead channels: form origins and thank-you page,
    /// Facebook page, IMAP mailbox.
    Configure(Box<configure::ConfigureArgs>),
    /// Print a dealership (with its form key and inbound address) as JSON.
    Show { slug: String },
    /// Create a dealership and print it as JSON.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long)]
        address: Option<String>,
        /// The Clerk organisation whose members work here.
        #[arg(long)]
        clerk_org_id: Option<String>,
    },
}

pub async fn run(platform: &Platform, command: DealershipCommand) -> Result<(), String> {
    match command {
        DealershipCommand::Configure(args) => configure::run(platform, *args).await,
        DealershipCommand::Show { slug } => show(platform, &slug).await,
        DealershipCommand::Create {
            name,
            slug,
            email,
            phone,
            address,
            clerk_org_id,
        } => {
            let input = NewDealership {
                name,
                slug,
                email,
                phone,
                address,
                clerk_org_id,
                subscription_tier: None,
                opening_hours: None,
            };
            create(platform, input).await
        }
    }
}

/// The dealership as JSON, with its form URL and embed snippet.
async fn show(platform: &Platform, slug: &str) -> Result<(), String> {
    let found = provisioning::find_by_slug(&platform.stores, slug)
        .await
        .map_err(|e| e.to_string())?;
    let (_, dealership) = found.ok_or_else(|| format!("no dealership with slug {slug}"))?;
    let mut shown = serde_json::to_value(&dealership).expect("serialisable");
    shown["form_url"] = configure::form_url(&dealership).into();
    shown["embed_snippet"] = configure::embed_snippet(&dealership).into();
    println!(
        "{}",
        serde_json::to_string_pretty(&shown).expect("serialisable")
    );
    Ok(())
}

async fn create(platform: &Platform, input: NewDealership) -> Result<(), String> {
    let (_, dealership) =
        provisioning::create_dealership(&platform.stores, &platform.settings, input, time::now())
            .await
            .map_err(|e| match e {
                norvalt_core::DomainError::Validation(f) => f
                    .fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&dealership).expect("serialisable")
    );
    Ok(())
}
