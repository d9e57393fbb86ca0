//! A fresh database and app per test: SQLite in a temporary folder, or, when
//! `STEELCHECK_TEST_POSTGRES` names a server (e.g. `postgres://postgres@127.0.0.1:5432`),
//! a new PostgreSQL database on it. The test script sets it for the PostgreSQL run.

use std::sync::OnceLock;

use axum::body::Body;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use server::db::{self, offices, users, Db};
use server::http::{app, leptos_options, AppState};
use server::photo_store::{PhotoStore, DEFAULT_MAX_PHOTO_BYTES};
use tower::ServiceExt;

use app::model::Role;

pub const PASSWORD: &str = "correct horse battery";

/// Real, published credit codes (each passes both check characters).
pub const CODES: [&str; 4] = [
    "914403001922038216",
    "91110108795101314G",
    "91520000214434146R",
    "9135020026015919XW",
];

/// Where a test app keeps photo bytes: files, or an object store (in memory, as S3 would be).
#[derive(Debug, Clone, Copy)]
pub enum PhotoKeeping {
    Files,
    ObjectStore,
}

pub struct TestApp {
    pub db: Db,
    router: axum::Router,
    _dir: tempfile::TempDir,
}

/// A database of its own for one test, and its URL.
pub async fn fresh_database(dir: &tempfile::TempDir) -> String {
    match std::env::var("STEELCHECK_TEST_POSTGRES") {
        Ok(server) if !server.is_empty() => {
            sqlx::any::install_default_drivers();
            // The run's id lets the test script drop exactly this run's databases afterwards.
            let run = std::env::var("STEELCHECK_TEST_RUN").unwrap_or_else(|_| "local".into());
            let name = format!("steelcheck_t_{run}_{}", uuid::Uuid::now_v7().simple());
            let mut admin =
                <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{server}/postgres"))
                    .await
                    .expect("PostgreSQL must be running for the PostgreSQL test run");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut admin)
                .await
                .expect("creating a test database");
            format!("{server}/{name}")
        }
        _ => format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display()),
    }
}

impl TestApp {
    /// Offices XL01 and XL02, and for each role a user: insp1/head1 (XL01), insp2/head2 (XL02), tf.
    /// Photos are files in the test's folder.
    pub async fn new() -> TestApp {
        Self::with_photos(PhotoKeeping::Files).await
    }

