//! The database: one pool over SQLite or PostgreSQL, picked by URL, and the SQL per table group.
//!
//! Queries are written once in portable SQL (`$1` parameters, text ids and timestamps) and run
//! through sqlx's `Any` driver, so both backends execute the same statements.

pub mod audit;
pub mod enterprises;
pub mod inspections;
pub mod login_failures;
pub mod offices;
pub mod photos;
pub mod sessions;
pub mod users;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::any::AnyPoolOptions;
use sqlx::AnyPool;

pub type Db = AnyPool;
pub type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

/// Connects, creating an SQLite file (and its folder) when needed, and brings the schema up to date.
pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
    sqlx::any::install_default_drivers();
    if let Some(path) = url.strip_prefix("sqlite://") {
        let file = path.split('?').next().unwrap_or(path);
        if let Some(dir) = std::path::Path::new(file).parent() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let is_sqlite = url.starts_with("sqlite:");
    let pool = AnyPoolOptions::new()
        .max_connections(if is_sqlite { 8 } else { 16 })
        .acquire_timeout(Duration::from_secs(10))
        .connect(url)
        .await?;
    if is_sqlite {
        // Readers then never wait for the writer; the setting is stored in the file.
        sqlx::query("PRAGMA journal_mode = WAL")
            .execute(&pool)
            .await?;
    }
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// A transaction that will write. SQLite takes its write lock at the start (`BEGIN IMMEDIATE`):
/// two deferred transactions that both read and then write would fail with "database is locked"
/// instead of waiting for each other.
pub async fn begin_write(db: &Db) -> Result<Tx<'static>, sqlx::Error> {
    if db.connect_options().database_url.scheme() == "sqlite" {
        db.begin_with("BEGIN IMMEDIATE").await
    } else {
        db.begin().await
    }
}

pub type Query<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// A statement that binds coordinates, which may be missing. It is not kept prepared: sqlx 0.8's
/// `Any` driver sends a missing `f64` as an `f32` NULL (sqlx issue 4284), and once PostgreSQL has
/// prepared a statement with one type it refuses the other ("incorrect binary data format"), so a
/// place without a position and one with could not both be saved on one connection.
pub fn query_with_coordinates(sql: &str) -> Query<'_> {
    sqlx::query(sql).persistent(false)
}

/// Timestamps are stored as fixed-width UTC text so that text order is time order on both backends.
pub fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub fn now() -> String {
    timestamp(Utc::now())
}

pub fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, sqlx::Error> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|error| sqlx::Error::Decode(Box::new(error)))
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether a statement failed on a unique constraint, so callers can answer 409 instead of 500.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(db) if db.is_unique_violation())
}
