//! The sync protocol end to end through the router: resumable photo upload, idempotent
//! inspection pushes, review, and the pull — with the bad input a phone or a script may send.

use app::model::checklist::Checklist;
use app::model::inspection::{
    Answer, EnterpriseSnapshot, Finding, Inspection, ItemAnswer, Measure, PhotoInfo,
};
use app::model::sync::InspectionPush;
use app::model::{EnterpriseKind, Location, OperatingStatus};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use chrono::{Duration, Utc};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::common::{PhotoKeeping, Reply, TestApp, CODES};

const CHUNK: usize = 256 * 1024;

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Bytes that start like a JPEG, different for every `seed`.
fn jpeg(length: usize, seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, seed];
    bytes.extend((4..length).map(|n| (n as u8).wrapping_mul(31).wrapping_add(seed)));
    bytes
}

impl TestApp {
    async fn patch_photo(
        &self,
        cookie: &str,
        sha: &str,
        offset: usize,
        length: usize,
        chunk: &[u8],
    ) -> Reply {
        let request = Request::patch(format!("/api/v1/photos/{sha}"))
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/offset+octet-stream")
            .header("upload-offset", offset.to_string())
            .header("upload-length", length.to_string())
            .body(Body::from(chunk.to_vec()))
            .unwrap();
        self.send(request).await
    }

    async fn head_photo(&self, cookie: &str, sha: &str) -> Reply {
        self.request(
            Method::HEAD,
            &format!("/api/v1/photos/{sha}"),
            Some(cookie),
            None,
        )
        .await
    }

    /// Uploads a whole photo in chunks, as the phone does.
    async fn upload_photo(&self, cookie: &str, bytes: &[u8]) -> String {
        let sha = sha256(bytes);
        for start in (0..bytes.len()).step_by(CHUNK) {
            let end = (start + CHUNK).min(bytes.len());
            let reply = self
                .patch_photo(cookie, &sha, start, bytes.len(), &bytes[start..end])
                .await;
            assert!(reply.status.is_success(), "{}", reply.text);
        }
        sha
    }

    async fn push(&self, cookie: &str, inspection: &Inspection) -> Reply {
        let body = serde_json::to_value(InspectionPush {
            device_id: Uuid::nil(),
            inspection: inspection.clone(),
        })
        .unwrap();
        self.put(
            &format!("/api/v1/inspections/{}", inspection.id),
            cookie,
            body,
        )
        .await
    }

    async fn review(&self, id: Uuid, cookie: &str, decision: &str, comment: &str) -> Reply {
        let body = json!({ "decision": decision, "comment": comment });
        self.post(&format!("/api/v1/inspections/{id}/review"), cookie, body)
            .await
    }

