//! One error type for every endpoint, answered as `{ "error", "message" }` with the right status.
//!
//! Handlers return what went wrong as translation keys; the `localize` middleware words the
//! message in the caller's language (the `lang` cookie, then `Accept-Language`) and logs
//! internal causes, which the client never sees.

use app::i18n::Lang;
use app::model::{ApiErrorBody, FieldError, Violation};
use axum::extract::rejection::{BytesRejection, JsonRejection, QueryRejection};
use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// A violation found in one row of an uploaded file (row 1 is the header).
#[derive(Debug, Clone)]
pub struct RowViolation {
    pub row: Option<usize>,
    pub violation: Violation,
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("not allowed")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("bad request: {key}")]
    BadRequest {
        key: &'static str,
        params: Vec<(&'static str, String)>,
    },
    #[error("conflict: {key}")]
    Conflict {
        key: &'static str,
        params: Vec<(&'static str, String)>,
    },
    #[error("invalid input")]
    Invalid(Vec<RowViolation>),
    #[error("body too large")]
    TooLarge,
    #[error("photo bytes do not match their SHA-256")]
    HashMismatch,
    #[error("{} photo(s) missing", .0.len())]
    MissingPhotos(Vec<String>),
    #[error("rate limited for {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn bad_request(key: &'static str) -> Self {
        AppError::BadRequest {
            key,
            params: Vec::new(),
        }
    }

    pub fn conflict(key: &'static str) -> Self {
        AppError::Conflict {
            key,
            params: Vec::new(),
        }
    }

    /// Field violations of a single input (no row numbers).
    pub fn invalid(violations: Vec<Violation>) -> Self {
        AppError::Invalid(
            violations
                .into_iter()
                .map(|violation| RowViolation {
                    row: None,
                    violation,
                })
                .collect(),
        )
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::HashMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::MissingPhotos(_) => StatusCode::CONFLICT,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Database(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code clients branch on.
    fn code(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::BadCredentials => "bad_credentials",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::BadRequest { .. } => "bad_request",
            AppError::Conflict { .. } => "conflict",
            AppError::Invalid(_) => "invalid",
            AppError::TooLarge => "too_large",
            AppError::HashMismatch => "hash_mismatch",
            AppError::MissingPhotos(_) => "missing_photos",
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Database(_) | AppError::Internal(_) => "internal",
        }
    }

    /// The response body in `lang`.
    pub fn body(&self, lang: Lang) -> ApiErrorBody {
        let message = match self {
            AppError::Unauthenticated => lang.t("error.unauthenticated").to_string(),
            AppError::BadCredentials => lang.t("error.bad_credentials").to_string(),
            AppError::Forbidden => lang.t("error.forbidden").to_string(),
            AppError::NotFound(what) => {
                lang.format("error.not_found", &[("what", lang.t(what).to_string())])
            }
            AppError::BadRequest { key, params } | AppError::Conflict { key, params } => {
                lang.format(key, params)
            }
            AppError::Invalid(rows) => {
                lang.format("error.invalid", &[("count", rows.len().to_string())])
            }
            AppError::TooLarge => lang.t("error.too_large").to_string(),
            AppError::HashMismatch => lang.t("error.hash_mismatch").to_string(),
            AppError::MissingPhotos(missing) => lang.format(
                "error.missing_photos",
                &[("count", missing.len().to_string())],
            ),
            AppError::RateLimited { retry_after_secs } => lang.format(
                "error.rate_limited",
                &[("minutes", retry_after_secs.div_ceil(60).to_string())],
            ),
            AppError::Database(_) | AppError::Internal(_) => lang.t("error.internal").to_string(),
        };
        let details = match self {
            AppError::Invalid(rows) => rows
                .iter()
                .map(|row| FieldError {
                    row: row.row,
                    field: row.violation.field.to_string(),
                    message: lang.format(row.violation.key, &row.violation.params),
                })
                .collect(),
            _ => Vec::new(),
        };
        let missing_photos = match self {
            AppError::MissingPhotos(missing) => missing.clone(),
            _ => Vec::new(),
        };
        ApiErrorBody {
            error: self.code().to_string(),
            message,
            details,
            missing_photos,
        }
    }
}

/// Carried from the handler to the `localize` middleware inside the response.
#[derive(Clone)]
struct PendingError(std::sync::Arc<AppError>);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let AppError::RateLimited { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
            .extensions_mut()
            .insert(PendingError(std::sync::Arc::new(self)));
        response
    }
}

/// The language a request asked for: the switch's cookie first, then the browser's preference.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(Lang::from_cookie_header);
    let accept = || {
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(Lang::from_accept_language)
    };
    cookie.or_else(accept).unwrap_or_default()
}

/// Words every `AppError` in the caller's language, and logs the ones that are our fault.
pub async fn localize(request: Request, next: Next) -> Response {
    let lang = request_lang(request.headers());
    let mut response = next.run(request).await;
    let Some(PendingError(error)) = response.extensions_mut().remove::<PendingError>() else {
        return response;
    };
    if error.status().is_server_error() {
        tracing::error!(error = %error, "request failed");
    }
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = Json(error.body(lang)).into_response();
    parts.headers.extend(body.headers().clone());
    Response::from_parts(parts, body.into_body())
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::bad_request("error.json_content_type"),
            _ => AppError::BadRequest {
                key: "error.malformed_json",
                params: vec![("detail", rejection.body_text())],
            },
        }
    }
}

impl From<BytesRejection> for AppError {
    fn from(rejection: BytesRejection) -> Self {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::Internal(format!("reading a request body: {rejection}"))
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::BadRequest {
            key: "error.bad_query",
            params: vec![("detail", rejection.body_text())],
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;
