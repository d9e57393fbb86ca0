//! Sign-in, sessions and the login rate limit.

use super::common::{session_cookie, TestApp, PASSWORD};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::json;

async fn attempt(app: &TestApp, username: &str, password: &str) -> super::common::Reply {
    app.request(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({ "username": username, "password": password })),
    )
    .await
}

#[tokio::test]
async fn login_sets_an_http_only_lax_cookie_and_me_answers() {
    let app = TestApp::new().await;
    let reply = attempt(&app, "head1", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.json["role"], "head");
    assert_eq!(reply.json["office"]["code"], "XL01");
    let set_cookie = reply.set_cookie();
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=2592000"] {
        assert!(set_cookie.contains(flag), "{flag} missing in {set_cookie}");
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP cannot use Secure cookies"
    );

    let cookie = session_cookie(&reply.headers).unwrap();
    let me = app.get("/api/v1/me", &cookie).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["username"], "head1");
    assert_eq!(me.json["name"], "head1");
}

#[tokio::test]
async fn cookie_is_secure_behind_a_tls_proxy() {
    let app = TestApp::new().await;
    let request = Request::post("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-proto", "https")
        .body(Body::from(
            json!({ "username": "tf", "password": PASSWORD }).to_string(),
        ))
        .unwrap();
    let reply = app.send(request).await;
    assert_eq!(reply.status, StatusCode::OK);
    let set_cookie = reply.set_cookie();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_401() {
    let app = TestApp::new().await;
    let wrong = attempt(&app, "head1", "wrong password").await;
    let unknown = attempt(&app, "nobody", PASSWORD).await;
    let first = wrong.expect_error(StatusCode::UNAUTHORIZED, "bad_credentials");
    let second = unknown.expect_error(StatusCode::UNAUTHORIZED, "bad_credentials");
    assert_eq!(
        first, second,
        "the answer must not reveal which usernames exist"
    );
    assert!(session_cookie(&wrong.headers).is_none());
}

#[tokio::test]
async fn bad_login_bodies_get_clear_400s() {
    let app = TestApp::new().await;
    let empty = attempt(&app, " ", "").await;
    empty.expect_error(StatusCode::BAD_REQUEST, "bad_request");

    app.post_raw("/api/v1/auth/login", "application/json", "{\"username\": ")
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    app.post_raw("/api/v1/auth/login", "text/plain", "username=a")
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn messages_follow_the_language_cookie_then_accept_language() {
    let app = TestApp::new().await;
    let ask = |lang_cookie: Option<&'static str>, accept: Option<&'static str>| {
        let mut request = Request::get("/api/v1/me");
        if let Some(cookie) = lang_cookie {
            request = request.header(header::COOKIE, cookie);
        }
        if let Some(accept) = accept {
            request = request.header(header::ACCEPT_LANGUAGE, accept);
        }
        request.body(Body::empty()).unwrap()
    };
    let chinese = app.send(ask(None, None)).await;
    let english = app.send(ask(None, Some("en-US,en;q=0.9"))).await;
    let switched = app.send(ask(Some("lang=zh-CN"), Some("en-US"))).await;
    let zh = chinese.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    let en = english.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(en.is_ascii() && en.contains("sign in"), "{en}");
    assert!(!zh.is_ascii(), "Chinese is the default: {zh}");
    assert_eq!(
        switched.expect_error(StatusCode::UNAUTHORIZED, "unauthenticated"),
        zh
    );
}

#[tokio::test]
async fn logout_ends_the_session_on_the_server() {
    let app = TestApp::new().await;
    let cookie = app.login("insp1").await;
    let reply = app
        .request(Method::POST, "/api/v1/auth/logout", Some(&cookie), None)
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let cleared = reply.set_cookie();
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    // Replaying the old cookie must not work: the session is gone, not just the browser's copy.
    app.get("/api/v1/me", &cookie)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn forged_and_missing_cookies_are_unauthenticated() {
    let app = TestApp::new().await;
    app.get("/api/v1/me", "steelcheck_session=forged")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
    app.request(Method::GET, "/api/v1/enterprises", None, None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}

#[tokio::test]
async fn five_failures_for_one_account_lock_it_for_fifteen_minutes() {
    let app = TestApp::new().await;
    // Successful logins in between do not count towards the limit.
    for _ in 0..4 {
        attempt(&app, "head1", "wrong")
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "bad_credentials");
        assert_eq!(
            attempt(&app, "head1", PASSWORD).await.status,
            StatusCode::OK
        );
    }
    attempt(&app, "head1", "wrong")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "bad_credentials");
    let limited = attempt(&app, "head1", PASSWORD).await;
    let message = limited.expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(message.contains("15"), "says how long to wait: {message}");
    let retry_after: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((800..=900).contains(&retry_after), "{retry_after}");
    // Other accounts are not affected.
    assert_eq!(
        attempt(&app, "head2", PASSWORD).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn thirty_failures_from_one_address_block_that_address() {
    let app = TestApp::new().await;
    for attempt_number in 0..30 {
        let username = format!("guess{attempt_number}");
        attempt(&app, &username, "wrong")
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "bad_credentials");
    }
    attempt(&app, "tf", PASSWORD)
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
}

#[tokio::test]
async fn a_session_in_use_slides_forward_to_thirty_days() {
    let app = TestApp::new().await;
    let cookie = app.login("insp1").await;
    // Fresh sessions are not rewritten on every request.
    let fresh = app.get("/api/v1/me", &cookie).await;
    assert!(fresh.headers.get(header::SET_COOKIE).is_none());

    // Ten days later (the session then has 20 days left), using it pushes it back to 30 days.
    let twenty_days = server::db::timestamp(chrono::Utc::now() + chrono::Duration::days(20));
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(&twenty_days)
        .execute(&app.db)
        .await
        .unwrap();
    let used = app.get("/api/v1/me", &cookie).await;
    assert_eq!(used.status, StatusCode::OK);
    let refreshed = used.set_cookie();
    assert!(refreshed.contains("Max-Age=2592000"), "{refreshed}");
    let expires_at: String = sqlx::query_scalar("SELECT expires_at FROM sessions")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let left = server::db::parse_timestamp(&expires_at).unwrap() - chrono::Utc::now();
    assert!(left > chrono::Duration::days(29), "{left:?}");

    // An expired session is refused.
    let past = server::db::timestamp(chrono::Utc::now() - chrono::Duration::seconds(1));
    sqlx::query("UPDATE sessions SET expires_at = $1")
        .bind(&past)
        .execute(&app.db)
        .await
        .unwrap();
    app.get("/api/v1/me", &cookie)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthenticated");
}
