//! Every error a handler answers, mapped to a response in one place
//! (`/v1/health` answers its own 503, with the body it documents). A
//! caller's mistake says what was wrong; a failure of the service is
//! logged with its detail and answered with a short, stable message.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::store::StoreError;

/// The most header bytes (names and values) a request may carry: a token,
/// a cookie of the page's own and the usual headers fit many times over.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("{0}")]
    NotFound(String),
    #[error("this endpoint does not take this method; see the Allow header")]
    MethodNotAllowed,
    #[error("{0}")]
    TooLarge(String),
    #[error("the request's headers are {0} bytes, over the limit of {limit}", limit = MAX_HEADER_BYTES)]
    HeadersTooLarge(usize),
    #[error("{0}")]
    Unprocessable(String),
    #[error("too many requests from this token; try again in {}s", .0.as_secs().max(1))]
    RateLimited(Duration),
    #[error(
        "this token already has {0} submissions waiting to be graded; try again when one is done"
    )]
    TooManyPending(i64),
    #[error("the queue is full; try again in {}s", .0.as_secs().max(1))]
    QueueFull(Duration),
    /// The database does not answer (down, restarting, out of
    /// connections): the caller may try again shortly.
    #[error("the service's database is not answering; try again in {}s", UNAVAILABLE_RETRY.as_secs())]
    Unavailable(#[source] StoreError),
    #[error("internal error")]
    Internal(#[source] StoreError),
    #[error("internal error")]
    Metrics(#[from] std::fmt::Error),
}

/// How long a caller waits before it tries again while the database does
/// not answer.
pub const UNAVAILABLE_RETRY: Duration = Duration::from_secs(2);

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> AppError {
        if error.is_unavailable() {
            AppError::Unavailable(error)
        } else {
            AppError::Internal(error)
        }
    }
}

/// The `error` code of an error response, left in the response's
/// extensions for [`crate::metrics::track`] to count it by.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCode(pub &'static str);

/// The JSON body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// A stable code: `bad_request`, `unauthorized`, `forbidden`,
    /// `not_found`, `method_not_allowed`, `too_large`, `headers_too_large`,
    /// `invalid`, `rate_limited`,
    /// `too_many_pending`, `queue_full`, `unavailable` (the database does
    /// not answer; with `Retry-After`), `internal`.
    pub error: &'static str,
    /// What was wrong, for a person.
    pub message: String,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, retry) = match &self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request", None),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, "unauthorized", None),
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", None),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", None),
            AppError::MethodNotAllowed => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None)
            }
            AppError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", None),
            AppError::HeadersTooLarge(_) => (
                StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
                "headers_too_large",
                None,
            ),
            AppError::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid", None),
            AppError::RateLimited(wait) => {
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited", Some(*wait))
            }
            AppError::TooManyPending(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_pending",
                Some(Duration::from_secs(5)),
            ),
            AppError::QueueFull(wait) => {
                (StatusCode::SERVICE_UNAVAILABLE, "queue_full", Some(*wait))
            }
            AppError::Unavailable(error) => {
                tracing::warn!(%error, cause = ?std::error::Error::source(error).map(ToString::to_string), "the database does not answer");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    Some(UNAVAILABLE_RETRY),
                )
            }
            AppError::Internal(_) | AppError::Metrics(_) => {
                let mut detail = String::new();
                let mut source = std::error::Error::source(&self);
                while let Some(cause) = source {
                    if !detail.is_empty() {
                        detail.push_str(": ");
                    }
                    detail.push_str(&cause.to_string());
                    source = cause.source();
                }
                tracing::error!(%detail, "request failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal", None)
            }
        };
        let body = ErrorBody {
            error: code,
            message: self.to_string(),
        };
        let mut response = (status, Json(body)).into_response();
        response.extensions_mut().insert(ErrorCode(code));
        if let Some(wait) = retry {
            let seconds = wait.as_secs().max(1).to_string();
            if let Ok(value) = HeaderValue::from_str(&seconds) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
