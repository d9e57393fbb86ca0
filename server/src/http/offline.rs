//! The offline app shell: `/sw.js`, the service worker, generated for this build so that it
//! names this build's hashed files and caches them under this build's version.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use leptos::prelude::LeptosOptions;

use super::AppState;

const TEMPLATE: &str = include_str!("service_worker.js");

/// Pages cached at install, so they open offline even before the inspector has visited them.
const SHELL_PAGES: [&str; 4] = ["/", "/login", "/field", "/inspect"];
/// Static files every page uses.
const STATIC_FILES: [&str; 4] = [
    "/favicon.svg",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
];

pub fn router() -> Router<AppState> {
    Router::new().route("/sw.js", get(service_worker))
}

async fn service_worker(State(state): State<AppState>) -> impl IntoResponse {
    let build = BuildFiles::of(&state.leptos_options);
    let precache: Vec<String> = SHELL_PAGES
        .iter()
        .chain(STATIC_FILES.iter())
        .map(|path| path.to_string())
        .chain(build.files)
        .collect();
    let body = TEMPLATE.replace("__VERSION__", &build.version).replace(
        "__PRECACHE__",
        &serde_json::to_string(&precache).unwrap_or_default(),
    );
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Browsers must see a new build's worker as soon as it is deployed.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

/// This build's JS, wasm and CSS under `/pkg`, and a version that changes when any of them does.
struct BuildFiles {
    version: String,
    files: Vec<String>,
}

impl BuildFiles {
    /// Reads the hashes cargo-leptos writes beside the executable (`hash.txt`: `js: …` lines).
    fn of(options: &LeptosOptions) -> Self {
        let hashes = options
            .hash_files
            .then(|| hash_file_path(options))
            .flatten()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        let hash_of = |kind: &str| {
            hashes.lines().find_map(|line| {
                let (name, hash) = line.split_once(':')?;
                (name.trim() == kind).then(|| hash.trim().to_string())
            })
        };
        let pkg = options.site_pkg_dir_route_base();
        let name = &options.output_name;
        let mut parts = Vec::new();
        let files = ["js", "wasm", "css"]
            .into_iter()
            .map(|kind| match hash_of(kind) {
                Some(hash) => {
                    parts.push(hash.clone());
                    format!("{pkg}{name}.{hash}.{kind}")
                }
                None => format!("{pkg}{name}.{kind}"),
            })
            .collect();
        let version = if parts.is_empty() {
            "unhashed".to_string()
        } else {
            parts.join("-")
        };
        BuildFiles { version, files }
    }
}

fn hash_file_path(options: &LeptosOptions) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(options.hash_file.as_ref()))
}
