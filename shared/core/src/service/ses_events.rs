//! SES bounce and complaint notices (configuration-set events through SNS,
//! function `ses-events`): a hard bounce or a complaint puts the address on
//! the sending dealership's suppression list, so it is never mailed again.
//! The dealership is the one whose sender address (`<slug>@svar.…`) sent it.

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::Channel;
use crate::outbound::suppression;
use crate::ports::{RouteKind, StoreResult, Stores};
use crate::tenancy;

/// Suppresses what the notice calls for; returns how many addresses.
pub async fn handle(stores: &Stores, notice: &Value, now: DateTime<Utc>) -> StoreResult<usize> {
    // Event publishing says `eventType`; identity notifications `notificationType`.
    let kind = notice["eventType"]
        .as_str()
        .or_else(|| notice["notificationType"].as_str())
        .unwrap_or_default();
    let (reason, recipients) = match kind {
        "Bounce" if notice["bounce"]["bounceType"] == "Permanent" => {
            ("hard_bounce", &notice["bounce"]["bouncedRecipients"])
        }
        "Complaint" => ("complaint", &notice["complaint"]["complainedRecipients"]),
        _ => return Ok(0),
    };
    let Some(slug) = sender_slug(notice) else {
        tracing::warn!(kind, "SES notice without a dealership sender");
        return Ok(0);
    };
    let Some(tenant) = tenancy::resolve(stores.routes.as_ref(), RouteKind::Slug, &slug).await?
    else {
        tracing::warn!(slug, "SES notice for an unknown dealership");
        return Ok(0);
    };
    let mut count = 0;
    for r in recipients.as_array().into_iter().flatten() {
        if let Some(address) = r["emailAddress"].as_str().map(bare_address) {
            suppression::suppress(stores, &tenant, Channel::Email, &address, reason, now).await?;
            count += 1;
        }
    }
    Ok(count)
}

/// `"Bil AS" <slug@svar.norvalt.no>` → `slug`.
fn sender_slug(notice: &Value) -> Option<String> {
    let source = notice["mail"]["source"].as_str()?;
    let address = bare_address(source);
    let (local, domain) = address.split_once('@')?;
    domain
        .starts_with("svar.")
        .then(|| local.to_string())
        .filter(|l| !l.is_empty())
}

fn bare_address(raw: &str) -> String {
    raw.rsplit('<')
        .next()
        .unwrap_or(raw)
        .trim_end_matches('>')
        .trim()
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sender_names_the_dealership() {
        let notice = serde_json::json!({"mail": {"source": "\"Bilsenteret Drammen\" <bilsenteret-drammen@svar.norvalt.no>"}});
        assert_eq!(sender_slug(&notice).as_deref(), Some("bilsenteret-drammen"));
        let other = serde_json::json!({"mail": {"source": "varsel@norvalt.no"}});
        assert_eq!(sender_slug(&other), None);
        assert_eq!(bare_address("Kari <KARI@Example.no>"), "kari@example.no");
    }
}
