//! Merge fields in a dealership's follow-up templates: `{fornavn}`,
//! `{navn}`, `{bil}`, `{forhandler}`, `{telefon}`, `{selger}`. Unknown fields
//! are refused when the rule is saved, so a customer never sees a brace.

use crate::model::{Dealership, Lead, User};
use crate::phone::readable as readable_phone;

pub const FIELDS: [&str; 6] = ["fornavn", "navn", "bil", "forhandler", "telefon", "selger"];

/// `Ok` when every `{…}` in `text` is a known field and braces pair up.
pub fn check(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("a '}' without its '{'".into());
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err("a '{' without its '}'".into());
        };
        let name = &after[..close];
        if !FIELDS.contains(&name.trim()) {
            return Err(format!(
                "unknown merge field {{{name}}}; use one of {}",
                crate::model::inbox::braced(&FIELDS)
            ));
        }
        rest = &after[close + 1..];
    }
    Ok(())
}

/// What the fields are filled with.
pub struct MergeValues<'a> {
    pub dealership: &'a Dealership,
    pub lead: &'a Lead,
    /// The lead's sales rep, when it has one.
    pub rep: Option<&'a User>,
}

impl MergeValues<'_> {
    fn value(&self, field: &str) -> String {
        let lead = self.lead;
        match field {
            "fornavn" => lead
                .customer_name
                .as_deref()
                .and_then(|n| n.split_whitespace().next())
                .unwrap_or_default()
                .to_string(),
            "navn" => lead.customer_name.clone().unwrap_or_default(),
            "bil" => lead
                .vehicle_interest
                .clone()
                .unwrap_or_else(|| "bilen".into()),
            "forhandler" => self.dealership.name.clone(),
            "telefon" => self
                .dealership
                .phone
                .as_deref()
                .map(readable_phone)
                .unwrap_or_default(),
            "selger" => self
                .rep
                .and_then(|u| u.name.clone())
                .unwrap_or_else(|| self.dealership.name.clone()),
            _ => String::new(),
        }
    }

    /// The template with its fields filled in. A field without a value
    /// leaves no stray space before punctuation ("Hei {fornavn}!" → "Hei!").
    pub fn render(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else {
                out.push_str(&rest[open..]);
                return out;
            };
            let value = self.value(after[..close].trim());
            if value.is_empty() {
                while out.ends_with(' ') && after[close + 1..].starts_with([',', '!', '.', '?']) {
                    out.pop();
                }
            }
            out.push_str(&value);
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_fields_pass() {
        assert!(check("Hei {fornavn}, fortsatt interessert i {bil}?").is_ok());
        assert!(check("Ingen felter her").is_ok());
        assert!(check("Hei {kundenr}").unwrap_err().contains("{kundenr}"));
        assert!(check("Hei {fornavn").is_err());
        assert!(check("Hei fornavn}").is_err());
    }

    #[test]
    fn fields_are_filled_and_missing_ones_leave_no_gap() {
        let now = crate::time::now();
        let dealership = crate::model::dealership::sample("Bilsenteret Drammen");
        let mut lead = crate::model::lead::sample(now);
        lead.vehicle_interest = Some("Toyota bZ4X".into());
        let values = MergeValues {
            dealership: &dealership,
            lead: &lead,
            rep: None,
        };
        assert_eq!(
            values.render("Hei {fornavn}! Fortsatt interessert i {bil}? Hilsen {selger}"),
            "Hei Kari! Fortsatt interessert i Toyota bZ4X? Hilsen Bilsenteret Drammen"
        );
        lead.customer_name = None;
        lead.vehicle_interest = None;
        let values = MergeValues {
            dealership: &dealership,
            lead: &lead,
            rep: None,
        };
        assert_eq!(
            values.render("Hei {fornavn}! Har du sett mer på {bil}?"),
            "Hei! Har du sett mer på bilen?"
        );
    }
}
