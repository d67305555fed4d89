//! Extractors that turn every malformed request into the one error shape:
//! wrong content type → 415, over 1 MiB → 413, broken JSON → 400, wrong
//! field types or unknown fields → 422 naming the field.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::{StatusCode, header, request::Parts};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use norvalt_core::validation::FieldErrors;

/// Request bodies above this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
            })
            .unwrap_or(false);
        if !is_json {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Send the body as application/json",
            ));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("The body may be at most {MAX_BODY_BYTES} bytes"),
                )
            } else {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "unreadable_body",
                    "The request body could not be read",
                )
            }
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                format!("The body is not valid JSON: {e}"),
            )
        })?;
        if !value.is_object() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_json",
                "The body must be a JSON object",
            ));
        }
        serde_path_to_error::deserialize(value)
            .map(JsonBody)
            .map_err(|e| {
                let message = e.inner().to_string();
                let field = field_name(&e.path().to_string(), &message);
                ApiError::invalid_fields(&FieldErrors::single(&field, message))
            })
    }
}

/// The field a serde error is about: its path, or for errors raised at the
/// object itself ("missing field `make`", "unknown field `x`") the quoted name.
fn field_name(path: &str, message: &str) -> String {
    if path != "." && !path.is_empty() {
        return path.to_string();
    }
    message
        .split('`')
        .nth(1)
        .filter(|_| message.contains("field `"))
        .unwrap_or("body")
        .to_string()
}

/// Query parameters, with bad values answered as 422 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        Query::<T>::try_from_uri(&parts.uri)
            .map(|Query(q)| ApiQuery(q))
            .map_err(|e| {
                let message = e.body_text();
                let message = message
                    .strip_prefix("Failed to deserialize query string: ")
                    .unwrap_or(&message)
                    .to_string();
                let field = message
                    .split(':')
                    .next()
                    .unwrap_or("query")
                    .trim()
                    .to_string();
                let field = if field.contains(' ') {
                    field_name(".", &message)
                } else {
                    field
                };
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_query",
                    format!("Invalid query parameter: {message}"),
                )
                .with_details(
                    serde_json::to_value(FieldErrors::single(&field, message)).unwrap_or_default(),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::field_name;

    #[test]
    fn field_names_come_from_path_or_message() {
        assert_eq!(field_name("status", "unknown variant"), "status");
        assert_eq!(field_name(".", "missing field `make`"), "make");
        assert_eq!(
            field_name(".", "unknown field `colour`, expected one of `make`"),
            "colour"
        );
        assert_eq!(field_name(".", "invalid type: string"), "body");
    }
}
