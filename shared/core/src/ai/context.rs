//! Everything a reply may draw on, gathered by the responder: the lead, its
//! conversation, the dealership and the matching cars in stock. Guardrails
//! check the reply against exactly this.

use chrono::{DateTime, Utc};

use super::language::ReplyLanguage;
use super::opening;
use crate::model::{Channel, Dealership, Lead, Message, Vehicle};
use crate::search::fold;

#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub dealership: Dealership,
    pub lead: Lead,
    /// Oldest first.
    pub conversation: Vec<Message>,
    /// Available cars that match the lead's interest (at most a few).
    pub vehicles: Vec<Vehicle>,
    pub now: DateTime<Utc>,
    /// Where the reply goes: an SMS is short and signed with the name only.
    pub channel: Channel,
    /// What the reply is written in ([`super::language::for_customer`]).
    pub language: ReplyLanguage,
    /// The customer's booked appointments still ahead.
    pub appointments: Vec<crate::model::Appointment>,
}

impl ReplyContext {
    pub fn is_sms(&self) -> bool {
        self.channel == Channel::Sms
    }

    /// The reply as sent: the text and the signature.
    pub fn signed(&self, text: &str) -> String {
        self.signed_in(text, self.language)
    }

    /// Signed in `language`: a template fallback is Norwegian whatever
    /// the customer wrote.
    pub fn signed_in(&self, text: &str, language: ReplyLanguage) -> String {
        if self.is_sms() {
            format!("{}\n– {}", text.trim(), self.dealership.name)
        } else {
            format!(
                "{}\n\n{}\n{}",
                text.trim(),
                language.closing(),
                self.signature()
            )
        }
    }

    pub fn open_now(&self) -> bool {
        opening::is_open_with(
            &self.dealership.opening_hours,
            &self.dealership.opening_exceptions,
            self.now,
        )
    }

    /// "mandag 30.11.2026 kl. 09:00", when closed now.
    pub fn next_opening_text(&self) -> Option<String> {
        opening::next_opening_with(
            &self.dealership.opening_hours,
            &self.dealership.opening_exceptions,
            self.now,
        )
        .map(|t| opening::oslo_text(t.with_timezone(&Utc)))
    }

    pub fn first_name(&self) -> Option<&str> {
        self.lead.first_name()
    }

    /// The car as the customer named it, else the best stock match.
    pub fn vehicle_label(&self) -> Option<String> {
        self.lead
            .vehicle_interest
            .clone()
            .filter(|v| !v.trim().is_empty())
            .or_else(|| {
                self.vehicles
                    .first()
                    .map(|v| format!("{} {}", v.make, v.model))
            })
    }