    async fn count(&self, sql: &str, id: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(id)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

fn offset_of(reply: &Reply) -> Option<u64> {
    reply
        .headers
        .get("upload-offset")
        .map(|value| value.to_str().unwrap().parse().unwrap())
}

/// A complete inspection of an XL01 rolling mill by insp1 and head1, ready to submit.
fn complete_inspection(enterprise_id: &str, code: &str, photo: &str) -> Inspection {
    let snapshot = EnterpriseSnapshot {
        id: Uuid::parse_str(enterprise_id).unwrap(),
        name: "Mill".into(),
        credit_code: code.into(),
        office_code: "XL01".into(),
        kind: EnterpriseKind::RollingOnly,
        holds_licence: true,
    };
    let started = Utc::now() - Duration::hours(2);
    let mut inspection = Inspection::start(Uuid::now_v7(), snapshot, "insp1", started);
    inspection.inspectors.push("head1".into());
    let items: Vec<_> = Checklist::current()
        .items_for(EnterpriseKind::RollingOnly, true)
        .collect();
    for item in &items {
        let answer = ItemAnswer {
            answer: Some(Answer::Complies),
            note: String::new(),
        };
        inspection.answers.insert(item.code.clone(), answer);
    }
    let first = items[0].code.clone();
    inspection.answers.get_mut(&first).unwrap().answer = Some(Answer::DoesNotComply);
    inspection.findings.push(Finding {
        item_code: first.clone(),
        description: "Furnace sealed but not dismantled".into(),
        measures: vec![Measure::RectifyByDeadline],
        deadline: Some((Utc::now() + Duration::days(30)).date_naive()),
        ..Finding::default()
    });
    inspection.photos.push(PhotoInfo {
        sha256: photo.into(),
        item_code: first,
        taken_at: started,
        width: 1536,
        height: 2048,
        bytes: 1000,
        original_bytes: 4000,
        location: None,
    });
    inspection.representative.name = "Wang".into();
    inspection.signature_refused_reason = "Refused to sign".into();
    inspection.finished_at = Some(started + Duration::hours(1));
    inspection
}

struct Scene {
    app: TestApp,
    insp1: String,
    enterprise_id: String,
    photo: String,
    /// Complete, of the scene's enterprise, with its photo; not pushed yet.
    inspection: Inspection,
}

async fn scene(keeping: PhotoKeeping) -> Scene {
    let app = TestApp::with_photos(keeping).await;
    let enterprise_id = app.create_enterprise("XL01", "Mill", CODES[0]).await;
    let insp1 = app.login("insp1").await;
    let photo = app.upload_photo(&insp1, &jpeg(300_000, 1)).await;
    Scene {
        inspection: complete_inspection(&enterprise_id, CODES[0], &photo),
        app,
        insp1,
        enterprise_id,
        photo,
    }
}

#[tokio::test]
async fn a_photo_arrives_in_chunks_resumes_from_the_servers_offset_and_is_stored_once() {
    for keeping in [PhotoKeeping::Files, PhotoKeeping::ObjectStore] {
        let app = TestApp::with_photos(keeping).await;
        let cookie = app.login("insp1").await;
        let photo = jpeg(600_000, 7);
        let sha = sha256(&photo);
        assert_eq!(
            app.head_photo(&cookie, &sha).await.status,
            StatusCode::NOT_FOUND
        );

        let first = app
            .patch_photo(&cookie, &sha, 0, photo.len(), &photo[..CHUNK])
            .await;
        assert_eq!(first.status, StatusCode::NO_CONTENT, "{}", first.text);
        assert_eq!(offset_of(&first), Some(CHUNK as u64));
        let head = app.head_photo(&cookie, &sha).await;
        assert_eq!(head.status, StatusCode::OK);
        assert_eq!(offset_of(&head), Some(CHUNK as u64));
        assert_eq!(head.headers["upload-length"], photo.len().to_string());

        // The phone lost the answer and sends the first chunk again: told where to resume.
        let repeat = app
            .patch_photo(&cookie, &sha, 0, photo.len(), &photo[..CHUNK])
            .await;
        repeat.expect_error(StatusCode::CONFLICT, "conflict");
        assert_eq!(offset_of(&repeat), Some(CHUNK as u64));

        let rest = app
            .patch_photo(&cookie, &sha, CHUNK, photo.len(), &photo[CHUNK..])
            .await;
        assert_eq!(rest.status, StatusCode::CREATED, "{}", rest.text);
        let head = app.head_photo(&cookie, &sha).await;
        assert_eq!(offset_of(&head), Some(photo.len() as u64));
        assert_eq!(head.headers["upload-length"], photo.len().to_string());

        // The same bytes again cost nothing and store nothing new.
        let again = app
            .patch_photo(&cookie, &sha, 0, photo.len(), &photo[..CHUNK])
            .await;
        assert_eq!(again.status, StatusCode::OK);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM photos WHERE sha256 = $1", &sha)
                .await,
            1
        );

        let read = app.get(&format!("/api/v1/photos/{sha}"), &cookie).await;
        assert_eq!(read.status, StatusCode::OK);
        assert_eq!(read.headers[header::CONTENT_TYPE], "image/jpeg");
        assert_eq!(read.bytes, photo);
        let other_office = app.login("insp2").await;
        app.get(&format!("/api/v1/photos/{sha}"), &other_office)
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
}

#[tokio::test]
async fn a_photo_whose_bytes_do_not_match_its_hash_is_refused_and_discarded() {
    let app = TestApp::new().await;
    let cookie = app.login("insp1").await;
    let claimed = sha256(&jpeg(1000, 1));
    let other = jpeg(1000, 2);
    app.patch_photo(&cookie, &claimed, 0, 1000, &other)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "hash_mismatch");
    assert_eq!(
        app.head_photo(&cookie, &claimed).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_photo_uploads_get_clear_errors() {
    let app = TestApp::new().await;
    let cookie = app.login("insp1").await;
    let photo = jpeg(1000, 3);
    let sha = sha256(&photo);

    let too_large = app
        .patch_photo(&cookie, &sha, 0, 21 * 1024 * 1024, &photo)
        .await;
    too_large.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "too_large");
    app.patch_photo(&cookie, "not-a-hash", 0, 1000, &photo)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    app.patch_photo(&cookie, &sha, 500, 1000, &photo[500..])
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    app.patch_photo(&cookie, &sha, 0, 999, &photo)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    let text = b"plain text, not a photo";
    app.patch_photo(&cookie, &sha256(text), 0, text.len(), text)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");

    let no_headers = Request::patch(format!("/api/v1/photos/{sha}"))
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "application/offset+octet-stream")
        .body(Body::from(photo.clone()))
        .unwrap();
    let message = app
        .send(no_headers)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    assert!(message.contains("upload-offset"), "{message}");
    let wrong_type = Request::patch(format!("/api/v1/photos/{sha}"))
        .header(header::COOKIE, &cookie)
        .header(header::CONTENT_TYPE, "image/jpeg")
        .header("upload-offset", "0")
        .header("upload-length", "1000")
        .body(Body::from(photo.clone()))
        .unwrap();
    app.send(wrong_type)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    let anonymous = Request::head(format!("/api/v1/photos/{sha}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(anonymous).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_push_is_stored_once_and_a_repeat_answers_the_same() {
    let Scene {
        app,
        insp1,
        inspection,
        ..
    } = scene(PhotoKeeping::Files).await;
    let id = inspection.id.to_string();

    let first = app.push(&insp1, &inspection).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.json["status"], "received");
    assert_eq!(first.json["revision"], 1);
    let repeat = app.push(&insp1, &inspection).await;
    assert_eq!(repeat.status, StatusCode::OK);
    assert_eq!(repeat.json, first.json);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM inspections WHERE id = $1", &id)
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE subject = $1", &id)
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM inspection_inspectors WHERE inspection_id = $1",
            &id
        )
        .await,
        2
    );

