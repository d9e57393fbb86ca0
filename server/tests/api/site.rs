//! Health check, the server-rendered pages, security headers, compression and the OpenAPI
//! document.

use std::io::Read;

use super::common::TestApp;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

#[tokio::test]
async fn healthz_answers_when_the_database_does() {
    let app = TestApp::new().await;
    let reply = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    app.db.close().await;
    let reply = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn pages_render_in_chinese_first_with_the_hydration_script() {
    let app = TestApp::new().await;
    let reply = app.request(Method::GET, "/login", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.text.contains("<html lang=\"zh-CN\""),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("/pkg/steelcheck.js"),
        "hydration script"
    );
    assert!(
        reply.text.contains("<title>钢铁专项检查</title>"),
        "Chinese title"
    );
    assert!(reply.text.contains("用户名"), "login form in Chinese");

    let english = app
        .request(Method::GET, "/login", Some("lang=en"), None)
        .await;
    assert!(
        english.text.contains("Username"),
        "the switch's cookie picks English"
    );
    assert!(
        english.text.contains("<html lang=\"en\"")
            && english.text.contains("<title>SteelCheck</title>"),
        "the page says it is English: {}",
        english.text
    );
}

#[tokio::test]
async fn every_page_renders_on_the_server_without_user_data() {
    let app = TestApp::new().await;
    for path in [
        "/",
        "/login",
        "/field",
        "/inspect",
        "/inspect?id=x",
        "/enterprises/new",
        "/enterprises/import",
    ] {
        let reply = app.request(Method::GET, path, None, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert!(
            reply.text.contains("</html>"),
            "{path} renders a whole page"
        );
    }
}

#[tokio::test]
async fn pages_and_api_answers_are_compressed_for_phones_that_accept_it() {
    let app = TestApp::new().await;
    let accepting = |path: &str, encodings: &str| {
        Request::get(path)
            .header(header::ACCEPT_ENCODING, encodings)
            .body(Body::empty())
            .unwrap()
    };
    for (path, content) in [
        ("/login", "用户名"),
        ("/api/v1/openapi.json", "\"openapi\""),
    ] {
        let plain = app.request(Method::GET, path, None, None).await;
        assert!(
            !plain.headers.contains_key(header::CONTENT_ENCODING),
            "{path}"
        );

        let gzip = app.send(accepting(path, "gzip")).await;
        assert_eq!(gzip.headers[header::CONTENT_ENCODING], "gzip", "{path}");
        assert_eq!(gzip.headers[header::VARY], "accept-encoding", "{path}");
        assert!(gzip.bytes.len() < plain.bytes.len(), "{path}");
        let mut text = String::new();
        flate2::read::GzDecoder::new(&gzip.bytes[..])
            .read_to_string(&mut text)
            .unwrap();
        assert!(text.contains(content), "{path}");

        let brotli = app.send(accepting(path, "br, gzip")).await;
        assert_eq!(brotli.headers[header::CONTENT_ENCODING], "br", "{path}");
    }
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::new().await;
    for path in ["/login", "/api/v1/me", "/healthz"] {
        let reply = app.request(Method::GET, path, None, None).await;
        let csp = reply
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(
            reply.headers[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff",
            "{path}"
        );
    }
}

#[tokio::test]
async fn openapi_document_describes_every_route() {
    let app = TestApp::new().await;
    let reply = app
        .request(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.json["openapi"].as_str().unwrap().starts_with("3."));
    let paths = reply.json["paths"].as_object().unwrap();
    let documented: Vec<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|key| *key != "parameters")
                .map(move |method| (path.clone(), method.clone()))
        })
        .collect();
    let routed = [
        ("/auth/login", "post"),
        ("/auth/logout", "post"),
        ("/me", "get"),
        ("/offices", "get"),
        ("/colleagues", "get"),
        ("/enterprises", "get"),
        ("/enterprises", "post"),
        ("/enterprises/{id}", "get"),
        ("/enterprises/{id}", "put"),
        ("/enterprises/import", "post"),
        ("/openapi.json", "get"),
        ("/photos/{sha256}", "head"),
        ("/photos/{sha256}", "patch"),
        ("/photos/{sha256}", "get"),
        ("/inspections/{id}", "put"),
        ("/inspections/{id}/review", "post"),
        ("/sync/pull", "get"),
    ];
    for (path, method) in routed {
        assert!(
            documented.contains(&(path.to_string(), method.to_string())),
            "{method} {path} is not documented"
        );
        // Each documented route exists: an unknown route would answer the JSON 404 "not_found".
        let concrete = path
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{sha256}", &"0".repeat(64));
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let reply = app
            .request(method.clone(), &format!("/api/v1{concrete}"), None, None)
            .await;
        let is_unknown_route = reply.status == StatusCode::NOT_FOUND
            && reply.json["message"]
                .as_str()
                .unwrap_or("")
                .contains("接口");
        assert!(
            !is_unknown_route,
            "{method} {path} is documented but not routed"
        );
    }
    assert_eq!(
        documented.len(),
        routed.len(),
        "documented routes that do not exist: {documented:?}"
    );
}

#[tokio::test]
async fn the_service_worker_names_this_builds_files_and_is_never_cached() {
    let app = TestApp::new().await;
    let reply = app.request(Method::GET, "/sw.js", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-cache");
    assert!(!reply.text.contains("__VERSION__") && !reply.text.contains("__PRECACHE__"));
    for file in [
        "\"/\"",
        "\"/login\"",
        "/pkg/steelcheck",
        "/manifest.webmanifest",
    ] {
        assert!(reply.text.contains(file), "{file} is precached");
    }
}