    pub async fn with_photos(keeping: PhotoKeeping) -> TestApp {
        // The server's own log of a failure (a 500's cause) shows with the failing test's output.
        let _ = tracing_subscriber::fmt().with_test_writer().try_init();
        let dir = tempfile::tempdir().unwrap();
        let database_url = fresh_database(&dir).await;
        let db = db::connect(&database_url).await.unwrap();
        let mut conn = db.acquire().await.unwrap();
        let xl01 = offices::insert(&mut conn, "XL01", "Office One")
            .await
            .unwrap();
        let xl02 = offices::insert(&mut conn, "XL02", "Office Two")
            .await
            .unwrap();
        let accounts = [
            ("insp1", Role::Inspector, Some(&xl01.id)),
            ("head1", Role::Head, Some(&xl01.id)),
            ("insp2", Role::Inspector, Some(&xl02.id)),
            ("head2", Role::Head, Some(&xl02.id)),
            ("tf", Role::Taskforce, None),
        ];
        for (username, role, office_id) in accounts {
            let user = users::NewUser {
                username,
                name: username,
                role,
                office_id: office_id.map(String::as_str),
                password_hash: password_hash(),
            };
            users::insert(&mut conn, user).await.unwrap();
        }
        drop(conn);
        let photos = match keeping {
            PhotoKeeping::Files => {
                PhotoStore::in_data_dir(dir.path(), DEFAULT_MAX_PHOTO_BYTES).unwrap()
            }
            PhotoKeeping::ObjectStore => {
                PhotoStore::in_memory(dir.path().join("uploads"), DEFAULT_MAX_PHOTO_BYTES)
            }
        };
        let state = AppState {
            db: db.clone(),
            photos,
            leptos_options: leptos_options("127.0.0.1:0".parse().unwrap()),
        };
        TestApp {
            db,
            router: app(state),
            _dir: dir,
        }
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(cookie) = cookie {
            builder = builder.header(header::COOKIE, cookie);
        }
        let body = match body {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes).to_string();
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            json,
            text,
            bytes: bytes.to_vec(),
        }
    }

    pub async fn get(&self, path: &str, cookie: &str) -> Reply {
        self.request(Method::GET, path, Some(cookie), None).await
    }

    pub async fn post(&self, path: &str, cookie: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(cookie), Some(body))
            .await
    }

    pub async fn put(&self, path: &str, cookie: &str, body: Value) -> Reply {
        self.request(Method::PUT, path, Some(cookie), Some(body))
            .await
    }

    /// Posts a body as it is, with the content type given (for malformed or non-JSON bodies).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Reply {
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(request).await
    }

    /// Posts raw bytes (a roster file).
    pub async fn upload(&self, path: &str, cookie: &str, bytes: Vec<u8>) -> Reply {
        let request = Request::post(path)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap();
        self.send(request).await
    }

    /// Signs in and returns the `Cookie` header value to send.
    pub async fn login(&self, username: &str) -> String {
        let reply = self
            .request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(serde_json::json!({ "username": username, "password": PASSWORD })),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "login of {username}: {}",
            reply.text
        );
        session_cookie(&reply.headers).expect("login sets the session cookie")
    }

    /// Creates an enterprise as the task force and returns its id.
    pub async fn create_enterprise(&self, office: &str, name: &str, code: &str) -> String {
        let tf = self.login("tf").await;
        let reply = self
            .post(
                "/api/v1/enterprises",
                &tf,
                enterprise_json(Some(office), name, code),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json["id"].as_str().unwrap().to_string()
    }
}

/// `name=value` of the session cookie a response sets.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("steelcheck_session="))
        .map(|value| value.split(';').next().unwrap().to_string())
}

pub fn enterprise_json(office: Option<&str>, name: &str, code: &str) -> Value {
    serde_json::json!({
        "office_code": office,
        "name": name,
        "credit_code": code,
        "address": "1 Example Road",
        "kind": "rolling_only",
        "licence_no": "(E)XK05-001-00001",
        "licence_scope": "hot-rolled ribbed bars",
        "licence_expiry": "2030-06-30",
        "status": "operating",
        "location": { "lat": 30.2, "lng": 115.0 },
        "notes": ""
    })
}

/// Hashing is slow by design; every test user shares one hash of [`PASSWORD`].
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        argon2::Argon2::default()
            .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string()
    })
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
    pub bytes: Vec<u8>,
}

impl Reply {
    /// The `Set-Cookie` header the response sends.
    pub fn set_cookie(&self) -> &str {
        self.headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
    }

    /// The `name` of every item of a roster page, in order.
    pub fn item_names(&self) -> Vec<String> {
        self.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap().to_string())
            .collect()
    }

    /// Asserts the status and that the body is the API's error format, returning the message.
    pub fn expect_error(&self, status: StatusCode, code: &str) -> String {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json["error"], code, "{}", self.text);
        let message = self.json["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert!(
            !message.is_empty(),
            "an error needs a message: {}",
            self.text
        );
        message
    }
}

impl TestApp {
    /// Removes an enterprise behind the API's back, so a matrix can reuse a credit code.
    pub async fn db_delete_enterprise(&self, id: &str) {
        sqlx::query("DELETE FROM enterprises WHERE id = $1")
            .bind(id)
            .execute(&self.db)
            .await
            .unwrap();
    }

    pub async fn db_delete_by_code(&self, code: &str) {
        sqlx::query("DELETE FROM enterprises WHERE credit_code = $1")
            .bind(code)
            .execute(&self.db)
            .await
            .unwrap();
    }
}
