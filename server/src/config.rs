//! Where the server keeps its data and how it is reached.

use std::net::SocketAddr;
use std::path::PathBuf;

/// The database URL names the backend: `postgres://…` or `sqlite://…`.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub addr: SocketAddr,
}

impl Config {
    /// `DATABASE_URL` when given, otherwise an SQLite file inside the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) if !url.trim().is_empty() => url.clone(),
            _ => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("steelcheck.db").display()
            ),
        }
    }
}
