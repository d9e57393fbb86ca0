//! Keeps the phone's copy of the office roster and the office's inspectors current while online,
//! so an inspection can start anywhere with no signal. The roster comes incrementally: only what
//! changed since the last pull (`updated_since`).

use chrono::{DateTime, SecondsFormat, Utc};

use crate::api::{self, ApiFailure};
use crate::field::store::{self, StoreError};
use crate::model::account::Colleague;
use crate::model::EnterprisePage;

const CURSOR: &str = "roster_cursor";
pub const COLLEAGUES: &str = "colleagues";
const PAGE_SIZE: i64 = 500;

#[derive(Debug, Clone, PartialEq)]
pub enum PullFailure {
    Api(ApiFailure),
    Store(StoreError),
}

impl From<ApiFailure> for PullFailure {
    fn from(failure: ApiFailure) -> Self {
        PullFailure::Api(failure)
    }
}

impl From<StoreError> for PullFailure {
    fn from(error: StoreError) -> Self {
        PullFailure::Store(error)
    }
}

/// Fetches every roster change since the last pull and the office's inspectors; returns how many
/// enterprises changed. The cursor moves only after their records are stored.
pub async fn pull() -> Result<usize, PullFailure> {
    let colleagues: Vec<Colleague> = api::get("/api/v1/colleagues").await?;
    store::set_value(COLLEAGUES, &colleagues).await?;

    let since: Option<DateTime<Utc>> = store::value(CURSOR).await?;
    let mut newest = since;
    let mut changed = 0;
    for page in 1.. {
        let query = api::query(&[
            (
                "updated_since",
                since
                    .map(|at| at.to_rfc3339_opts(SecondsFormat::Micros, true))
                    .unwrap_or_default(),
            ),
            ("per_page", PAGE_SIZE.to_string()),
            ("page", page.to_string()),
        ]);
        let batch: EnterprisePage = api::get(&format!("/api/v1/enterprises{query}")).await?;
        store::save_roster(&batch.items).await?;
        changed += batch.items.len();
        newest = batch
            .items
            .iter()
            .map(|enterprise| enterprise.updated_at)
            .chain(newest)
            .max();
        if page * PAGE_SIZE >= batch.total {
            break;
        }
    }
    if let Some(newest) = newest {
        store::set_value(CURSOR, &newest).await?;
    }
    Ok(changed)
}