    let mut newer = inspection.clone();
    newer.revision = 5;
    newer.representative.name = "Li".into();
    let revised = app.push(&insp1, &newer).await;
    assert_eq!(revised.status, StatusCode::OK, "{}", revised.text);
    assert_eq!(revised.json["revision"], 5);
    let stored: String =
        sqlx::query_scalar("SELECT representative_name FROM inspections WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, "Li");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM findings WHERE inspection_id = $1",
            &id
        )
        .await,
        1
    );

    let message = app
        .push(&insp1, &inspection)
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    assert!(message.contains('5'), "{message}");
}

/// One photo without a position (the inspector refused it, or the phone had no fix) and one with:
/// both must land. sqlx's Any driver types a missing coordinate as an `f32` NULL and a present one
/// as an `f64`, and PostgreSQL refused the second insert once the first had prepared it.
#[tokio::test]
async fn photos_with_and_without_a_position_land_in_one_push() {
    let Scene {
        app,
        insp1,
        mut inspection,
        ..
    } = scene(PhotoKeeping::Files).await;
    let mut located = inspection.photos[0].clone();
    located.sha256 = app.upload_photo(&insp1, &jpeg(300_000, 2)).await;
    located.location = Some(Location {
        lat: 30.2,
        lng: 115.0,
    });
    inspection.photos.push(located);

    let reply = app.push(&insp1, &inspection).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let id = inspection.id.to_string();
    let count = |sql| app.count(sql, &id);
    assert_eq!(
        count("SELECT COUNT(*) FROM inspection_photos WHERE inspection_id = $1").await,
        2
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM inspection_photos WHERE inspection_id = $1 AND latitude = 30.2"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_push_naming_photos_the_server_lacks_lists_them() {
    let Scene {
        app,
        insp1,
        mut inspection,
        ..
    } = scene(PhotoKeeping::ObjectStore).await;
    let absent = sha256(b"never uploaded");
    inspection.photos.push(PhotoInfo {
        sha256: absent.clone(),
        ..inspection.photos[0].clone()
    });
    let reply = app.push(&insp1, &inspection).await;
    reply.expect_error(StatusCode::CONFLICT, "missing_photos");
    assert_eq!(reply.json["missing_photos"], json!([absent]));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM inspections WHERE id = $1",
            &inspection.id.to_string()
        )
        .await,
        0
    );
}