    pub fn signature(&self) -> String {
        if let Some(sig) = self.dealership.reply.signature.as_deref()
            && !sig.trim().is_empty()
        {
            return sig.trim().to_string();
        }
        let d = &self.dealership;
        let phone = d
            .phone
            .as_deref()
            .map(|p| format!("Tlf. {}", crate::phone::readable(p)));
        [Some(d.name.clone()), phone, d.address.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every text the reply may quote from; numbers in a reply must occur here.
    /// Where links in a reply may point: the dealership's own data (its
    /// email domain, websites, logo, signature) and the listed cars' pages.
    /// Never the customer's text: a customer's message can carry a link,
    /// but a reply under the dealership's name does not repeat it.
    pub fn trusted_link_sources(&self) -> String {
        let d = &self.dealership;
        let mut parts: Vec<String> = vec![d.email.clone(), self.signature()];
        parts.extend(d.capture.allowed_origins.iter().cloned());
        parts.extend(d.capture.thank_you_url.iter().cloned());
        parts.extend(d.branding.logo_url.iter().cloned());
        parts.extend(d.reply.signature.iter().cloned());
        parts.extend(self.vehicles.iter().filter_map(|v| v.listing_url.clone()));
        parts.join("\n")
    }

    pub fn facts(&self) -> String {
        let d = &self.dealership;
        let mut parts: Vec<String> = vec![
            d.name.clone(),
            d.phone.clone().unwrap_or_default(),
            d.phone
                .as_deref()
                .map(crate::phone::readable)
                .unwrap_or_default(),
            d.address.clone().unwrap_or_default(),
            d.email.clone(),
            opening::describe(&d.opening_hours),
            self.signature(),
            self.next_opening_text().unwrap_or_default(),
            self.lead.customer_name.clone().unwrap_or_default(),
            self.lead.customer_email.clone().unwrap_or_default(),
            self.lead.customer_phone.clone().unwrap_or_default(),
            self.lead.vehicle_interest.clone().unwrap_or_default(),
            self.lead.initial_message.clone().unwrap_or_default(),
        ];
        parts.extend(self.conversation.iter().map(|m| m.message_content.clone()));
        parts.extend(
            self.appointments
                .iter()
                .map(|a| opening::oslo_text(a.start)),
        );
        for v in &self.vehicles {
            parts.push(vehicle_line(v));
        }
        parts.join("\n")
    }
}

/// One stock car as the prompt lists it.
pub fn vehicle_line(v: &Vehicle) -> String {
    let mut line = format!("{} {}", v.make, v.model);
    if let Some(year) = v.year {
        line.push_str(&format!(", årsmodell {year}"));
    }
    if let Some(km) = v.mileage {
        line.push_str(&format!(", {km} km"));
    }
    if let Some(price) = v.price {
        line.push_str(&format!(", pris {} kr", price.round()));
    }
    if let Some(url) = &v.listing_url {
        line.push_str(&format!(", {url}"));
    }
    line
}

/// Available cars whose make or model appears in the customer's interest,
/// best matches first, at most `limit`.
pub fn matching_vehicles(stock: &[Vehicle], interest: Option<&str>, limit: usize) -> Vec<Vehicle> {
    let Some(interest) = interest.map(fold).filter(|i| !i.is_empty()) else {
        return Vec::new();
    };
    let mut scored: Vec<(usize, &Vehicle)> = stock
        .iter()
        .map(|v| {
            let model_hit = fold(&v.model)
                .split(' ')
                .filter(|w| w.len() > 1 && interest.contains(w))
                .count();
            let make_hit = usize::from(interest.contains(&fold(&v.make)));
            (model_hit * 2 + make_hit, v)
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored
        .into_iter()
        .take(limit)
        .map(|(_, v)| v.clone())
        .collect()
}

#[cfg(test)]
mod matching_tests {
    //! The rule behind both the cars the AI may mention and the cars a rep
    //! sees beside the lead (`GET /api/leads/{id}/matching-vehicles`).

    use super::*;
    use crate::model::VehicleStatus;

    fn stock() -> Vec<Vehicle> {
        let now = crate::time::now();
        [
            ("Toyota", "bZ4X"),
            ("Toyota", "RAV4 Plug-in Hybrid"),
            ("Volkswagen", "ID.4"),
            ("Toyota", "Corolla Touring Sports"),
            ("Škoda", "Enyaq"),
        ]
        .into_iter()
        .map(|(make, model)| Vehicle {
            id: crate::VehicleId::new_at(now),
            dealership_id: crate::DealershipId::new_at(now),
            make: make.into(),
            model: model.into(),
            year: Some(2024),
            vin: None,
            status: VehicleStatus::Available,
            price: None,
            mileage: None,
            fuel_type: None,
            listing_url: None,
            variant: None,
            colour: None,
            stock_number: None,
            images: Vec::new(),
            from_feed: false,
            created_at: now,
            updated_at: now,
            version: 1,
        })
        .collect()
    }

    fn models(interest: &str) -> Vec<String> {
        matching_vehicles(&stock(), Some(interest), 3)
            .into_iter()
            .map(|v| v.model)
            .collect()
    }

    #[test]
    fn the_model_asked_for_comes_first_then_the_same_make() {
        assert_eq!(
            models("Toyota bZ4X"),
            ["bZ4X", "RAV4 Plug-in Hybrid", "Corolla Touring Sports"]
        );
    }

    #[test]
    fn a_model_named_in_a_sentence_is_found_in_any_case() {
        assert_eq!(models("ny rav4 til meg, takk"), ["RAV4 Plug-in Hybrid"]);
        assert_eq!(models("ENYAQ"), ["Enyaq"]);
    }

    #[test]
    fn a_make_alone_gives_at_most_the_limit() {
        assert_eq!(models("noe fra Toyota").len(), 3);
        assert_eq!(
            matching_vehicles(&stock(), Some("Toyota"), 1)
                .into_iter()
                .map(|v| v.model)
                .collect::<Vec<_>>(),
            ["bZ4X"]
        );
    }

    #[test]
    fn nothing_in_stock_and_no_interest_give_nothing() {
        assert!(models("Tesla Model Y").is_empty());
        assert!(matching_vehicles(&stock(), None, 3).is_empty());
        assert!(matching_vehicles(&stock(), Some("   "), 3).is_empty());
    }
}
