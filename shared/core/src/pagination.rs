//! Cursor paging. A cursor is the last item's position plus an HMAC over the
//! tenant, the query's filters and that position: the server detects a
//! tampered cursor, and one cursor cannot be replayed against another
//! dealership or another query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::error::DomainError;
use crate::tenancy::TenantId;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Signs and checks cursors. Every instance of a deployment must share the key.
#[derive(Clone)]
pub struct CursorCodec {
    key: [u8; 32],
}

const TAG_LEN: usize = 16;

impl CursorCodec {
    pub fn new(key: [u8; 32]) -> Self {
        Self { key }
    }

    /// The key from a secret's text: 64 hex characters as the bytes they
    /// spell, any other text of 32 characters or more through SHA-256 (the
    /// secret Secrets Manager generates is letters and digits).
    pub fn key_from_secret(text: &str) -> Result<[u8; 32], String> {
        use sha2::Digest;
        let text = text.trim();
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut key = [0u8; 32];
            for (i, byte) in key.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).expect("checked hex");
            }
            return Ok(key);
        }
        if text.chars().count() < 32 {
            return Err("the cursor key must be at least 32 characters".into());
        }
        Ok(Sha256::digest(text.as_bytes()).into())
    }

    fn mac(&self, tenant: &TenantId, scope: &str, position: &str) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC accepts any key length");
        // Length-prefixed, so no two (scope, position) pairs hash the same bytes.
        for part in [tenant.to_string().as_str(), scope, position] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// `scope` names the listing and its filters (see [`scope`]).
    pub fn encode(&self, tenant: &TenantId, scope: &str, position: &str) -> String {
        let mut raw = self.mac(tenant, scope, position).finalize().into_bytes()[..TAG_LEN].to_vec();
        raw.extend_from_slice(position.as_bytes());
        B64.encode(raw)
    }

    pub fn decode(
        &self,
        tenant: &TenantId,
        scope: &str,
        cursor: &str,
    ) -> Result<String, DomainError> {
        let raw = B64
            .decode(cursor.as_bytes())
            .map_err(|_| DomainError::InvalidCursor)?;
        if raw.len() <= TAG_LEN || cursor.len() > 512 {
            return Err(DomainError::InvalidCursor);
        }
        let (tag, position) = raw.split_at(TAG_LEN);
        let position = std::str::from_utf8(position).map_err(|_| DomainError::InvalidCursor)?;
        self.mac(tenant, scope, position)
            .verify_truncated_left(tag)
            .map_err(|_| DomainError::InvalidCursor)?;
        Ok(position.to_string())
    }
}

/// A canonical description of a listing and its filters, e.g.
/// `leads?status=new&source=`: two requests page the same sequence exactly
/// when their scopes are equal.
pub fn scope(listing: &str, filters: &[(&str, Option<String>)]) -> String {
    let mut s = String::from(listing);
    for (name, value) in filters {
        s.push('|');
        s.push_str(name);
        s.push('=');
        s.push_str(value.as_deref().unwrap_or(""));
    }
    s
}

/// The position a cursor points after, parsed as the listing's id type.
pub fn decode_after<T: std::str::FromStr>(
    codec: &CursorCodec,
    tenant: &TenantId,
    scope: &str,
    cursor: Option<&str>,
) -> Result<Option<T>, DomainError> {
    cursor
        .map(|c| {
            codec
                .decode(tenant, scope, c)?
                .parse::<T>()
                .map_err(|_| DomainError::InvalidCursor)
        })
        .transpose()
}

/// Clamps a requested page size; `None` means the default.
pub fn limit(requested: Option<i64>) -> Result<usize, DomainError> {
    match requested {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => Ok(n as usize),
        Some(_) => Err(DomainError::Validation(
            crate::validation::FieldErrors::single(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ),
        )),
    }
}

/// Turns `limit + 1` fetched items into a page: the extra item only proves
/// that there is a next page.
pub fn into_page<T>(
    mut items: Vec<T>,
    limit: usize,
    codec: &CursorCodec,
    tenant: &TenantId,
    scope: &str,
    position_of: impl Fn(&T) -> String,
) -> Page<T> {
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items
            .last()
            .map(|last| codec.encode(tenant, scope, &position_of(last)))
    } else {
        None
    };
    Page { items, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DealershipId;

    fn tenant() -> TenantId {
        TenantId::mint(DealershipId::new_at(chrono::Utc::now()))
    }

    #[test]
    fn keys_come_from_hex_or_from_a_generated_secret() {
        let hex = "07".repeat(32);
        assert_eq!(CursorCodec::key_from_secret(&hex).unwrap(), [7; 32]);
        let generated = "Zk3Lq9TnV2wXy8Rb4Hc6Jd1Mf5Gp0Sa7Ue3Wi9Oo2Kr6Yt8Nv4Bx1Cz5Dm7Ef0Gh";
        let a = CursorCodec::key_from_secret(generated).unwrap();
        assert_eq!(a, CursorCodec::key_from_secret(generated).unwrap());
        assert_ne!(
            a,
            CursorCodec::key_from_secret(&generated.replace('Z', "Y")).unwrap()
        );
        assert!(CursorCodec::key_from_secret("too short").is_err());
    }

    #[test]
    fn round_trip_and_tamper_detection() {
        let codec = CursorCodec::new([7; 32]);
        let t = tenant();
        let c = codec.encode(&t, "leads|status=new", "0193-abc");
        assert_eq!(
            codec.decode(&t, "leads|status=new", &c).unwrap(),
            "0193-abc"
        );
        // Another query, another tenant, another key, a flipped byte: all rejected.
        assert!(codec.decode(&t, "leads|status=won", &c).is_err());
        assert!(codec.decode(&tenant(), "leads|status=new", &c).is_err());
        assert!(
            CursorCodec::new([8; 32])
                .decode(&t, "leads|status=new", &c)
                .is_err()
        );
        let mut raw = B64.decode(&c).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(
            codec
                .decode(&t, "leads|status=new", &B64.encode(raw))
                .is_err()
        );
        assert!(codec.decode(&t, "leads|status=new", "not base64!").is_err());
        assert!(codec.decode(&t, "leads|status=new", "").is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None).unwrap(), 25);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}
