//! `/auth/login`, `/auth/logout` and `/me`.

use app::model::Me;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

use super::{ApiJson, AppState, ClientAddress};
use crate::auth::session::{cleared_cookie, expiry_from_now, new_token, session_cookie};
use crate::auth::{password, rate_limit, CurrentUser};
use crate::db::{sessions, users};
use crate::error::{AppError, AppResult};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
}

#[derive(Debug, Deserialize)]
struct LoginRequest {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    let username = request.username.trim();
    if username.is_empty() || request.password.is_empty() {
        return Err(AppError::bad_request("auth.missing_fields"));
    }
    rate_limit::check(&state.db, username, &address).await?;

    let mut conn = state.db.acquire().await?;
    let user = users::find_by_username(&mut conn, username).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let matches = password::verify(request.password, stored_hash).await?;
    let Some(user) = user.filter(|_| matches) else {
        rate_limit::record_failure(&state.db, username, &address).await?;
        return Err(AppError::BadCredentials);
    };

    let (token, token_hash) = new_token();
    sessions::insert(&mut conn, &token_hash, &user.id, &expiry_from_now()).await?;
    let cookie = session_cookie(&token, &headers);
    Ok(([(header::SET_COOKIE, cookie)], ApiJson(user.me())).into_response())
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: Option<CurrentUser>,
) -> AppResult<Response> {
    if let Some(user) = user {
        sessions::delete(&state.db, &user.token_hash).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cleared_cookie(&headers))],
    )
        .into_response())
}

async fn me(user: CurrentUser) -> ApiJson<Me> {
    ApiJson(user.user.me())
}
