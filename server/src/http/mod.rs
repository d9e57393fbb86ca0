//! The HTTP surface: `/api/v1` (one file per resource, each with its `router()`), `/healthz`,
//! and the Leptos pages and assets.

mod auth;
mod enterprises;
mod extract;
mod offices;
mod offline;
mod openapi;

use axum::extract::{DefaultBodyLimit, FromRef, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware;
use axum::routing::get;
use axum::Router;
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use crate::db::Db;
use crate::error::{localize, AppError};
use crate::photo_store::PhotoStore;

pub use extract::{ApiJson, ApiQuery, ClientAddress};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub photos: PhotoStore,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// JSON bodies are small; roster files have their own, larger limit.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;

/// Only what the app itself serves may run; wasm needs its own permission.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
     object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/// The whole application: API, health check, pages and static files.
pub fn app(state: AppState) -> Router {
    let page_routes = generate_route_list(app::App);
    let options = state.leptos_options.clone();
    Router::new()
        .route("/healthz", get(healthz))
        .merge(offline::router())
        .nest("/api/v1", api(&state))
        .leptos_routes(&state, page_routes, move || app::shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        // Pages and API answers are compressed as they go out (photos are not: JPEG is already
        // compressed). The built files are sent as the `.br` or `.gz` the release build wrote
        // beside them, so they carry the header that a cache between phone and server needs.
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.leptos_options.clone(),
            offline::cache_static_files,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// `/api/v1`: every resource's router, behind sessions, same-origin checks and error wording.
fn api(state: &AppState) -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(enterprises::router())
        .merge(offices::router())
        .merge(crate::sync::router())
        .merge(openapi::router())
        .fallback(|| async { AppError::NotFound("what.endpoint") })
        .layer(DefaultBodyLimit::max(JSON_BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::auth::session::resolve,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::sync::count_incoming_chunks,
        ))
        .layer(middleware::from_fn(extract::same_origin))
        .layer(middleware::from_fn(localize))
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Where the built site is and how it is named; `LEPTOS_SITE_ROOT` overrides the folder, as
/// cargo-leptos sets it, otherwise `target/site` below the folder the server starts in.
/// Release builds name their files by content hash, listed in `hash.txt` beside the executable.
pub fn leptos_options(addr: std::net::SocketAddr) -> LeptosOptions {
    let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
    let hashed = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt").exists()))
        .unwrap_or(false);
    LeptosOptions::builder()
        .output_name("steelcheck")
        .site_root(site_root)
        .site_addr(addr)
        .hash_files(hashed)
        .build()
}
