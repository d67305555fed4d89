//! Signed tokens in the links and addresses Norvalt gives customers: the
//! unsubscribe link and the per-lead Reply-To address. HMAC-SHA256 with the
//! platform's link key, so neither can be forged to reach another lead.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::ids::{DealershipId, LeadId};
use crate::model::Channel;

fn mac(key: &[u8], payload: &str) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
    m.update(payload.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// The booking page's token: which lead of which dealership it books for.
/// Signed over a `book:` prefix, so no unsubscribe token passes for one.
pub fn booking_token(key: &[u8], dealership: DealershipId, lead: LeadId) -> String {
    let payload = format!(
        "{}.{}",
        dealership.as_uuid().simple(),
        lead.as_uuid().simple()
    );
    let sig = URL_SAFE_NO_PAD.encode(&mac(key, &format!("book:{payload}"))[..16]);
    format!("{payload}.{sig}")
}

pub fn verify_booking(key: &[u8], token: &str) -> Option<(DealershipId, LeadId)> {
    let (payload, sig) = token.rsplit_once('.')?;
    let expected = URL_SAFE_NO_PAD.encode(&mac(key, &format!("book:{payload}"))[..16]);
    if !constant_time_eq(expected.as_bytes(), sig.as_bytes()) {
        return None;
    }
    let (dealership, lead) = payload.split_once('.')?;
    Some((
        DealershipId::from_uuid(dealership.parse().ok()?),
        LeadId::from_uuid(lead.parse().ok()?),
    ))
}

/// Where a lead's customer books: the page's address with its token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BookingLinks {
    pub key: Vec<u8>,
    /// The public base URL (`NORVALT_PUBLIC_URL`, or the booking
    /// function's URL in AWS); without one no link is offered.
    pub base_url: Option<String>,
}

impl BookingLinks {
    pub fn for_lead(&self, dealership: DealershipId, lead: LeadId) -> Option<String> {
        let base = self.base_url.as_deref()?.trim_end_matches('/');
        Some(format!(
            "{base}/book/{}",
            booking_token(&self.key, dealership, lead)
        ))
    }
}

/// What an unsubscribe token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub dealership_id: DealershipId,
    pub lead_id: LeadId,
    pub channel: Channel,
}

fn channel_code(c: Channel) -> &'static str {
    match c {
        Channel::Email => "e",
        Channel::Sms => "s",
        Channel::Facebook => "f",
        Channel::Website => "w",
        Channel::Note => "n",
    }
}

pub fn unsubscribe_token(key: &[u8], u: &Unsubscribe) -> String {
    let payload = format!(
        "{}.{}.{}",
        u.dealership_id.as_uuid().simple(),
        u.lead_id.as_uuid().simple(),
        channel_code(u.channel)
    );
    let sig = URL_SAFE_NO_PAD.encode(&mac(key, &payload)[..16]);
    format!("{payload}.{sig}")
}

pub fn verify_unsubscribe(key: &[u8], token: &str) -> Option<Unsubscribe> {
    let (payload, sig) = token.rsplit_once('.')?;
    let expected = URL_SAFE_NO_PAD.encode(&mac(key, payload)[..16]);
    if !constant_time_eq(expected.as_bytes(), sig.as_bytes()) {
        return None;
    }
    let mut parts = payload.split('.');
    let dealership_id = DealershipId::from_uuid(parts.next()?.parse().ok()?);
    let lead_id = LeadId::from_uuid(parts.next()?.parse().ok()?);
    let channel = match parts.next()? {
        "e" => Channel::Email,
        "s" => Channel::Sms,
        _ => return None,
    };
    parts.next().is_none().then_some(Unsubscribe {
        dealership_id,
        lead_id,
        channel,
    })
}

/// The local part of a lead's Reply-To address: `svar+<lead>.<sig>`.
pub fn reply_local_part(key: &[u8], lead: LeadId) -> String {
    let id = lead.as_uuid().simple().to_string();
    let sig: String = mac(key, &format!("reply.{id}"))[..5]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("svar+{id}.{sig}")
}

/// The lead a reply address points at, if the address is genuine.
pub fn lead_of_reply_address(key: &[u8], address: &str) -> Option<LeadId> {
    let local = address.split('@').next()?.to_ascii_lowercase();
    let tag = local.strip_prefix("svar+")?;
    let (id, _) = tag.split_once('.')?;
    let lead = LeadId::from_uuid(id.parse().ok()?);
    let expected = reply_local_part(key, lead);
    constant_time_eq(expected.as_bytes(), local.as_bytes()).then_some(lead)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_booking_token_names_its_lead_and_cannot_be_forged_or_swapped() {
        let (d, l) = (
            DealershipId::new_at(chrono::Utc::now()),
            LeadId::new_at(chrono::Utc::now()),
        );
        let token = booking_token(b"key", d, l);
        assert_eq!(verify_booking(b"key", &token), Some((d, l)));
        assert_eq!(verify_booking(b"other key", &token), None);
        let other = LeadId::new_at(chrono::Utc::now() + chrono::Duration::seconds(1));
        let (payload, sig) = token.rsplit_once('.').unwrap();
        let swapped = payload.replace(
            &l.as_uuid().simple().to_string(),
            &other.as_uuid().simple().to_string(),
        );
        assert_eq!(verify_booking(b"key", &format!("{swapped}.{sig}")), None);
        // An unsubscribe token is no booking token.
        let unsub = unsubscribe_token(
            b"key",
            &Unsubscribe {
                dealership_id: d,
                lead_id: l,
                channel: Channel::Email,
            },
        );
        assert_eq!(verify_booking(b"key", &unsub), None);
        let links = BookingLinks {
            key: b"key".to_vec(),
            base_url: Some("https://x.no/".into()),
        };
        assert_eq!(
            links.for_lead(d, l),
            Some(format!("https://x.no/book/{token}"))
        );
        assert_eq!(BookingLinks::default().for_lead(d, l), None);
    }

    #[test]
    fn tokens_round_trip_and_forgeries_fail() {
        let now = crate::time::now();
        let u = Unsubscribe {
            dealership_id: DealershipId::new_at(now),
            lead_id: LeadId::new_at(now),
            channel: Channel::Email,
        };
        let token = unsubscribe_token(b"key", &u);
        assert_eq!(verify_unsubscribe(b"key", &token), Some(u.clone()));
        assert_eq!(verify_unsubscribe(b"other key", &token), None);
        let other_lead = unsubscribe_token(
            b"key",
            &Unsubscribe {
                lead_id: LeadId::new_at(now),
                ..u.clone()
            },
        );
        let forged = format!(
            "{}.{}",
            other_lead.rsplit_once('.').unwrap().0,
            token.rsplit_once('.').unwrap().1
        );
        assert_eq!(verify_unsubscribe(b"key", &forged), None);
        assert_eq!(verify_unsubscribe(b"key", "garbage"), None);
    }

    #[test]
    fn reply_addresses_name_their_lead_and_only_it() {
        let lead = LeadId::new_at(crate::time::now());
        let local = reply_local_part(b"key", lead);
        let address = format!("{local}@bilsenteret-drammen.norvalt.no");
        assert_eq!(lead_of_reply_address(b"key", &address), Some(lead));
        assert_eq!(
            lead_of_reply_address(b"key", &address.to_uppercase()),
            Some(lead),
            "mail systems may change the case"
        );
        let tampered = address.replacen("svar+", "svar+0", 1);
        assert_eq!(lead_of_reply_address(b"key", &tampered), None);
        assert_eq!(lead_of_reply_address(b"key", "leads@x.norvalt.no"), None);
    }
}