#[tokio::test]
async fn bad_pushes_are_refused_with_the_reason_and_store_nothing() {
    let Scene {
        app,
        insp1,
        inspection: good,
        ..
    } = scene(PhotoKeeping::Files).await;
    let other_office_enterprise = app.create_enterprise("XL02", "Far mill", CODES[1]).await;
    let path = format!("/api/v1/inspections/{}", good.id);

    app.request(
        Method::PUT,
        "/api/v1/inspections/not-a-uuid",
        Some(&insp1),
        Some(json!({})),
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    let malformed = Request::put(&path)
        .header(header::COOKIE, &insp1)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"device_id\": "))
        .unwrap();
    app.send(malformed)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    let other_id = app
        .put(
            &format!("/api/v1/inspections/{}", Uuid::now_v7()),
            &insp1,
            serde_json::to_value(InspectionPush {
                device_id: Uuid::nil(),
                inspection: good.clone(),
            })
            .unwrap(),
        )
        .await;
    other_id.expect_error(StatusCode::BAD_REQUEST, "bad_request");

    let refused = |mut change: Box<dyn FnMut(&mut Inspection)>| {
        let mut inspection = good.clone();
        change(&mut inspection);
        inspection
    };
    let cases: Vec<(&str, Inspection)> = vec![
        (
            "enterprise",
            refused(Box::new(|i| i.enterprise.id = Uuid::now_v7())),
        ),
        (
            "enterprise",
            refused(Box::new(move |i| {
                i.enterprise.id = Uuid::parse_str(&other_office_enterprise).unwrap()
            })),
        ),
        (
            "inspectors",
            refused(Box::new(|i| {
                i.inspectors = vec!["insp1".into(), "insp2".into()]
            })),
        ),
        (
            "inspectors",
            refused(Box::new(|i| i.inspectors = vec!["insp1".into()])),
        ),
        (
            "findings",
            refused(Box::new(|i| i.findings[0].deadline = None)),
        ),
        (
            "checklist_version",
            refused(Box::new(|i| i.checklist_version = "1999.1".into())),
        ),
        (
            "photos",
            refused(Box::new(|i| i.photos[0].sha256 = "ABC".into())),
        ),
        (
            "started_at",
            refused(Box::new(|i| {
                i.started_at = Utc::now() + Duration::days(3);
                i.finished_at = None;
            })),
        ),
    ];
    for (field, inspection) in cases {
        let reply = app.push(&insp1, &inspection).await;
        reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
        let fields: Vec<&str> = reply.json["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|detail| detail["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field}: {}", reply.text);
    }

    let tf = app.login("tf").await;
    app.push(&tf, &good)
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let other = app.login("insp2").await;
    app.push(&other, &good)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM inspections WHERE id <> $1", "")
            .await,
        0
    );
}

