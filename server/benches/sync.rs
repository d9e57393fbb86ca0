//! Offline sync on loopback, against the real `steelcheck` binary run as a separate process so
//! that its CPU time and memory can be read from /proc (Linux only):
//!
//! 1. 50 inspections × 4 photos (~500 KB each) synced the way the phone does it: per photo `HEAD`,
//!    then `PATCH` the rest in 256 KiB chunks from the server's offset, then `PUT` the inspection.
//!    A byte-counting TCP proxy sits between client and server. It runs without drops, then with 3
//!    connections cut mid-upload, the client resuming at once or after a short pause. Beside it, a
//!    plain one-shot multipart upload of each inspection with its photos (re-sent whole after a
//!    cut) goes to a minimal in-process axum server behind the same proxy.
//! 2. Ingest: `PUT /api/v1/inspections/{id}` from 50 concurrent clients, on SQLite and PostgreSQL.
//! 3. Peak server memory (VmHWM) during 50 concurrent photo uploads.
//!
//! Run with `cargo bench -p server --bench sync`. It is a benchmark, not a test: the timings depend
//! on the machine and its load. PostgreSQL is used when it answers at `STEELCHECK_BENCH_POSTGRES`
//! (default `postgres://postgres@127.0.0.1:5432`). The bench creates a fresh database there and
//! drops it afterwards.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::pin;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::model::checklist::Checklist;
use app::model::enterprise::EnterprisePage;
use app::model::inspection::{
    Answer, EnterpriseSnapshot, Finding, Inspection, ItemAnswer, Measure, PhotoInfo,
};
use app::model::sync::{
    InspectionPush, CHUNK_CONTENT_TYPE, PHOTO_CHUNK_BYTES, UPLOAD_LENGTH, UPLOAD_OFFSET,
};
use axum::body::Bytes;
use axum::http::StatusCode;
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

const INSPECTIONS: usize = 50;
const PHOTOS_PER_INSPECTION: usize = 4;
/// Photos are 480–520 KB (a 12-megapixel photo downscaled on the phone is ≈340 KB).
const PHOTO_BYTES: usize = 500_000;
/// Where the connections are cut, in bytes the client has sent since the start of the run.
const CUTS_AT: [u64; 3] = [17_300_000, 49_600_000, 81_900_000];
/// How long the client waits after a cut before it asks the server where to resume, in the run
/// that waits at all. (The phone waits at least 4 s: its next sync pass.)
const RESUME_PAUSE: Duration = Duration::from_millis(500);
const INGEST_CLIENTS: usize = 50;
const INGEST_REQUESTS: usize = 2_000;
const INGEST_WARM_UP: usize = 100;
const UPLOAD_CLIENTS: usize = 50;
/// Both demo inspectors of office XL01; the first one signs in and sends.
const INSPECTORS: [&str; 2] = ["insp01a", "insp01b"];
const PASSWORD: &str = "demo-inspector";
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432";

#[tokio::main]
async fn main() {
    let photos_clean = photo_set(0, INSPECTIONS * PHOTOS_PER_INSPECTION, sync_photo_size);
    let photos_cut = photo_set(1_000, INSPECTIONS * PHOTOS_PER_INSPECTION, sync_photo_size);
    let photos_cut_paused = photo_set(4_000, INSPECTIONS * PHOTOS_PER_INSPECTION, sync_photo_size);
    let ingest_photos = photo_set(2_000, PHOTOS_PER_INSPECTION, |_| PHOTO_BYTES);
    // 0.5 MB to 2 MB, in even steps.
    let big_photos = photo_set(3_000, UPLOAD_CLIENTS, |n| {
        500_000 + n * 1_500_000 / (UPLOAD_CLIENTS - 1)
    });

    println!("Starting steelcheck on SQLite (demo data) …");
    let sqlite = Server::start(None).await;
    let session = Session::open(&sqlite.base).await;

    // 1. Sync, resumable protocol against the real server, and one-shot multipart.
    let baseline = start_multipart_server().await;
    let batch_clean = Batch::new(&session, &photos_clean);
    let batch_cut = Batch::new(&session, &photos_cut);
    let batch_cut_paused = Batch::new(&session, &photos_cut_paused);
    println!(
        "Syncing {INSPECTIONS} inspections × {PHOTOS_PER_INSPECTION} photos \
         ({:.1} MB of photos, {:.2} MB of inspection JSON) through a counting proxy …",
        mb(batch_clean.photo_bytes()),
        mb(batch_clean.json_bytes())
    );
    let sync_runs = vec![
        resumable_run(&sqlite, &session, &batch_clean, &[], Duration::ZERO).await,
        resumable_run(&sqlite, &session, &batch_cut, &CUTS_AT, Duration::ZERO).await,
        resumable_run(&sqlite, &session, &batch_cut_paused, &CUTS_AT, RESUME_PAUSE).await,
        multipart_run(baseline, &session, &batch_clean, &[]).await,
        multipart_run(baseline, &session, &batch_cut, &CUTS_AT).await,
    ];
    report_sync(&sync_runs);

    // 2. and 3. Ingest and concurrent uploads, SQLite then PostgreSQL.
    let mut ingest_runs = vec![ingest_run("SQLite", &sqlite, &session, &ingest_photos).await];
    let mut upload_runs = vec![upload_run("SQLite", &sqlite, &session, &big_photos).await];
    drop(sqlite);

    let postgres =
        std::env::var("STEELCHECK_BENCH_POSTGRES").unwrap_or_else(|_| DEFAULT_POSTGRES.to_string());
    let database = format!("steelcheck_bench_{}", std::process::id());
    match create_database(&postgres, &database).await {
        Ok(url) => {
            println!("Starting steelcheck on PostgreSQL (database {database}) …");
            let server = Server::start(Some(&url)).await;
            let session = Session::open(&server.base).await;
            ingest_runs.push(ingest_run("PostgreSQL", &server, &session, &ingest_photos).await);
            upload_runs.push(upload_run("PostgreSQL", &server, &session, &big_photos).await);
            drop(server);
            drop_database(&postgres, &database).await;
        }
        Err(error) => println!("PostgreSQL skipped: {postgres} does not answer ({error})"),
    }
    report_ingest(&ingest_runs);
    report_uploads(&upload_runs);
}

