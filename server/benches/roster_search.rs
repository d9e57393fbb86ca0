//! Roster search under load: 10,000 enterprises on SQLite, 50 concurrent clients calling
//! `GET /api/v1/enterprises?q=…` over loopback against the real router. Prints median, p99 and
//! throughput. Run with `cargo bench -p server --bench roster_search` (a benchmark, not a test:
//! timings depend on the machine and its load).
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use app::model::credit_code::{check_character, validate_credit_code};
use app::model::{EnterpriseInput, EnterpriseKind, OperatingStatus, Role};
use server::db::{self, enterprises, offices, users};
use server::http::{app, leptos_options, AppState};
use server::photo_store::{PhotoStore, DEFAULT_MAX_PHOTO_BYTES};

const ENTERPRISES: usize = 10_000;
const CLIENTS: usize = 50;
const REQUESTS_PER_CLIENT: usize = 40;
const PASSWORD: &str = "benchmark-password";
const PLACES: [&str; 8] = [
    "Huangshi",
    "Xialu",
    "Tieshan",
    "Daye",
    "Xisaishan",
    "Tuanchengshan",
    "Dongfang",
    "Jinshan",
];
const TRADES: [&str; 5] = ["Steel", "Rolling", "Metal", "Trading", "Materials"];

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let db = db::connect(&url).await.unwrap();
    let seeded = Instant::now();
    seed(&db).await;
    println!(
        "seeded {ENTERPRISES} enterprises in {:.1} s",
        seeded.elapsed().as_secs_f64()
    );

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let state = AppState {
        db,
        photos: PhotoStore::in_data_dir(dir.path(), DEFAULT_MAX_PHOTO_BYTES).unwrap(),
        leptos_options: leptos_options(address),
    };
    tokio::spawn(async move {
        axum::serve(
            listener,
            app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let base = format!("http://{address}");
    let cookie = login(&base).await;

    let queries = queries();
    // Warm up the connection pool and SQLite's page cache before measuring.
    measure(&base, &cookie, &queries, CLIENTS, 5).await;
    println!("GET /api/v1/enterprises?q=… on SQLite with {ENTERPRISES} enterprises:");
    report(
        "1 client (no queueing)",
        measure(&base, &cookie, &queries, 1, 200).await,
    );
    report(
        &format!("{CLIENTS} concurrent clients"),
        measure(&base, &cookie, &queries, CLIENTS, REQUESTS_PER_CLIENT).await,
    );
}

/// Latencies of every request, and the wall time of the whole run.
struct Run {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

fn report(label: &str, mut run: Run) {
    run.latencies.sort();
    let percentile =
        |p: f64| run.latencies[((run.latencies.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "  {label}: {} requests, median {:.1} ms, p99 {:.1} ms, max {:.1} ms, {:.0} requests/s",
        run.latencies.len(),
        millis(percentile(0.5)),
        millis(percentile(0.99)),
        millis(*run.latencies.last().unwrap()),
        run.latencies.len() as f64 / run.elapsed.as_secs_f64()
    );
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// What clerks type: parts of names, whole and partial credit codes, with and without filters.
fn queries() -> Vec<String> {
    let mut queries: Vec<String> = PLACES.iter().map(|place| format!("q={place}")).collect();
    queries.extend(
        TRADES
            .iter()
            .map(|trade| format!("q={}", trade.to_lowercase())),
    );
    queries.extend(
        [
            "q=No.12",
            "q=No.9999",
            "q=no-such-name",
            "q=MA4K",
            "q=0204",
            "q=Steel&kind=steel_making",
            "q=Xialu&status=suspended",
            "kind=seller&page=3",
        ]
        .map(String::from),
    );
    queries.push(format!("q={}", code(4242)));
    queries
}

async fn measure(
    base: &str,
    cookie: &str,
    queries: &[String],
    client_count: usize,
    per_client: usize,
) -> Run {
    let started = Instant::now();
    let mut clients = Vec::new();
    for client_number in 0..client_count {
        let http = reqwest::Client::new();
        let (base, cookie, queries) = (base.to_string(), cookie.to_string(), queries.to_vec());
        clients.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_client);
            for request_number in 0..per_client {
                let query = &queries[(client_number * 7 + request_number) % queries.len()];
                let started = Instant::now();
                let response = http
                    .get(format!("{base}/api/v1/enterprises?{query}"))
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .unwrap();
                assert!(
                    response.status().is_success(),
                    "{query}: {}",
                    response.status()
                );
                response.bytes().await.unwrap();
                latencies.push(started.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.unwrap());
    }
    Run {
        latencies,
        elapsed: started.elapsed(),
    }
}

async fn login(base: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({ "username": "bench", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_string()
}

async fn seed(db: &db::Db) {
    let mut tx = db.begin().await.unwrap();
    let office = offices::insert(&mut tx, "XL01", "Bench Office")
        .await
        .unwrap();
    let password_hash = server::auth::password::hash(PASSWORD.to_string())
        .await
        .unwrap();
    let user = users::NewUser {
        username: "bench",
        name: "Bench",
        role: Role::Taskforce,
        office_id: None,
        password_hash: &password_hash,
    };
    users::insert(&mut tx, user).await.unwrap();
    for number in 0..ENTERPRISES {
        let kind = EnterpriseKind::ALL[number % EnterpriseKind::ALL.len()];
        let input = EnterpriseInput {
            office_code: None,
            name: format!(
                "{} {} Co. No.{number}",
                PLACES[number % PLACES.len()],
                TRADES[number % TRADES.len()]
            ),
            credit_code: code(number),
            address: format!("{number} Industrial Road, Xialu District"),
            kind,
            licence_no: None,
            licence_scope: None,
            licence_expiry: None,
            status: if number % 10 == 0 {
                OperatingStatus::Suspended
            } else {
                OperatingStatus::Operating
            },
            location: None,
            notes: String::new(),
        };
        enterprises::insert(&mut tx, &office.id, &input)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// A valid credit code for a number: the organisation check digit is found by trying each
/// candidate, the final check character is computed.
fn code(number: usize) -> String {
    let body = format!("91420204MA4K{:04}", number % 10_000);
    "0123456789X"
        .chars()
        .find_map(|candidate| {
            let first17 = format!("{body}{candidate}");
            let full = format!("{first17}{}", check_character(&first17)?);
            validate_credit_code(&full).ok()
        })
        .unwrap()
}
