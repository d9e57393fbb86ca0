//! Sessions: a random token in an HttpOnly cookie, its SHA-256 in the database, 30 days sliding
//! (inspectors may stay offline for days and must not be logged out on their way back).

use axum::extract::{FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};

use app::model::Role;

use crate::db::users::UserRow;
use crate::db::{parse_timestamp, sessions, timestamp, Db};
use crate::error::AppError;
use crate::http::AppState;

pub const SESSION_COOKIE: &str = "steelcheck_session";
pub const SESSION_DAYS: i64 = 30;
/// A session is pushed forward at most once a day, not on every request.
const EXTEND_AFTER_HOURS: i64 = 24;

/// The signed-in user of a request, put there by [`resolve`].
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub token_hash: String,
}

impl CurrentUser {
    pub fn role(&self) -> Role {
        self.user.role()
    }

    /// The office whose data this user is limited to; `None` for the task force, who see all.
    pub fn office_scope(&self) -> Option<&str> {
        match self.role() {
            Role::Taskforce => None,
            Role::Inspector | Role::Head => self.user.office_id.as_deref(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<CurrentUser>()
            .cloned()
            .ok_or(AppError::Unauthenticated)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for CurrentUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<CurrentUser>().cloned())
    }
}

/// A fresh token and the hash stored for it.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

pub fn expiry_from_now() -> String {
    timestamp(Utc::now() + Duration::days(SESSION_DAYS))
}

/// `Set-Cookie` for a session; `Secure` when the request came over TLS (directly or via a proxy).
pub fn session_cookie(token: &str, request_headers: &HeaderMap) -> HeaderValue {
    cookie(token, SESSION_DAYS * 24 * 3600, request_headers)
}

/// `Set-Cookie` that makes the browser forget the session.
pub fn cleared_cookie(request_headers: &HeaderMap) -> HeaderValue {
    cookie("", 0, request_headers)
}

fn cookie(value: &str, max_age_secs: i64, request_headers: &HeaderMap) -> HeaderValue {
    let secure = request_headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let text = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{}",
        if secure { "; Secure" } else { "" }
    );
    // Token characters are URL-safe base64, so the value is always a valid header.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The value of cookie `name` in a request.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value)
        })
}

/// Looks up the session cookie, makes the user available to handlers, and slides the expiry.
pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let token = cookie_value(request.headers(), SESSION_COOKIE).map(str::to_string);
    let mut refreshed_cookie = None;
    if let Some(token) = token.filter(|token| !token.is_empty()) {
        let token_hash = hash_token(&token);
        match lookup(&state.db, &token_hash).await {
            Ok(Some((user, extended))) => {
                if extended {
                    refreshed_cookie = Some(session_cookie(&token, request.headers()));
                }
                request
                    .extensions_mut()
                    .insert(CurrentUser { user, token_hash });
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "looking up a session"),
        }
    }
    let mut response = next.run(request).await;
    if let Some(cookie) = refreshed_cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The session's user, and whether its expiry was pushed forward just now.
async fn lookup(db: &Db, token_hash: &str) -> Result<Option<(UserRow, bool)>, sqlx::Error> {
    let Some((user, expires_at)) = sessions::find_user(db, token_hash).await? else {
        return Ok(None);
    };
    let full_life = Duration::days(SESSION_DAYS);
    let age = full_life - (parse_timestamp(&expires_at)? - Utc::now());
    let extend = age > Duration::hours(EXTEND_AFTER_HOURS);
    if extend {
        sessions::extend(db, token_hash, &expiry_from_now()).await?;
    }
    Ok(Some((user, extend)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_is_http_only_lax_and_secure_behind_tls() {
        let mut headers = HeaderMap::new();
        let plain = session_cookie("abc", &headers);
        let text = plain.to_str().expect("ascii");
        assert!(
            text.contains("HttpOnly") && text.contains("SameSite=Lax"),
            "{text}"
        );
        assert!(!text.contains("Secure"), "{text}");
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        let secure = session_cookie("abc", &headers);
        assert!(secure.to_str().expect("ascii").ends_with("; Secure"));
    }

    #[test]
    fn cookie_value_finds_the_named_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("lang=en; steelcheck_session=tok; x=1"),
        );
        assert_eq!(cookie_value(&headers, SESSION_COOKIE), Some("tok"));
        assert_eq!(cookie_value(&headers, "missing"), None);
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (first, first_hash) = new_token();
        let (second, _) = new_token();
        assert_ne!(first, second);
        assert_eq!(first_hash.len(), 64);
        assert_ne!(first_hash, first);
    }
}
