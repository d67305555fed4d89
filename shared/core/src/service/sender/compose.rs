//! A reply to a customer as an email: From the dealership's address on the
//! sending domain, Reply-To the signed reply address, one-click unsubscribe.

use chrono::{DateTime, Utc};

use crate::model::{Channel, Dealership, Lead, Message};
use crate::outbound::links::{self, Unsubscribe};
use crate::outbound::{OutboundEmail, email};

use super::*;

impl Sender {
    pub(super) fn compose_email(
        &self,
        dealership: &Dealership,
        lead: &Lead,
        message: &Message,
        to: &str,
        send_key: &str,
        now: DateTime<Utc>,
    ) -> OutboundEmail {
        let c = &self.config;
        let token = links::unsubscribe_token(
            &c.link_key,
            &Unsubscribe {
                dealership_id: dealership.id,
                lead_id: lead.id,
                channel: Channel::Email,
            },
        );
        let unsubscribe_url = format!("{}/unsubscribe/{token}", c.public_url.trim_end_matches('/'));
        // A follow-up template brings its own subject.
        let subject = match (message.metadata["subject"].as_str(), &lead.vehicle_interest) {
            (Some(s), _) if !s.trim().is_empty() => s.trim().to_string(),
            (_, Some(v)) => format!("{v} – svar fra {}", dealership.name),
            (_, None) => format!("Svar fra {}", dealership.name),
        };
        OutboundEmail {
            send_key: send_key.to_string(),
            from_name: dealership
                .reply
                .sender_name
                .clone()
                .unwrap_or_else(|| dealership.name.clone()),
            from_address: format!("{}@svar.{}", dealership.slug, c.mail_domain),
            to_name: lead.customer_name.clone(),
            to: to.to_string(),
            reply_to: format!(
                "{}@{}.{}",
                links::reply_local_part(&c.link_key, lead.id),
                dealership.slug,
                c.mail_domain
            ),
            subject,
            text: format!(
                "{}\n\n--\nVil du ikke ha flere e-poster fra {}? {unsubscribe_url}",
                message.message_content, dealership.name
            ),
            html: email::html_body(&dealership.name, &message.message_content, &unsubscribe_url),
            unsubscribe_mailto: None,
            unsubscribe_url,
            message_id: format!("{}@{}", send_key.replace(':', "-"), c.mail_domain),
            date: now,
            calendar: message.metadata["calendar"].as_str().map(str::to_string),
        }
    }
}
