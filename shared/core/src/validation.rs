//! Input validation shared by every entry point. Each check returns the cleaned
//! value (trimmed, normalised) or records an error against the field's name, so
//! a 422 names every bad field at once.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldErrors {
    pub fields: Vec<FieldError>,
}

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new();
        e.add(field, message);
        e
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields.push(FieldError {
            field: field.to_string(),
            message: message.into(),
        });
    }

    /// Whether `field` has an error.
    pub fn contains(&self, field: &str) -> bool {
        self.fields.iter().any(|f| f.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Runs a check; on failure records it and yields `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.fields.push(e);
                None
            }
        }
    }
}

fn err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Trims; an empty string becomes `None`. Rejects over-long text and control
/// characters (newlines and tabs are allowed only where `multiline`).
pub fn text(
    field: &str,
    value: Option<&str>,
    max_chars: usize,
    multiline: bool,
) -> Result<Option<String>, FieldError> {
    let Some(value) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let len = value.chars().count();
    if len > max_chars {
        return Err(err(
            field,
            format!("must be at most {max_chars} characters (got {len})"),
        ));
    }
    let bad_control = value
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if bad_control {
        return Err(err(field, "must not contain control characters"));
    }
    Ok(Some(value.to_string()))
}

/// Like [`text`] but the value must be present.
pub fn required_text(
    field: &str,
    value: Option<&str>,
    max_chars: usize,
) -> Result<String, FieldError> {
    text(field, value, max_chars, false)?.ok_or_else(|| err(field, "is required"))
}

/// An email address, lower-cased so that de-duplication and routing compare
/// equal. Only a bare addr-spec (`kari@example.no`) is an address here:
/// display text, angle brackets, lists, comments, quotes, whitespace and
/// control characters are refused, because a stored address ends up in a
/// header of the mail we send.
pub fn email(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if value.len() > 254 {
        return Err(err(field, "must be at most 254 characters"));
    }
    let invalid = || err(field, "is not a valid email address");
    if value.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(
                c,
                '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | '\\' | '"'
            )
    }) {
        return Err(invalid());
    }
    let parsed = value
        .parse::<email_address::EmailAddress>()
        .map_err(|_| invalid())?;
    // The RFC allows dotless domains and quoted local parts; no customer of a
    // Norwegian car dealer has one, and accepting them only lets typos through.
    let domain = parsed.domain();
    if parsed.email() != value
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(invalid());
    }
    Ok(value.to_lowercase())
}

/// A phone number in E.164 (`+4791234567`), read by [`crate::phone::parse`]:
/// numbers without a country code are Norwegian, including mobiles that
/// begin with 47.
pub fn phone(field: &str, value: &str) -> Result<String, FieldError> {
    crate::phone::parse(value).ok_or_else(|| err(field, "is not a valid phone number"))
}

/// A postal address, the one rule for creating a dealership and changing its
/// settings: at most 300 characters, on several lines if need be (street,
/// then postcode and place).
pub fn address(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    text(field, value, 300, true)
}

/// An absolute http(s) URL.
pub fn url(field: &str, value: &str) -> Result<String, FieldError> {
    let value = value.trim();
    if value.len() > 2048 {
        return Err(err(field, "must be at most 2048 characters"));
    }
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| err(field, "must be an absolute http(s) URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(err(field, "must be an absolute http(s) URL"));
    }
    Ok(value.to_string())
}

/// A website origin (`https://www.example.no`): scheme and host, no path.
pub fn origin(field: &str, value: &str) -> Result<String, FieldError> {
    let url = url(field, value)?;
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    if rest.trim_end_matches('/').contains(['/', '?', '#']) {
        return Err(err(
            field,
            "an origin is scheme and host only, without a path",
        ));
    }
    Ok(url.trim_end_matches('/').to_lowercase())
}

/// Free-form metadata: a JSON object of bounded size.
pub fn metadata(
    field: &str,
    value: serde_json::Value,
    max_bytes: usize,
) -> Result<serde_json::Value, FieldError> {
    if !value.is_object() {
        return Err(err(field, "must be a JSON object"));
    }
    let size = serde_json::to_vec(&value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > max_bytes {
        return Err(err(
            field,
            format!("must be at most {max_bytes} bytes of JSON"),
        ));
    }
    Ok(value)
}

/// Metadata keys Norvalt itself writes and later acts on (erasure follows
/// `raw_mail`, de-duplication `capture`, the dashboard trusts `fallback` …).
/// A client may not set them; nor any `unparsed_…` key.
pub const RESERVED_METADATA_KEYS: &[&str] = &[
    "additional_sources",
    "author_user_id",
    "automation",
    "capture",
    "erased",
    "fallback",
    "fallback_reason",
    "input_tokens",
    "kind",
    "message_cleaned",
    "message_sid",
    "new_contact",
    "output_tokens",
    "prompt_version",
    "raw_mail",
    "send_key",
    "source",
];

/// [`metadata`] from an API client: Norvalt's own keys are refused.
pub fn client_metadata(
    field: &str,
    value: serde_json::Value,
    max_bytes: usize,
) -> Result<serde_json::Value, FieldError> {
    let value = metadata(field, value, max_bytes)?;
    let reserved: Vec<&str> = value
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .filter(|k| RESERVED_METADATA_KEYS.contains(&k.as_str()) || k.starts_with("unparsed_"))
        .map(String::as_str)
        .collect();
    if reserved.is_empty() {
        Ok(value)
    } else {
        Err(err(
            field,
            format!("uses keys reserved for Norvalt: {}", reserved.join(", ")),
        ))
    }
}

pub fn in_range(field: &str, value: i64, min: i64, max: i64) -> Result<i64, FieldError> {
    if value < min || value > max {
        return Err(err(field, format!("must be between {min} and {max}")));
    }
    Ok(value)
}

/// A URL slug: lower-case ASCII letters, digits and single hyphens.
pub fn slug(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_lowercase();
    let ok = (2..=63).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !v.starts_with('-')
        && !v.ends_with('-')
        && !v.contains("--");
    if ok {
        Ok(v)
    } else {
        Err(err(
            field,
            "must be 2–63 characters of a–z, 0–9 and single hyphens",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_numbers_become_e164() {
        assert_eq!(phone("p", "912 34 567").unwrap(), "+4791234567");
        assert_eq!(phone("p", "0047 913 22 044").unwrap(), "+4791322044");
        assert_eq!(phone("p", "+47 482 11 903").unwrap(), "+4748211903");
        assert_eq!(phone("p", "22 33 44 55").unwrap(), "+4722334455");
    }

    #[test]
    fn international_numbers_keep_their_country() {
        assert_eq!(phone("p", "+46 70 123 45 67").unwrap(), "+46701234567");
        assert_eq!(phone("p", "0046 70 123 45 67").unwrap(), "+46701234567");
    }

    #[test]
    fn junk_phone_numbers_are_rejected() {
        for bad in [
            "",
            "abc",
            "123",
            "+47 12",
            "9123456789012345678901234567890123",
        ] {
            assert!(phone("customer_phone", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn emails_are_checked_and_lower_cased() {
        assert_eq!(
            email("e", " Kari.Nordmann@Example.NO ").unwrap(),
            "kari.nordmann@example.no"
        );
        assert_eq!(email("e", "ola+bil@bø.no").unwrap(), "ola+bil@bø.no");
        for bad in [
            "",
            "kari",
            "kari@",
            "@example.no",
            "kari@localhost",
            "kari@@x.no",
            "a b@x.no",
            "Kari <kari@example.no>",
            "kari@example.no>",
            "a@evil.example>\r\nBcc: v1@x.example, v2@y.example\r\nX-J: z <k@example.no>",
            "a@x.no\nbcc: b@y.no",
            "a@x.no, b@y.no",
            "a@x.no;b@y.no",
            "\"a b\"@x.no",
            "a@[127.0.0.1]",
            "a(comment)@x.no",
            "a@x.no\u{0}",
        ] {
            assert!(email("e", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded() {
        assert_eq!(
            text("f", Some("  Ærlig Åse  "), 20, false)
                .unwrap()
                .as_deref(),
            Some("Ærlig Åse")
        );
        assert_eq!(text("f", Some("   "), 20, false).unwrap(), None);
        assert!(text("f", Some("øøøøø"), 4, false).is_err());
        assert!(text("f", Some("a\u{0}b"), 10, true).is_err());
        assert!(text("f", Some("a\nb"), 10, false).is_err());
        assert_eq!(
            text("f", Some("a\nb"), 10, true).unwrap().as_deref(),
            Some("a\nb")
        );
    }

    #[test]
    fn urls_must_be_absolute_http() {
        assert!(url("u", "https://bil.no/bil?id=1").is_ok());
        for bad in [
            "ftp://x.no",
            "javascript:alert(1)",
            "https://",
            "bil.no",
            "https://a b.no",
        ] {
            assert!(url("u", bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn clients_cannot_set_norvalts_own_metadata() {
        use serde_json::json;
        assert!(client_metadata("m", json!({"utm_source": "google"}), 100).is_ok());
        for key in ["raw_mail", "capture", "unparsed_email", "fallback"] {
            let e = client_metadata("m", json!({key: "x"}), 100).unwrap_err();
            assert!(e.message.contains(key), "{key}");
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("s", "Fjord-Bil-Bergen").unwrap(), "fjord-bil-bergen");
        for bad in ["-a", "a-", "a--b", "bø", "a", "a b"] {
            assert!(slug("s", bad).is_err(), "{bad} accepted");
        }
    }
}
