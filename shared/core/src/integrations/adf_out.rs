//! Each new lead as an ADF 1.0 document (Auto-lead Data Format), the XML
//! most dealer management systems import from an email. Sent by the team
//! notice path to the address the dealership sets (`adf_email`); our own
//! ADF parser reads it back to the same lead (the tests).

use crate::model::{Dealership, Lead, LeadSource};

/// What the ADF `<provider>` says the lead came through.
fn source_name(source: LeadSource) -> &'static str {
    match source {
        LeadSource::Website => "Nettsideskjema",
        LeadSource::Email => "E-post fra importør",
        LeadSource::Facebook => "Facebook Lead Ads",
        LeadSource::Google => "Google Ads",
        LeadSource::Manual => "Registrert av selger",
        LeadSource::Sms => "SMS",
    }
}

/// Text made safe for XML 1.0: the five special characters escaped, and
/// characters XML cannot hold at all (most control characters) left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The lead as an ADF 1.0 document. The vehicle interest is one free text;
/// its first word goes in `<make>`, the rest in `<model>`.
pub fn document(lead: &Lead, dealership: &Dealership) -> String {
    let mut x = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n<adf>\n<prospect status=\"new\">\n",
    );
    x.push_str(&format!(
        "<id sequence=\"1\" source=\"Norvalt\">{}</id>\n",
        lead.id
    ));
    x.push_str(&format!(
        "<requestdate>{}</requestdate>\n",
        lead.created_at
            .with_timezone(&chrono_tz::Europe::Oslo)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    ));
    if let Some(vehicle) = lead
        .vehicle_interest
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        let (make, model) = vehicle
            .split_once(char::is_whitespace)
            .unwrap_or((vehicle, ""));
        x.push_str("<vehicle interest=\"buy\" status=\"new\">\n");
        x.push_str(&format!("<make>{}</make>\n", escape(make)));
        if !model.trim().is_empty() {
            x.push_str(&format!("<model>{}</model>\n", escape(model.trim())));
        }
        x.push_str("</vehicle>\n");
    }
    x.push_str("<customer>\n<contact>\n");
    if let Some(name) = &lead.customer_name {
        x.push_str(&format!("<name part=\"full\">{}</name>\n", escape(name)));
    }
    if let Some(email) = &lead.customer_email {
        x.push_str(&format!("<email>{}</email>\n", escape(email)));
    }
    if let Some(phone) = &lead.customer_phone {
        let kind = if crate::phone::is_mobile(phone) {
            "cellphone"
        } else {
            "voice"
        };
        x.push_str(&format!(
            "<phone type=\"{kind}\">{}</phone>\n",
            escape(phone)
        ));
    }
    x.push_str("</contact>\n");
    if let Some(message) = lead
        .initial_message
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        x.push_str(&format!(
            "<comments>{}</comments>\n",
            escape(message.trim())
        ));
    }
    x.push_str("</customer>\n");
    x.push_str(&format!(
        "<vendor>\n<vendorname>{}</vendorname>\n<contact>\n<name part=\"full\">{}</name>\n<email>{}</email>\n</contact>\n</vendor>\n",
        escape(&dealership.name),
        escape(&dealership.name),
        escape(&dealership.email)
    ));
    x.push_str(&format!(
        "<provider>\n<name part=\"full\">Norvalt</name>\n<service>{}</service>\n</provider>\n",
        source_name(lead.source)
    ));
    x.push_str("</prospect>\n</adf>\n");
    x
}

#[cfg(test)]
mod tests;
