//! The roster endpoints: create, read, update, search, and every kind of bad input.

use super::common::{enterprise_json, TestApp, CODES};
use app::model::{EnterpriseInput, Location};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::json;
use server::db::{enterprises, offices};

#[tokio::test]
async fn head_creates_reads_and_updates_in_their_office() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let created = app
        .post(
            "/api/v1/enterprises",
            &head,
            enterprise_json(None, "Example Rolling Mill", &CODES[0].to_lowercase()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(
        created.json["office_code"], "XL01",
        "a head's enterprise goes to their office"
    );
    assert_eq!(
        created.json["credit_code"], CODES[0],
        "the code is stored normalised"
    );
    assert_eq!(created.json["location"]["lat"], 30.2);
    let id = created.json["id"].as_str().unwrap();

    let read = app.get(&format!("/api/v1/enterprises/{id}"), &head).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.json["name"], "Example Rolling Mill");
    assert_eq!(read.json["licence_expiry"], "2030-06-30");

    let mut changed = enterprise_json(None, "Renamed Mill", CODES[0]);
    changed["status"] = json!("suspended");
    changed["location"] = json!(null);
    let updated = app
        .put(&format!("/api/v1/enterprises/{id}"), &head, changed)
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.json["name"], "Renamed Mill");
    assert_eq!(updated.json["status"], "suspended");
    assert_eq!(updated.json["location"], json!(null));
    assert!(updated.json["updated_at"].as_str() > created.json["updated_at"].as_str());
    assert_eq!(updated.json["created_at"], created.json["created_at"]);
}

#[tokio::test]
async fn wrong_credit_codes_say_which_rule_failed() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let mut wrong_check = CODES[0].to_string();
    wrong_check.replace_range(17.., "7");
    for (code, needle) in [
        ("91420204MA4K", "18"),
        ("91420204MA4KX0CXOX", "O"),
        (wrong_check.as_str(), "18"),
    ] {
        let reply = app
            .post(
                "/api/v1/enterprises",
                &head,
                enterprise_json(None, "Mill", code),
            )
            .await;
        reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let detail = &reply.json["details"][0];
        assert_eq!(detail["field"], "credit_code", "{}", reply.text);
        let message = detail["message"].as_str().unwrap();
        assert!(message.contains(needle), "{code}: {message}");
    }
}

#[tokio::test]
async fn every_broken_field_is_reported_and_nothing_is_stored() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let mut body = enterprise_json(None, " ", "123");
    body["licence_no"] = json!(null);
    body["location"] = json!({ "lat": 95.0, "lng": 0.0 });
    let reply = app.post("/api/v1/enterprises", &head, body).await;
    reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let fields: Vec<_> = reply.json["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!("name"),
            json!("credit_code"),
            json!("licence_no"),
            json!("location")
        ]
    );
    let list = app.get("/api/v1/enterprises", &head).await;
    assert_eq!(list.json["total"], 0);
}