// ---------------------------------------------------------------------------------------------
// The server process

/// `steelcheck serve` on demo data in a temporary data directory, killed on drop.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    data: Option<tempfile::TempDir>,
}

impl Server {
    /// Loads the demo data in a first process, then serves from a second one, as a server runs
    /// after a restart: the first process hashed 13 demo passwords with Argon2 (19 MiB each), and
    /// the memory the allocator kept from that would hide the upload's own.
    async fn start(database_url: Option<&str>) -> Server {
        let data = tempfile::tempdir().unwrap();
        let loader = Server::spawn(data.path(), database_url, true).await;
        println!(
            "  resident memory after loading the demo data: {:.0} MB; restarting",
            mib(loader.memory("VmRSS"))
        );
        drop(loader);
        let mut server = Server::spawn(data.path(), database_url, false).await;
        server.data = Some(data);
        server
    }

    async fn spawn(data: &std::path::Path, database_url: Option<&str>, demo: bool) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = data.join(format!("server-{port}.log"));
        let mut command = Command::new(env!("CARGO_BIN_EXE_steelcheck"));
        command
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(data)
            .env_remove("DATABASE_URL")
            .env_remove("STEELCHECK_DATA_DIR")
            .env_remove("STEELCHECK_PHOTO_BUCKET")
            .env_remove("STEELCHECK_MAX_PHOTO_MB")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        if demo {
            command.arg("--demo");
        }
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        let mut server = Server {
            child: command.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
            log,
            data: None,
        };
        let http = client();
        for _ in 0..600 {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("steelcheck exited with {status}:\n{}", server.log_text());
            }
            let health = http.get(format!("{}/healthz", server.base)).send().await;
            if health.is_ok_and(|response| response.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("steelcheck did not start:\n{}", server.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// User plus system CPU time so far (`/proc/<pid>/stat` fields 14 and 15, in clock ticks of
    /// 1/100 s).
    fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // The command name may hold spaces; the fields after it may not.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        ticks as f64 / 100.0
    }

    /// A line of `/proc/<pid>/status` in bytes: `VmRSS` now, or `VmHWM`, the peak.
    fn memory(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(':'))
            .unwrap();
        let kilobytes: u64 = line.trim().trim_end_matches("kB").trim().parse().unwrap();
        kilobytes * 1024
    }