#[tokio::test]
async fn the_site_state_found_updates_the_roster_with_history() {
    let Scene {
        app,
        insp1,
        enterprise_id,
        photo,
        mut inspection,
    } = scene(PhotoKeeping::Files).await;
    inspection.site_state = OperatingStatus::Suspended;
    inspection.answers.clear();
    inspection.findings.clear();
    inspection.photos.clear();
    let reply = app.push(&insp1, &inspection).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    let enterprise = app
        .get(&format!("/api/v1/enterprises/{enterprise_id}"), &insp1)
        .await;
    assert_eq!(enterprise.json["status"], "suspended");

    // An older visit arriving late is kept in the history but does not overwrite the roster.
    let mut earlier = complete_inspection(&enterprise_id, CODES[0], &photo);
    earlier.started_at = inspection.started_at - Duration::days(2);
    earlier.finished_at = Some(earlier.started_at + Duration::hours(1));
    earlier.findings[0].deadline = Some((Utc::now() + Duration::days(10)).date_naive());
    assert_eq!(app.push(&insp1, &earlier).await.status, StatusCode::CREATED);
    let enterprise = app
        .get(&format!("/api/v1/enterprises/{enterprise_id}"), &insp1)
        .await;
    assert_eq!(enterprise.json["status"], "suspended");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM enterprise_status_history WHERE enterprise_id = $1",
            &enterprise_id
        )
        .await,
        2
    );
}

#[tokio::test]
async fn a_returned_inspection_comes_back_in_the_pull_and_an_accepted_one_is_final() {
    let Scene {
        app,
        insp1,
        inspection,
        ..
    } = scene(PhotoKeeping::Files).await;
    assert_eq!(
        app.push(&insp1, &inspection).await.status,
        StatusCode::CREATED
    );

    let first = app.get("/api/v1/sync/pull", &insp1).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(
        first.json["checklist_version"],
        Checklist::current().version
    );
    assert_eq!(first.json["enterprises"].as_array().unwrap().len(), 1);
    assert_eq!(first.json["inspections"][0]["status"], "received");
    assert_eq!(first.json["follow_ups"].as_array().unwrap().len(), 1);
    assert_eq!(
        first.json["follow_ups"][0]["measures"],
        json!(["rectify_by_deadline"])
    );
    let cursor = first.json["cursor"].as_str().unwrap().to_string();

    app.review(inspection.id, &insp1, "returned", "Photo is blurred")
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let head2 = app.login("head2").await;
    app.review(inspection.id, &head2, "returned", "x")
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let head1 = app.login("head1").await;
    app.review(inspection.id, &head1, "returned", " ")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let returned = app
        .review(inspection.id, &head1, "returned", "Photo is blurred")
        .await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.text);

    let later = app
        .get(
            &format!("/api/v1/sync/pull?since={}", urlencode(&cursor)),
            &insp1,
        )
        .await;
    assert_eq!(later.status, StatusCode::OK, "{}", later.text);
    let state = &later.json["inspections"][0];
    assert_eq!(state["status"], "returned");
    assert_eq!(state["review_comment"], "Photo is blurred");
    let document: Inspection = serde_json::from_value(state["returned"].clone()).unwrap();
    assert_eq!(document.id, inspection.id);
    assert_eq!(document.answers, inspection.answers);

    let mut corrected = document;
    corrected.revision += 1;
    let resubmitted = app.push(&insp1, &corrected).await;
    assert_eq!(resubmitted.status, StatusCode::OK, "{}", resubmitted.text);
    assert_eq!(resubmitted.json["status"], "received");

    let accepted = app.review(inspection.id, &head1, "accepted", "").await;
    assert_eq!(accepted.json["status"], "accepted", "{}", accepted.text);
    corrected.revision += 1;
    let message = app
        .push(&insp1, &corrected)
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    assert!(!message.is_empty());
    app.get("/api/v1/sync/pull?since=yesterday", &insp1)
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
}

