//! The one place where errors become HTTP: every error is JSON
//! `{"success": false, "error": "..."}` with its status; internal details are logged, never sent.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("Invalid API key")]
    Unauthorized,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("Rate limit exceeded: try again in {0} s")]
    RateLimited(u64),
    #[error("{0}")]
    Unavailable(String),
    /// The message is logged; the client gets a generic one.
    #[error("An error occurred while processing your request")]
    Internal(String),
    /// A job that failed with a message meant for the client.
    #[error("{message}")]
    Job {
        status: StatusCode,
        message: String,
        uuid: String,
    },
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Job { status, .. } => *status,
        }
    }
}

impl From<jobs::backend::BackendError> for ApiError {
    fn from(e: jobs::backend::BackendError) -> Self {
        match e {
            jobs::backend::BackendError::Unavailable(m) => {
                ApiError::Unavailable(format!("Service unavailable: {m}"))
            }
            jobs::backend::BackendError::Other(m) => ApiError::Internal(m),
        }
    }
}

impl From<jobs::Failure> for ApiError {
    fn from(f: jobs::Failure) -> Self {
        let status =
            StatusCode::from_u16(f.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match status {
            StatusCode::INTERNAL_SERVER_ERROR => ApiError::Internal(f.message),
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(f.message),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::Unsupported(f.message),
            _ => ApiError::BadRequest(f.message),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let mut body = json!({"success": false, "error": self.to_string()});
        if let ApiError::Job { uuid, .. } = &self {
            body["uuid"] = json!(uuid);
            body["status"] = json!("failed");
        }
        let mut resp = (status, axum::Json(body)).into_response();
        if let ApiError::RateLimited(secs) = self {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