#[tokio::test]
async fn unknown_enum_values_and_missing_fields_are_400s() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let mut body = enterprise_json(None, "Mill", CODES[0]);
    body["kind"] = json!("rocket_factory");
    let reply = app.post("/api/v1/enterprises", &head, body).await;
    let message = reply.expect_error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(message.contains("kind"), "{message}");
    let reply = app
        .post("/api/v1/enterprises", &head, json!({ "name": "Mill" }))
        .await;
    reply.expect_error(StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn a_credit_code_already_on_the_roster_is_a_409() {
    let app = TestApp::new().await;
    app.create_enterprise("XL02", "First", CODES[0]).await;
    let head = app.login("head1").await;
    let reply = app
        .post(
            "/api/v1/enterprises",
            &head,
            enterprise_json(None, "Second", CODES[0]),
        )
        .await;
    let message = reply.expect_error(StatusCode::CONFLICT, "conflict");
    assert!(message.contains(CODES[0]), "{message}");

    let other = app.create_enterprise("XL01", "Other", CODES[1]).await;
    let tf = app.login("tf").await;
    let reply = app
        .put(
            &format!("/api/v1/enterprises/{other}"),
            &tf,
            enterprise_json(None, "Other", CODES[0]),
        )
        .await;
    reply.expect_error(StatusCode::CONFLICT, "conflict");
}

#[tokio::test]
async fn task_force_must_name_a_known_office() {
    let app = TestApp::new().await;
    let tf = app.login("tf").await;
    let reply = app
        .post(
            "/api/v1/enterprises",
            &tf,
            enterprise_json(None, "Mill", CODES[0]),
        )
        .await;
    reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(reply.json["details"][0]["field"], "office_code");
    let reply = app
        .post(
            "/api/v1/enterprises",
            &tf,
            enterprise_json(Some("XL99"), "Mill", CODES[0]),
        )
        .await;
    reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(reply.json["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("XL99"));
    let reply = app
        .post(
            "/api/v1/enterprises",
            &tf,
            enterprise_json(Some("XL02"), "Mill", CODES[0]),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(reply.json["office_name"], "Office Two");
}

#[tokio::test]
async fn task_force_moves_an_enterprise_between_offices() {
    let app = TestApp::new().await;
    let id = app.create_enterprise("XL01", "Mill", CODES[0]).await;
    let tf = app.login("tf").await;
    let moved = app
        .put(
            &format!("/api/v1/enterprises/{id}"),
            &tf,
            enterprise_json(Some("XL02"), "Mill", CODES[0]),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    assert_eq!(moved.json["office_code"], "XL02");
    let insp1 = app.login("insp1").await;
    app.get(&format!("/api/v1/enterprises/{id}"), &insp1)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn search_by_name_or_credit_code_with_filters_and_pages() {
    let app = TestApp::new().await;
    let tf = app.login("tf").await;
    let entries = [
        (
            "Huangshi Steel Works",
            CODES[0],
            "steel_making",
            "operating",
        ),
        ("Xialu Rolling Mill", CODES[1], "rolling_only", "suspended"),
        ("Market 50%_Hall", CODES[2], "wholesale_market", "operating"),
        ("Corner Steel Shop", CODES[3], "seller", "operating"),
    ];
    for (name, code, kind, status) in entries {
        let mut body = enterprise_json(Some("XL01"), name, code);
        body["kind"] = json!(kind);
        body["status"] = json!(status);
        assert_eq!(
            app.post("/api/v1/enterprises", &tf, body).await.status,
            StatusCode::CREATED
        );
    }
    let names = super::common::Reply::item_names;
    let search = |query: &str| {
        let path = format!("/api/v1/enterprises?{query}");
        let (app, tf) = (&app, tf.clone());
        async move { app.get(&path, &tf).await }
    };

    assert_eq!(
        names(&search("q=steel").await),
        ["Corner Steel Shop", "Huangshi Steel Works"],
        "case-insensitive"
    );
    assert_eq!(
        names(&search("q=795101").await),
        ["Xialu Rolling Mill"],
        "part of a credit code"
    );
    assert_eq!(
        names(&search("q=9135020026015919xw").await),
        ["Corner Steel Shop"],
        "lower-case code"
    );
    assert_eq!(
        names(&search("q=50%25_").await),
        ["Market 50%_Hall"],
        "LIKE wildcards are literal"
    );
    assert_eq!(names(&search("q=%25").await), ["Market 50%_Hall"]);
    assert_eq!(names(&search("kind=seller").await), ["Corner Steel Shop"]);
    assert_eq!(
        names(&search("status=suspended").await),
        ["Xialu Rolling Mill"]
    );
    assert_eq!(
        names(&search("q=steel&kind=steel_making").await),
        ["Huangshi Steel Works"]
    );

    let first = search("per_page=3").await;
    assert_eq!(first.json["total"], 4);
    assert_eq!(names(&first).len(), 3);
    let second = search("per_page=3&page=2").await;
    assert_eq!(names(&second), ["Xialu Rolling Mill"]);
    assert_eq!(second.json["page"], 2);
    let beyond = search("per_page=3&page=5").await;
    assert_eq!(names(&beyond), Vec::<String>::new());
    assert_eq!(
        beyond.json["total"], 4,
        "a page past the end still counts the matches"
    );
    assert_eq!(search("q=nothing-matches").await.json["total"], 0);
}

#[tokio::test]
async fn updated_since_returns_only_later_changes_oldest_first() {
    let app = TestApp::new().await;
    let first = app.create_enterprise("XL01", "First", CODES[0]).await;
    let tf = app.login("tf").await;
    let cursor = app
        .get(&format!("/api/v1/enterprises/{first}"), &tf)
        .await
        .json["updated_at"]
        .clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = app.create_enterprise("XL01", "Second", CODES[1]).await;
    let since = cursor.as_str().unwrap().replace('+', "%2B");
    let reply = app
        .get(&format!("/api/v1/enterprises?updated_since={since}"), &tf)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let ids: Vec<_> = reply.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [first, second],
        "the cursor's own row is included, so nothing is missed"
    );

    let later = "2999-01-01T00:00:00Z";
    assert_eq!(
        app.get(&format!("/api/v1/enterprises?updated_since={later}"), &tf)
            .await
            .json["total"],
        0
    );
}

#[tokio::test]
async fn bad_query_parameters_name_the_parameter() {
    let app = TestApp::new().await;
    let tf = app.login("tf").await;
    for (query, name) in [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=501", "per_page"),
        ("kind=castle", "kind"),
        ("status=asleep", "status"),
        ("updated_since=yesterday", "updated_since"),
    ] {
        let reply = app.get(&format!("/api/v1/enterprises?{query}"), &tf).await;
        let message = reply.expect_error(StatusCode::BAD_REQUEST, "bad_request");
        assert!(message.contains(name), "{query}: {message}");
    }
}

#[tokio::test]
async fn unknown_ids_and_paths_are_json_404s() {
    let app = TestApp::new().await;
    let tf = app.login("tf").await;
    app.get("/api/v1/enterprises/not-a-uuid", &tf)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.get(
        &format!("/api/v1/enterprises/{}", uuid::Uuid::now_v7()),
        &tf,
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.put(
        &format!("/api/v1/enterprises/{}", uuid::Uuid::now_v7()),
        &tf,
        enterprise_json(Some("XL01"), "X", CODES[0]),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    app.get("/api/v1/no-such-thing", &tf)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn oversized_bodies_get_413() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let mut body = enterprise_json(None, "Mill", CODES[0]);
    body["notes"] = json!("x".repeat(2 * 1024 * 1024));
    app.post("/api/v1/enterprises", &head, body)
        .await
        .expect_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
}

#[tokio::test]
async fn cross_site_writes_are_refused() {
    let app = TestApp::new().await;
    let head = app.login("head1").await;
    let request = Request::post("/api/v1/enterprises")
        .header(header::COOKIE, &head)
        .header(header::HOST, "steelcheck.example")
        .header(header::ORIGIN, "https://evil.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            enterprise_json(None, "Mill", CODES[0]).to_string(),
        ))
        .unwrap();
    app.send(request)
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");

    let same_site = Request::post("/api/v1/enterprises")
        .header(header::COOKIE, &head)
        .header(header::HOST, "steelcheck.example")
        .header(header::ORIGIN, "https://steelcheck.example")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            enterprise_json(None, "Mill", CODES[0]).to_string(),
        ))
        .unwrap();
    assert_eq!(app.send(same_site).await.status, StatusCode::CREATED);
}

/// Edits that arrive together all land: on SQLite a transaction that reads and then writes takes
/// the write lock first, so the second waits instead of failing with "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_all_land() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let cookie = app.login("head1").await;
    let ids = [
        app.create_enterprise("XL01", "First Mill", CODES[0]).await,
        app.create_enterprise("XL01", "Second Mill", CODES[1]).await,
    ];
    let edits = (0..24).map(|round| {
        let (app, cookie) = (app.clone(), cookie.clone());
        let (id, code) = (ids[round % 2].clone(), CODES[round % 2]);
        tokio::spawn(async move {
            let body = enterprise_json(Some("XL01"), &format!("Mill {round}"), code);
            app.put(&format!("/api/v1/enterprises/{id}"), &cookie, body)
                .await
        })
    });
    for edit in futures::future::join_all(edits).await {
        let reply = edit.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
}

/// sqlx's Any driver sends a missing coordinate as a NULL `f32`, a present one as an `f64`, and
/// PostgreSQL once kept the first statement's types for every later use on that connection: after
/// an import without coordinates, saving an enterprise with a location failed with a 500.
#[tokio::test]
async fn locations_may_come_and_go_on_one_connection() {
    let app = TestApp::new().await;
    let mut conn = app.db.acquire().await.unwrap();
    let office = offices::find_by_code(&mut conn, "XL01")
        .await
        .unwrap()
        .unwrap();
    let input = |code: &str, location: Option<Location>| EnterpriseInput {
        location,
        ..serde_json::from_value(enterprise_json(None, "Mill", code)).unwrap()
    };
    let somewhere = Some(Location {
        lat: 30.2,
        lng: 115.0,
    });
    let without = enterprises::insert(&mut conn, &office.id, &input(CODES[0], None))
        .await
        .unwrap();
    let with = enterprises::insert(&mut conn, &office.id, &input(CODES[1], somewhere))
        .await
        .unwrap();
    enterprises::update(&mut conn, &without, &office.id, &input(CODES[0], somewhere))
        .await
        .unwrap();
    enterprises::update(&mut conn, &with, &office.id, &input(CODES[1], None))
        .await
        .unwrap();
}