    /// Resets the peak (`VmHWM`) to the present resident size.
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5").unwrap();
    }

    /// CPU seconds and peak memory of the server over a phase.
    fn measure(&self) -> Usage {
        self.reset_peak();
        Usage {
            cpu_start: self.cpu_seconds(),
            rss_start: self.memory("VmRSS"),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Usage {
    cpu_start: f64,
    rss_start: u64,
}

/// What the server spent on a phase.
#[derive(Clone, Copy)]
struct Spent {
    cpu: f64,
    rss_start: u64,
    peak: u64,
}

impl Usage {
    fn end(self, server: &Server) -> Spent {
        Spent {
            cpu: server.cpu_seconds() - self.cpu_start,
            rss_start: self.rss_start,
            peak: server.memory("VmHWM"),
        }
    }
}

async fn create_database(admin: &str, name: &str) -> Result<String, sqlx::Error> {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(&format!("{admin}/postgres")).await?;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut connection)
        .await?;
    Ok(format!("{admin}/{name}"))
}

async fn drop_database(admin: &str, name: &str) {
    use sqlx::Connection;
    let mut connection = sqlx::PgConnection::connect(&format!("{admin}/postgres"))
        .await
        .unwrap();
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut connection)
        .await
        .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Test data

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

struct Photo {
    sha256: String,
    bytes: Bytes,
}

/// `count` distinct photos: a JPEG start, then pseudo-random bytes (which do not compress).
fn photo_set(seed: u64, count: usize, size: impl Fn(usize) -> usize) -> Vec<Arc<Photo>> {
    (0..count)
        .map(|n| Arc::new(photo(seed + n as u64, size(n))))
        .collect()
}

/// 480–520 KB, spread so that the photos of one inspection differ in size.
fn sync_photo_size(n: usize) -> usize {
    PHOTO_BYTES - 20_000 + (n * 7_919) % 40_000
}

fn photo(seed: u64, length: usize) -> Photo {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    let mut bytes = Vec::with_capacity(length + 8);
    bytes.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    while bytes.len() < length {
        // splitmix64
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        bytes.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    bytes.truncate(length);
    let sha256 = Sha256::digest(&bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Photo {
        sha256,
        bytes: Bytes::from(bytes),
    }
}

/// The signed-in inspector and what the office's roster offers to inspect.
struct Session {
    cookie: String,
    sites: Vec<EnterpriseSnapshot>,
}

impl Session {
    async fn open(base: &str) -> Session {
        let http = client();
        let response = http
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({ "username": INSPECTORS[0], "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "login: {}",
            response.status()
        );
        let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
        let cookie = set_cookie.split(';').next().unwrap().to_string();
        let response = http
            .get(format!("{base}/api/v1/enterprises?per_page=100"))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "roster: {}",
            response.status()
        );
        let page: EnterprisePage = response.json().await.unwrap();
        let sites: Vec<EnterpriseSnapshot> = page
            .items
            .into_iter()
            .map(|enterprise| EnterpriseSnapshot {
                id: enterprise.id,
                name: enterprise.name,
                credit_code: enterprise.credit_code,
                office_code: enterprise.office_code,
                kind: enterprise.kind,
                holds_licence: enterprise.licence_no.is_some(),
            })
            .collect();
        assert!(!sites.is_empty(), "the demo office has no enterprises");
        Session { cookie, sites }
    }

    /// A complete inspection of the `n`th site (round robin), ready to submit, naming `photos`.
    /// Whole seconds everywhere, so every inspection serialises to the same length.
    fn inspection(&self, n: usize, photos: &[Arc<Photo>]) -> Inspection {
        let site = self.sites[n % self.sites.len()].clone();
        let now = Utc::now();
        let started = DateTime::from_timestamp(now.timestamp() - 2 * 3600, 0).unwrap();
        let mut inspection =
            Inspection::start(Uuid::now_v7(), site.clone(), INSPECTORS[0], started);
        inspection.inspectors.push(INSPECTORS[1].into());
        let checklist = Checklist::current();
        let codes: Vec<String> = checklist
            .items_for(site.kind, site.holds_licence)
            .map(|item| item.code.clone())
            .collect();
        for code in &codes {
            let answer = ItemAnswer {
                answer: Some(Answer::Complies),
                note: String::new(),
            };
            inspection.answers.insert(code.clone(), answer);
        }
        let first = codes.first().unwrap_or(&checklist.items[0].code).clone();
        inspection.answers.insert(
            first.clone(),
            ItemAnswer {
                answer: Some(Answer::DoesNotComply),
                note: "Seen on site".into(),
            },
        );
        inspection.findings.push(Finding {
            item_code: first,
            description: "Furnace sealed but not dismantled".into(),
            measures: vec![Measure::RectifyByDeadline],
            deadline: Some((now + TimeDelta::days(30)).date_naive()),
            ..Finding::default()
        });
        for (index, photo) in photos.iter().enumerate() {
            inspection.photos.push(PhotoInfo {
                sha256: photo.sha256.clone(),
                item_code: codes
                    .get(index % codes.len().max(1))
                    .unwrap_or(&checklist.items[0].code)
                    .clone(),
                taken_at: started + TimeDelta::minutes(index as i64 + 1),
                width: 1536,
                height: 2048,
                bytes: photo.bytes.len() as u64,
                original_bytes: photo.bytes.len() as u64 * 6,
                location: None,
            });
        }
        inspection.representative.name = "Wang".into();
        inspection.representative.role = "Plant manager".into();
        inspection.signature_refused_reason = "Refused to sign".into();
        inspection.finished_at = Some(started + TimeDelta::hours(1));
        inspection
    }
}

/// An inspection as it leaves the phone: its `PUT` body and its photos.
struct Outgoing {
    id: Uuid,
    json: Bytes,
    photos: Vec<Arc<Photo>>,
}

fn outgoing(session: &Session, n: usize, photos: &[Arc<Photo>]) -> Outgoing {
    let inspection = session.inspection(n, photos);
    let push = InspectionPush {
        device_id: Uuid::from_u128(0x5eed_0000_0000_4000_8000_0000_0000_0001),
        inspection,
    };
    Outgoing {
        id: push.inspection.id,
        json: Bytes::from(serde_json::to_vec(&push).unwrap()),
        photos: photos.to_vec(),
    }
}

/// The 50 inspections of a sync run, each with 4 of the run's photos.
struct Batch {
    inspections: Vec<Outgoing>,
}

impl Batch {
    fn new(session: &Session, photos: &[Arc<Photo>]) -> Batch {
        let inspections = photos
            .chunks(PHOTOS_PER_INSPECTION)
            .enumerate()
            .map(|(n, photos)| outgoing(session, n, photos))
            .collect();
        Batch { inspections }
    }

    fn photo_bytes(&self) -> u64 {
        self.inspections
            .iter()
            .flat_map(|inspection| &inspection.photos)
            .map(|photo| photo.bytes.len() as u64)
            .sum()
    }

    fn json_bytes(&self) -> u64 {
        self.inspections
            .iter()
            .map(|inspection| inspection.json.len() as u64)
            .sum()
    }

    fn payload(&self) -> u64 {
        self.photo_bytes() + self.json_bytes()
    }
}

// ---------------------------------------------------------------------------------------------
// The counting proxy

/// Bytes through the proxy in each direction, and where to cut connections.
#[derive(Default)]
struct Wire {
    up: AtomicU64,
    down: AtomicU64,
    /// Upload byte counts at which the connection carrying that byte is cut.
    pending_cuts: Mutex<Vec<u64>>,
    cuts: AtomicU64,
    /// Where the last cut was, in bytes the client had sent.
    last_cut: AtomicU64,
}

impl Wire {
    fn reset(&self, cuts: &[u64]) {
        self.up.store(0, Ordering::SeqCst);
        self.down.store(0, Ordering::SeqCst);
        self.cuts.store(0, Ordering::SeqCst);
        *self.pending_cuts.lock().unwrap() = cuts.to_vec();
    }

    /// The cut due within the client's bytes `from..to`, if any.
    fn take_cut(&self, from: u64, to: u64) -> Option<u64> {
        let mut pending = self.pending_cuts.lock().unwrap();
        let index = pending.iter().position(|&at| at > from && at <= to)?;
        self.cuts.fetch_add(1, Ordering::SeqCst);
        self.last_cut.store(pending[index], Ordering::SeqCst);
        Some(pending.remove(index))
    }
}

/// Listens on a loopback port and relays every connection to `upstream`, counting bytes.
async fn start_proxy(upstream: SocketAddr) -> (SocketAddr, Arc<Wire>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let wire = Arc::new(Wire::default());
    let counting = wire.clone();
    tokio::spawn(async move {
        loop {
            let (client, _) = listener.accept().await.unwrap();
            tokio::spawn(relay(client, upstream, counting.clone()));
        }
    });
    (address, wire)
}

async fn relay(client: TcpStream, upstream: SocketAddr, wire: Arc<Wire>) {
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Client to server: counts, and may cut. `true` when the client closed its side normally.
    let up = async {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = match client_read.read(&mut buffer).await {
                Ok(0) => {
                    let _ = server_write.shutdown().await;
                    return true;
                }
                Ok(read) => read,
                Err(_) => return false,
            };
            let before = wire.up.fetch_add(read as u64, Ordering::SeqCst);
            if let Some(cut) = wire.take_cut(before, before + read as u64) {
                // Forward up to the cut, then close both sides in the middle of the request.
                let _ = server_write
                    .write_all(&buffer[..(cut - before) as usize])
                    .await;
                return false;
            }
            if server_write.write_all(&buffer[..read]).await.is_err() {
                return false;
            }
        }
    };
    let down = async {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let read = match server_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => read,
            };
            wire.down.fetch_add(read as u64, Ordering::SeqCst);
            if client_write.write_all(&buffer[..read]).await.is_err() {
                return;
            }
        }
    };
    let mut down = pin!(down);
    tokio::select! {
        closed_normally = up => if closed_normally { down.await },
        () = &mut down => {}
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Sync runs

struct SyncRun {
    /// Runs of one family are compared with its run without cuts.
    family: &'static str,
    protocol: String,
    cuts: u64,
    elapsed: Duration,
    payload: u64,
    up: u64,
    down: u64,
    /// Requests that failed on the connection and were repeated (or resumed).
    retries: u64,
    /// What each cut cost.
    notes: Vec<String>,
    /// The server's CPU and memory, when it is the real server in its own process.
    server: Option<Spent>,
}

/// The sync client, as the phone behaves: it counts the requests it had to repeat and, when
/// talking through the proxy, notes what each cut cost.
struct Phone {
    http: reqwest::Client,
    base: String,
    cookie: String,
    retries: AtomicU64,
    wire: Option<Arc<Wire>>,
    /// How long to wait after a failed request before asking the server again.
    pause: Duration,
    notes: Mutex<Vec<String>>,
}

impl Phone {
    fn new(base: &str, cookie: &str, wire: Option<Arc<Wire>>, pause: Duration) -> Phone {
        Phone {
            http: client(),
            base: base.to_string(),
            cookie: cookie.to_string(),
            retries: AtomicU64::new(0),
            wire,
            pause,
            notes: Mutex::default(),
        }
    }

    fn retried(&self) {
        self.retries.fetch_add(1, Ordering::SeqCst);
    }

    /// After a request failed on the connection.
    async fn failed(&self) {
        self.retried();
        tokio::time::sleep(self.pause).await;
    }

    fn sent_so_far(&self) -> u64 {
        self.wire
            .as_ref()
            .map_or(0, |wire| wire.up.load(Ordering::SeqCst))
    }

    /// How many bytes of the request that started at `sent_before` the proxy let through
    /// before it cut the connection (its headers included).
    fn passed_before_cut(&self, sent_before: u64) -> u64 {
        self.wire.as_ref().map_or(0, |wire| {
            wire.last_cut
                .load(Ordering::SeqCst)
                .saturating_sub(sent_before)
        })
    }

    fn note(&self, note: String) {
        self.notes.lock().unwrap().push(note);
    }

    /// One photo: ask the server how much it holds, send the rest in chunks from there, and after
    /// any failure ask again.
    async fn upload_photo(&self, photo: &Photo) {
        let url = format!("{}/api/v1/photos/{}", self.base, photo.sha256);
        let length = photo.bytes.len() as u64;
        // The chunk a failed connection was carrying: (start, end, bytes the proxy passed).
        let mut broken: Option<(u64, u64, u64)> = None;
        for _attempt in 0..100 {
            let head = match self
                .http
                .head(&url)
                .header(COOKIE, &self.cookie)
                .send()
                .await
            {
                Ok(head) => head,
                Err(_) => {
                    self.failed().await;
                    continue;
                }
            };
            let mut offset = match head.status() {
                StatusCode::NOT_FOUND => 0,
                StatusCode::OK => upload_offset(head.headers()).unwrap_or_else(|| {
                    panic!(
                        "HEAD {url}: 200 without {UPLOAD_OFFSET}: {:?}",
                        head.headers()
                    )
                }),
                status => panic!("HEAD {url}: {status} {:?}", head.headers()),
            };
            if let Some((start, end, passed)) = broken.take() {
                self.note(format!(
                    "PATCH {}… bytes {start}..{end} of {length}: cut after {passed} bytes of \
                     the request (headers included); HEAD then answered {} with offset \
                     {offset} ({} bytes of the chunk kept)",
                    &photo.sha256[..8],
                    head.status().as_u16(),
                    offset.saturating_sub(start)
                ));
            }
            if offset == length {
                return;
            }
            loop {
                let end = (offset + PHOTO_CHUNK_BYTES as u64).min(length);
                let sent_before = self.sent_so_far();
                let sent = self
                    .http
                    .patch(&url)
                    .header(COOKIE, &self.cookie)
                    .header(CONTENT_TYPE, CHUNK_CONTENT_TYPE)
                    .header(UPLOAD_OFFSET, offset.to_string())
                    .header(UPLOAD_LENGTH, length.to_string())
                    .body(photo.bytes.slice(offset as usize..end as usize))
                    .send()
                    .await;
                let Ok(response) = sent else {
                    broken = Some((offset, end, self.passed_before_cut(sent_before)));
                    self.failed().await;
                    break;
                };
                let status = response.status();
                let held = upload_offset(response.headers());
                let Ok(body) = response.bytes().await else {
                    self.failed().await;
                    break;
                };
                match (status, held) {
                    (StatusCode::OK | StatusCode::CREATED, _) => return,
                    (StatusCode::NO_CONTENT, Some(held)) if held > offset && held < length => {
                        offset = held;
                    }
                    // Told where to resume: the server holds more, or less, than the phone thought.
                    (StatusCode::CONFLICT | StatusCode::BAD_REQUEST, Some(held))
                        if held < length =>
                    {
                        self.retried();
                        self.note(format!(
                            "PATCH {}… at {offset}: {status}, resume at {held}",
                            &photo.sha256[..8]
                        ));
                        offset = held;
                    }
                    // Another request is still writing this photo (the one cut off): ask again.
                    (StatusCode::CONFLICT, None) => {
                        self.retried();
                        self.note(format!(
                            "PATCH {}… at {offset}: {status} {}",
                            &photo.sha256[..8],
                            String::from_utf8_lossy(&body)
                        ));
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        break;
                    }
                    _ => panic!(
                        "PATCH {url} at {offset}..{end} of {length}: {status}, {UPLOAD_OFFSET} \
                         {held:?}, {}",
                        String::from_utf8_lossy(&body)
                    ),
                }
            }
        }
        panic!("{url}: no progress after 100 attempts");
    }

    /// `PUT` the inspection until the server answers; a repeat is answered 200.
    async fn push(&self, inspection: &Outgoing) {
        let url = format!("{}/api/v1/inspections/{}", self.base, inspection.id);
        for _attempt in 0..20 {
            let sent_before = self.sent_so_far();
            let sent = self
                .http
                .put(&url)
                .header(COOKIE, &self.cookie)
                .header(CONTENT_TYPE, "application/json")
                .body(inspection.json.clone())
                .send()
                .await;
            let Ok(response) = sent else {
                self.note(format!(
                    "PUT {url}: cut after {} bytes, sent again",
                    self.passed_before_cut(sent_before)
                ));
                self.failed().await;
                continue;
            };
            let status = response.status();
            let body = response.bytes().await.unwrap_or_default();
            match status {
                StatusCode::OK | StatusCode::CREATED => return,
                status if status.is_server_error() => {
                    self.retried();
                    self.note(format!("PUT {url}: {status}, sent again"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                status => panic!("PUT {url}: {status} {}", String::from_utf8_lossy(&body)),
            }
        }
        panic!("PUT {url}: no answer after 20 attempts");
    }
}

async fn resumable_run(
    server: &Server,
    session: &Session,
    batch: &Batch,
    cuts: &[u64],
    pause: Duration,
) -> SyncRun {
    let upstream: SocketAddr = server.base.trim_start_matches("http://").parse().unwrap();
    let (proxy, wire) = start_proxy(upstream).await;
    let phone = Phone::new(
        &format!("http://{proxy}"),
        &session.cookie,
        Some(wire.clone()),
        pause,
    );
    wire.reset(cuts);
    let usage = server.measure();
    let started = Instant::now();
    for inspection in &batch.inspections {
        for photo in &inspection.photos {
            phone.upload_photo(photo).await;
        }
        phone.push(inspection).await;
    }
    let elapsed = started.elapsed();
    SyncRun {
        family: "resumable",
        protocol: if pause.is_zero() {
            "resumable (HEAD, 256 KiB PATCH, PUT)".to_string()
        } else {
            format!("resumable, {:.1} s pause after a cut", pause.as_secs_f64())
        },
        cuts: wire.cuts.load(Ordering::SeqCst),
        elapsed,
        payload: batch.payload(),
        up: wire.up.load(Ordering::SeqCst),
        down: wire.down.load(Ordering::SeqCst),
        retries: phone.retries.load(Ordering::SeqCst),
        notes: phone.notes.into_inner().unwrap(),
        server: Some(usage.end(server)),
    }
}

fn upload_offset(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get(UPLOAD_OFFSET)?.to_str().ok()?.parse().ok()
}

/// The baseline's server: one route that reads the whole body into memory and answers 201.
async fn start_multipart_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = axum::Router::new()
        .route(
            "/api/v1/inspections",
            axum::routing::post(|body: Bytes| async move {
                std::hint::black_box(body.len());
                StatusCode::CREATED
            }),
        )
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

async fn multipart_run(
    upstream: SocketAddr,
    session: &Session,
    batch: &Batch,
    cuts: &[u64],
) -> SyncRun {
    let (proxy, wire) = start_proxy(upstream).await;
    let url = format!("http://{proxy}/api/v1/inspections");
    let phone = Phone::new(
        &format!("http://{proxy}"),
        &session.cookie,
        Some(wire.clone()),
        Duration::ZERO,
    );
    wire.reset(cuts);
    let started = Instant::now();
    for inspection in &batch.inspections {
        let (content_type, body) = multipart(inspection);
        for attempt in 0.. {
            assert!(attempt < 20, "POST {url}: no answer after 20 attempts");
            let sent_before = phone.sent_so_far();
            let sent = phone
                .http
                .post(&url)
                .header(COOKIE, &phone.cookie)
                .header(CONTENT_TYPE, &content_type)
                .body(body.clone())
                .send()
                .await;
            let status = match sent {
                Ok(response) => {
                    let status = response.status();
                    response.bytes().await.ok().map(|_| status)
                }
                Err(_) => None,
            };
            let Some(status) = status else {
                phone.retried();
                phone.note(format!(
                    "POST of {} bytes: cut after {} bytes, sent again whole",
                    body.len(),
                    phone.passed_before_cut(sent_before)
                ));
                continue;
            };
            assert_eq!(status, StatusCode::CREATED, "POST {url}");
            break;
        }
    }
    let elapsed = started.elapsed();
    SyncRun {
        family: "multipart",
        protocol: "one-shot multipart".to_string(),
        cuts: wire.cuts.load(Ordering::SeqCst),
        elapsed,
        payload: batch.payload(),
        up: wire.up.load(Ordering::SeqCst),
        down: wire.down.load(Ordering::SeqCst),
        retries: phone.retries.load(Ordering::SeqCst),
        notes: phone.notes.into_inner().unwrap(),
        server: None,
    }
}

/// `multipart/form-data` with the inspection's JSON and its photos, built by hand.
fn multipart(inspection: &Outgoing) -> (String, Bytes) {
    let boundary = format!("steelcheck-{}", inspection.id.simple());
    let mut body = Vec::with_capacity(
        inspection.json.len()
            + inspection
                .photos
                .iter()
                .map(|photo| photo.bytes.len() + 256)
                .sum::<usize>()
            + 256,
    );
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"inspection\"\r\n\
             Content-Type: application/json\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(&inspection.json);
    for photo in &inspection.photos {
        body.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; \
                 filename=\"{}.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n",
                photo.sha256
            )
            .as_bytes(),
        );
        body.extend_from_slice(&photo.bytes);
    }
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        format!("multipart/form-data; boundary={boundary}"),
        Bytes::from(body),
    )
}

fn report_sync(runs: &[SyncRun]) {
    println!();
    println!(
        "Sync of {INSPECTIONS} inspections × {PHOTOS_PER_INSPECTION} photos on loopback \
         (payload = photo bytes + inspection JSON; wire = both directions, HTTP headers included):"
    );
    println!(
        "| protocol | cuts | time | server CPU | server peak RSS | payload | sent | received | wire/payload | retried requests | re-sent vs no cuts |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for run in runs {
        let clean = runs
            .iter()
            .find(|other| other.family == run.family && other.cuts == 0);
        let resent = match clean {
            Some(clean) if run.cuts > 0 => format!("{:.2} MB", mb(run.up.saturating_sub(clean.up))),
            _ => "–".to_string(),
        };
        let (cpu, peak) = match run.server {
            Some(spent) => (
                format!("{:.1} s", spent.cpu),
                format!(
                    "{:.0} MB (from {:.0} MB)",
                    mib(spent.peak),
                    mib(spent.rss_start)
                ),
            ),
            None => ("in-process".to_string(), "–".to_string()),
        };
        println!(
            "| {} | {} | {:.2} s | {cpu} | {peak} | {:.2} MB | {:.2} MB | {:.3} MB | {:.4} | {} | {resent} |",
            run.protocol,
            run.cuts,
            run.elapsed.as_secs_f64(),
            mb(run.payload),
            mb(run.up),
            mb(run.down),
            (run.up + run.down) as f64 / run.payload as f64,
            run.retries,
        );
    }
    for run in runs {
        for note in &run.notes {
            println!("  {}, {} cuts: {note}", run.protocol, run.cuts);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Ingest

struct IngestRun {
    database: &'static str,
    latencies: Vec<Duration>,
    elapsed: Duration,
    failures: Vec<String>,
    server: Spent,
}

async fn ingest_run(
    database: &'static str,
    server: &Server,
    session: &Session,
    photos: &[Arc<Photo>],
) -> IngestRun {
    let phone = Phone::new(&server.base, &session.cookie, None, Duration::ZERO);
    for photo in photos {
        phone.upload_photo(photo).await;
    }
    let bodies: Vec<Outgoing> = (0..INGEST_WARM_UP + INGEST_REQUESTS)
        .map(|n| outgoing(session, n, photos))
        .collect();
    let (warm_up, measured) = bodies.split_at(INGEST_WARM_UP);
    println!(
        "Ingest on {database}: {INGEST_REQUESTS} PUT /api/v1/inspections/{{id}} \
         ({} bytes of JSON each) from {INGEST_CLIENTS} clients …",
        measured[0].json.len()
    );
    put_concurrently(&server.base, &session.cookie, warm_up).await;
    let usage = server.measure();
    let started = Instant::now();
    let (latencies, failures) = put_concurrently(&server.base, &session.cookie, measured).await;
    let elapsed = started.elapsed();
    IngestRun {
        database,
        latencies,
        elapsed,
        failures,
        server: usage.end(server),
    }
}

/// Sends every inspection once, from `INGEST_CLIENTS` clients that each take the next one
/// as soon as the last is answered. Returns the latencies, and what failed.
async fn put_concurrently(
    base: &str,
    cookie: &str,
    inspections: &[Outgoing],
) -> (Vec<Duration>, Vec<String>) {
    let work: Arc<Vec<(String, Bytes)>> = Arc::new(
        inspections
            .iter()
            .map(|inspection| {
                (
                    format!("{base}/api/v1/inspections/{}", inspection.id),
                    inspection.json.clone(),
                )
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..INGEST_CLIENTS {
        let (work, next, cookie) = (work.clone(), next.clone(), cookie.to_string());
        clients.push(tokio::spawn(async move {
            let http = client();
            let mut latencies = Vec::new();
            let mut failures = Vec::new();
            while let Some((url, json)) = work.get(next.fetch_add(1, Ordering::SeqCst)) {
                let started = Instant::now();
                let sent = http
                    .put(url)
                    .header(COOKIE, &cookie)
                    .header(CONTENT_TYPE, "application/json")
                    .body(json.clone())
                    .send()
                    .await;
                match sent {
                    Ok(response) => {
                        let status = response.status();
                        let body = response.bytes().await.unwrap_or_default();
                        if status == StatusCode::CREATED {
                            latencies.push(started.elapsed());
                        } else {
                            failures.push(format!(
                                "PUT {url}: {status} {}",
                                String::from_utf8_lossy(&body)
                            ));
                        }
                    }
                    Err(error) => failures.push(format!("PUT {url}: {error}")),
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = Vec::new();
    for client in clients {
        let (more_latencies, more_failures) = client.await.unwrap();
        latencies.extend(more_latencies);
        failures.extend(more_failures);
    }
    (latencies, failures)
}

fn report_ingest(runs: &[IngestRun]) {
    println!();
    println!(
        "Ingest: {INGEST_REQUESTS} distinct valid inspections (4 photos each, already uploaded), \
         PUT /api/v1/inspections/{{id}} from {INGEST_CLIENTS} concurrent clients:"
    );
    println!(
        "| database | requests/s | median | p99 | max | failed | server CPU | server peak RSS |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for run in runs {
        let mut latencies = run.latencies.clone();
        latencies.sort();
        let percentile = |p: f64| {
            latencies
                .get(((latencies.len().max(1) - 1) as f64 * p).round() as usize)
                .map_or(f64::NAN, |latency| millis(*latency))
        };
        println!(
            "| {} | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {} | {:.1} s ({:.0} % of 2 cores) | {:.0} MB |",
            run.database,
            latencies.len() as f64 / run.elapsed.as_secs_f64(),
            percentile(0.5),
            percentile(0.99),
            percentile(1.0),
            run.failures.len(),
            run.server.cpu,
            run.server.cpu / run.elapsed.as_secs_f64() / 2.0 * 100.0,
            mib(run.server.peak),
        );
    }
    for run in runs {
        for failure in run.failures.iter().take(3) {
            println!("  {} failure: {failure}", run.database);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Memory during concurrent uploads

struct UploadRun {
    database: &'static str,
    bytes: u64,
    elapsed: Duration,
    retries: u64,
    server: Spent,
}

async fn upload_run(
    database: &'static str,
    server: &Server,
    session: &Session,
    photos: &[Arc<Photo>],
) -> UploadRun {
    println!(
        "{UPLOAD_CLIENTS} concurrent photo uploads on {database} ({:.1} MB) …",
        mb(photos.iter().map(|photo| photo.bytes.len() as u64).sum())
    );
    let usage = server.measure();
    let started = Instant::now();
    let mut uploads = Vec::new();
    for photo in photos {
        // One phone each, on its own connection.
        let phone = Phone::new(&server.base, &session.cookie, None, Duration::ZERO);
        let photo = photo.clone();
        uploads.push(tokio::spawn(async move {
            phone.upload_photo(&photo).await;
            phone.retries.load(Ordering::SeqCst)
        }));
    }
    let mut retries = 0;
    for upload in uploads {
        retries += upload.await.unwrap();
    }
    UploadRun {
        database,
        bytes: photos.iter().map(|photo| photo.bytes.len() as u64).sum(),
        elapsed: started.elapsed(),
        retries,
        server: usage.end(server),
    }
}

fn report_uploads(runs: &[UploadRun]) {
    println!();
    println!(
        "{UPLOAD_CLIENTS} concurrent photo uploads (distinct photos of 0.5–2 MB, 256 KiB chunks), \
         peak resident memory of the server (VmHWM, reset before):"
    );
    println!(
        "| database | photos | time | server CPU | RSS before | peak RSS | retried requests |"
    );
    println!("|---|---|---|---|---|---|---|");
    for run in runs {
        println!(
            "| {} | {:.1} MB | {:.2} s | {:.1} s | {:.0} MB | {:.0} MB | {} |",
            run.database,
            mb(run.bytes),
            run.elapsed.as_secs_f64(),
            run.server.cpu,
            mib(run.server.rss_start),
            mib(run.server.peak),
            run.retries,
        );
    }
}

// ---------------------------------------------------------------------------------------------

/// Decimal megabytes, for sizes on the wire.
fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// Binary megabytes, for memory (as `ps` and `top` count).
fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
