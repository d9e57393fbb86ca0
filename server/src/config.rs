//! Where the server keeps its data and how it is reached.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::photo_store::PhotoStore;

/// The database URL names the backend: `postgres://…` or `sqlite://…`.
#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub addr: SocketAddr,
    /// An S3-compatible bucket for photos (credentials and endpoint from the `AWS_*` variables);
    /// without one, photos are files under `data_dir/photos`.
    pub photo_bucket: Option<String>,
    pub max_photo_bytes: u64,
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

    /// The photo store this configuration names.
    pub fn photo_store(&self) -> Result<PhotoStore, String> {
        match self.photo_bucket.as_deref().map(str::trim) {
            Some(bucket) if !bucket.is_empty() => {
                PhotoStore::in_bucket(&self.data_dir, bucket, self.max_photo_bytes)
                    .map_err(|error| format!("cannot use the photo bucket {bucket}: {error}"))
            }
            _ => PhotoStore::in_data_dir(&self.data_dir, self.max_photo_bytes).map_err(|error| {
                format!(
                    "cannot create the photo folder in {}: {error}",
                    self.data_dir.display()
                )
            }),
        }
    }
}
