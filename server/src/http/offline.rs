//! The offline app shell: `/sw.js`, the service worker, generated for this build so that it
//! names this build's hashed files and caches them under this build's version; and how long a
//! browser may keep those files.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use leptos::prelude::LeptosOptions;

use super::AppState;

const TEMPLATE: &str = include_str!("service_worker.js");

/// Pages cached at install, so they open offline even before the inspector has visited them.
/// (`/` with no network, before its code was ever fetched, says that it needs the network.)
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

/// How long a browser may keep a static file, so that the service worker's install (which goes
/// through the browser's cache) neither downloads a file twice nor keeps an old one.
/// - A release build names every file under `/pkg` by its content: a copy is never out of date.
///   Left unsaid, the browser guessed how long a copy stays good from the file's age, and right
///   after a deploy it guessed seconds: on a slow network the worker then downloaded the wasm a
///   second time (877 KB instead of 550 KB received with gzip).
/// - Every other file (icons, the manifest, and `/pkg` without hashes) keeps its name from build
///   to build: the browser asks whether its copy is current (a short `304`) before using it, or a
///   new build's worker could keep the previous build's manifest for days.
///
/// Pages and API answers carry no `Last-Modified`, so they are not static files here.
pub async fn cache_static_files(
    State(options): State<LeptosOptions>,
    request: Request,
    next: Next,
) -> Response {
    let built = options.hash_files
        && request
            .uri()
            .path()
            .starts_with(&options.site_pkg_dir_route_base());
    let mut response = next.run(request).await;
    let headers = response.headers();
    let static_file = (response.status().is_success()
        && headers.contains_key(header::LAST_MODIFIED))
        || response.status() == StatusCode::NOT_MODIFIED;
    if static_file && !headers.contains_key(header::CACHE_CONTROL) {
        let policy = if built {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

/// This build's files under `/pkg` that the phone keeps ahead: JS, wasm and CSS, and with
/// `--split` the split loader and the field pages' split-off wasm; and a version that changes
/// when any of the build's files does.
struct BuildFiles {
    version: String,
    files: Vec<String>,
}

impl BuildFiles {
    /// Reads the hashes cargo-leptos writes beside the executable (`hash.txt`: `js: …` lines),
    /// and the split manifest they name in the site's `pkg` folder.
    fn of(options: &LeptosOptions) -> Self {
        let hashes = options
            .hash_files
            .then(|| hash_file_path(options))
            .flatten()
            .and_then(|path| std::fs::read_to_string(path).ok())
            .unwrap_or_default();
        let pkg_dir = Path::new(&*options.site_root).join(&*options.site_pkg_dir);
        Self::from_hashes(
            &hashes,
            &options.site_pkg_dir_route_base(),
            &options.output_name,
            |file| std::fs::read_to_string(pkg_dir.join(file)).ok(),
        )
    }

    fn from_hashes(
        hashes: &str,
        pkg: &str,
        name: &str,
        read_pkg_file: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let hash_of = |kind: &str| {
            hashes.lines().find_map(|line| {
                let (name, hash) = line.split_once(':')?;
                (name.trim() == kind).then(|| hash.trim().to_string())
            })
        };
        let mut parts = Vec::new();
        let mut files: Vec<String> = ["js", "wasm", "css"]
            .into_iter()
            .map(|kind| match hash_of(kind) {
                Some(hash) => {
                    parts.push(hash.clone());
                    format!("{pkg}{name}.{hash}.{kind}")
                }
                None => format!("{pkg}{name}.{kind}"),
            })
            .collect();
        if let Some(hash) = hash_of("split") {
            files.push(format!("{pkg}__wasm_split.{hash}.js"));
            parts.push(hash);
        }
        let manifest = hash_of("manifest")
            .and_then(|hash| read_pkg_file(&format!("__wasm_split_manifest.{hash}.json")));
        files.extend(
            split_wasm_files(manifest.as_deref())
                .into_iter()
                .map(|stem| format!("{pkg}{stem}.wasm")),
        );
        let version = if parts.is_empty() {
            "unhashed".to_string()
        } else {
            parts.join("-")
        };
        BuildFiles { version, files }
    }
}

/// The wasm files of every split part but the office part (the manifest maps each part to the
/// files it needs), once each: the field pages must open with no network, whichever the inspector
/// visited. The office pages read the API, so their part is fetched when one is first opened.
fn split_wasm_files(manifest: Option<&str>) -> BTreeSet<String> {
    manifest
        .and_then(|text| serde_json::from_str::<HashMap<String, Vec<String>>>(text).ok())
        .into_iter()
        .flatten()
        .filter(|(part, _)| part != app::OFFICE_PART)
        .flat_map(|(_, files)| files)
        .collect()
}

fn hash_file_path(options: &LeptosOptions) -> Option<std::path::PathBuf> {
    let exe = std::env::current_exe().ok()?;
    Some(exe.parent()?.join(options.hash_file.as_ref()))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use tower::ServiceExt;
    use tower_http::services::ServeDir;

    use super::*;

    /// What a site of one built file and one icon answers for `path`: its status and
    /// `Cache-Control`.
    async fn cache_control(hash_files: bool, path: &str) -> (StatusCode, Option<String>) {
        let site = tempfile::tempdir().expect("temp dir");
        let pkg = site.path().join("pkg");
        std::fs::create_dir(&pkg).expect("pkg folder");
        std::fs::write(pkg.join("steelcheck.W1.wasm"), b"\0asm").expect("built file");
        std::fs::write(site.path().join("favicon.svg"), b"<svg/>").expect("icon");
        let options = LeptosOptions::builder()
            .output_name("steelcheck")
            .site_root(site.path().to_string_lossy().into_owned())
            .hash_files(hash_files)
            .build();
        let reply = Router::new()
            .fallback_service(ServeDir::new(site.path()))
            .layer(axum::middleware::from_fn_with_state(
                options,
                cache_static_files,
            ))
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("answer");
        let cache_control = reply.headers().get(header::CACHE_CONTROL);
        (
            reply.status(),
            cache_control.map(|value| value.to_str().expect("ASCII").to_string()),
        )
    }

    #[tokio::test]
    async fn hashed_built_files_are_kept_for_good_and_other_files_are_checked_first() {
        let forever = Some("public, max-age=31536000, immutable");
        let check_first = Some("no-cache");
        for (hash_files, path, expected) in [
            (true, "/pkg/steelcheck.W1.wasm", (StatusCode::OK, forever)),
            // A file this build lacks may come with the next one.
            (
                true,
                "/pkg/steelcheck.W2.wasm",
                (StatusCode::NOT_FOUND, None),
            ),
            (true, "/favicon.svg", (StatusCode::OK, check_first)),
            // Without hashes a file keeps its name from build to build.
            (
                false,
                "/pkg/steelcheck.W1.wasm",
                (StatusCode::OK, check_first),
            ),
        ] {
            let (status, cache) = cache_control(hash_files, path).await;
            assert_eq!(
                (status, cache.as_deref()),
                expected,
                "{path}, hashed: {hash_files}"
            );
        }
    }

    #[test]
    fn a_split_build_precaches_its_loader_and_the_field_part_but_not_the_office_part() {
        let hashes = "js: J1\nwasm: W1\ncss: C1\nmanifest: M1\nsplit: S1\n";
        let manifest = r#"{
            "field_pages": ["chunk_3.A", "split_field_pages.B"],
            "office_pages": ["chunk_3.A", "split_office_pages.C"]
        }"#;
        let build = BuildFiles::from_hashes(hashes, "/pkg/", "steelcheck", |file| {
            (file == "__wasm_split_manifest.M1.json").then(|| manifest.to_string())
        });
        assert_eq!(
            build.files,
            [
                "/pkg/steelcheck.J1.js",
                "/pkg/steelcheck.W1.wasm",
                "/pkg/steelcheck.C1.css",
                "/pkg/__wasm_split.S1.js",
                "/pkg/chunk_3.A.wasm",
                "/pkg/split_field_pages.B.wasm",
            ]
        );
        assert_eq!(build.version, "J1-W1-C1-S1");
    }

    #[test]
    fn a_build_without_hashes_or_split_precaches_the_plain_names() {
        let build = BuildFiles::from_hashes("", "/pkg/", "steelcheck", |_| None);
        assert_eq!(
            build.files,
            [
                "/pkg/steelcheck.js",
                "/pkg/steelcheck.wasm",
                "/pkg/steelcheck.css"
            ]
        );
        assert_eq!(build.version, "unhashed");
    }
}
