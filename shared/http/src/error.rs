//! The one error shape: `{"error":{"code":"lead_not_found","message":"…","details":…}}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use norvalt_core::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub details: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `lead_not_found`, `validation_failed`, …
    pub code: String,
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub details: Option<serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn unauthorized(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn not_found(code: &str, message: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 422 naming the fields.
    pub fn invalid_fields(fields: &norvalt_core::validation::FieldErrors) -> Self {
        let names: Vec<&str> = fields.fields.iter().map(|f| f.field.as_str()).collect();
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            format!("Invalid fields: {}", names.join(", ")),
        )
        .with_details(serde_json::to_value(fields).unwrap_or_default())
    }
}

impl ApiError {
    /// A storage failure outside a use case (routing lookups in webhooks).
    pub fn from_store(e: norvalt_core::StoreError) -> Self {
        DomainError::Store(e).into()
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound { code, message } => ApiError::not_found(code, message),
            DomainError::Validation(fields) => ApiError::invalid_fields(&fields),
            DomainError::Forbidden { code, message } => {
                ApiError::new(StatusCode::FORBIDDEN, code, message)
            }
            DomainError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            DomainError::PaymentRequired { code, message } => {
                ApiError::new(StatusCode::PAYMENT_REQUIRED, code, message)
            }
            DomainError::InvalidCursor => ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_cursor",
                "The cursor is invalid, was tampered with, or belongs to another query",
            ),
            DomainError::Queue(err) => {
                tracing::error!(error = %err, "queue failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Something went wrong on our side",
                )
            }
            DomainError::Store(err) => {
                tracing::error!(error = %err, "storage failure");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Something went wrong on our side",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                details: self.details,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
