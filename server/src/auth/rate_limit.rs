//! Login rate limit: 5 failures for one account, or 30 from one address, within 15 minutes
//! block further attempts until the oldest failure leaves the window. Successes are not counted.

use chrono::{Duration, Utc};

use crate::db::login_failures::{self, FailureKey};
use crate::db::{parse_timestamp, timestamp, Db};
use crate::error::{AppError, AppResult};

pub const WINDOW_MINUTES: i64 = 15;
pub const PER_ACCOUNT: i64 = 5;
pub const PER_ADDRESS: i64 = 30;

/// Refuses with 429 (and how long to wait) when either limit is reached.
pub async fn check(db: &Db, username: &str, address: &str) -> AppResult<()> {
    let now = Utc::now();
    let window = Duration::minutes(WINDOW_MINUTES);
    let since = timestamp(now - window);
    for (key, value, limit) in [
        (FailureKey::Username, username, PER_ACCOUNT),
        (FailureKey::Address, address, PER_ADDRESS),
    ] {
        let (count, oldest) = login_failures::count_since(db, key, value, &since).await?;
        if count >= limit {
            let frees_at = match oldest {
                Some(oldest) => parse_timestamp(&oldest)? + window,
                None => now + window,
            };
            let retry_after_secs = (frees_at - now).num_seconds().max(1) as u64;
            return Err(AppError::RateLimited { retry_after_secs });
        }
    }
    Ok(())
}

pub async fn record_failure(db: &Db, username: &str, address: &str) -> AppResult<()> {
    login_failures::record(db, username, address).await?;
    let expired = timestamp(Utc::now() - Duration::minutes(WINDOW_MINUTES));
    login_failures::prune(db, &expired).await?;
    Ok(())
}