#[tokio::test]
async fn the_pull_pages_through_the_roster_without_gaps() {
    let app = TestApp::new().await;
    let insp1 = app.login("insp1").await;
    for (index, code) in CODES.iter().enumerate().take(3) {
        app.create_enterprise("XL01", &format!("Mill {index}"), code)
            .await;
    }
    app.create_enterprise("XL02", "Elsewhere", CODES[3]).await;
    let first = app.get("/api/v1/sync/pull", &insp1).await;
    let names: Vec<&str> = first.json["enterprises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|enterprise| enterprise["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Mill 0", "Mill 1", "Mill 2"]);
    assert_eq!(first.json["more"], false);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Every row an inspection left, without its id: two inspections stored from the same content
/// give the same snapshot.
async fn snapshot(app: &TestApp, id: &str) -> Vec<String> {
    let queries = [
        "SELECT CAST(revision AS TEXT) || '|' || status || '|' || representative_name || '|' || \
         site_state || '|' || COALESCE(finished_at, '') FROM inspections WHERE id = $1",
        "SELECT u.username || '|' || CAST(ii.position AS TEXT) FROM inspection_inspectors ii \
         JOIN users u ON u.id = ii.user_id WHERE ii.inspection_id = $1 ORDER BY ii.position",
        "SELECT item_code || '|' || COALESCE(answer, '') || '|' || note FROM inspection_answers \
         WHERE inspection_id = $1 ORDER BY item_code",
        "SELECT item_code || '|' || description || '|' || severity || '|' || COALESCE(deadline, '') \
         FROM findings WHERE inspection_id = $1 ORDER BY position",
        "SELECT CAST(position AS TEXT) || '|' || measure FROM finding_measures \
         WHERE inspection_id = $1 ORDER BY position, measure",
        "SELECT sha256 || '|' || item_code FROM inspection_photos WHERE inspection_id = $1 \
         ORDER BY sha256, item_code",
        "SELECT status || '|' || observed_at FROM enterprise_status_history \
         WHERE inspection_id = $1",
        "SELECT action FROM audit_log WHERE subject = $1 ORDER BY at",
    ];
    let mut rows = Vec::new();
    for sql in queries {
        let found: Vec<String> = sqlx::query_scalar(sql)
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap();
        rows.push(found.join("\n"));
    }
    let document: String = sqlx::query_scalar("SELECT document FROM inspections WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    rows.push(document.replace(id, "<id>"));
    rows
}

/// Revision `n` of an inspection: each revision differs in what it says.
fn revision_of(base: &Inspection, n: u32) -> Inspection {
    let mut inspection = base.clone();
    inspection.revision = n;
    inspection.representative.name = format!("Representative {n}");
    let first = inspection.findings[0].item_code.clone();
    inspection.answers.get_mut(&first).unwrap().note = format!("note of revision {n}");
    if n.is_multiple_of(2) {
        inspection.findings[0].measures.push(Measure::CaseFiled);
    }
    inspection
}

/// Pushes revisions in `order` (with repeats and reversals, as retries and two phones produce)
/// and checks the database holds what pushing each accepted revision once would.
async fn replay(order: Vec<u32>) {
    let Scene {
        app,
        insp1,
        inspection: base,
        ..
    } = scene(PhotoKeeping::Files).await;
    let mut held = 0;
    let mut accepted = Vec::new();
    for n in order {
        let reply = app.push(&insp1, &revision_of(&base, n)).await;
        let expected = match n {
            _ if held == 0 => StatusCode::CREATED,
            _ if n < held => StatusCode::CONFLICT,
            _ => StatusCode::OK,
        };
        assert_eq!(
            reply.status, expected,
            "revision {n} after {held}: {}",
            reply.text
        );
        if n > held {
            held = n;
            accepted.push(n);
        }
    }
    let mut twin = base.clone();
    twin.id = Uuid::now_v7();
    for n in &accepted {
        let reply = app.push(&insp1, &revision_of(&twin, *n)).await;
        assert!(reply.status.is_success(), "{}", reply.text);
    }
    assert_eq!(
        snapshot(&app, &base.id.to_string()).await,
        snapshot(&app, &twin.id.to_string()).await
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE subject = $1",
            &base.id.to_string()
        )
        .await,
        accepted.len() as i64
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]
    #[test]
    fn duplicated_and_reordered_pushes_equal_each_revision_applied_once(
        order in proptest::collection::vec(1u32..=4, 1..10)
    ) {
        tokio::runtime::Runtime::new().unwrap().block_on(replay(order));
    }
}
