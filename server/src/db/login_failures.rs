//! Failed logins, counted per account and per address to slow down password guessing.
//! Kept in the database so that several server instances share one count.

use super::{new_id, now, Db};

pub async fn record(db: &Db, username: &str, address: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_failures (id, username, address, failed_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(new_id())
    .bind(username)
    .bind(address)
    .bind(now())
    .execute(db)
    .await?;
    Ok(())
}

/// How many failures since `since`, and the oldest of them (which decides when the window frees up).
pub async fn count_since(
    db: &Db,
    column: FailureKey,
    value: &str,
    since: &str,
) -> Result<(i64, Option<String>), sqlx::Error> {
    let sql = format!(
        "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE {} = $1 AND failed_at > $2",
        column.column()
    );
    sqlx::query_as(&sql)
        .bind(value)
        .bind(since)
        .fetch_one(db)
        .await
}

/// Drops failures older than any window, so the table stays small.
pub async fn prune(db: &Db, before: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
pub enum FailureKey {
    Username,
    Address,
}

impl FailureKey {
    fn column(self) -> &'static str {
        match self {
            FailureKey::Username => "username",
            FailureKey::Address => "address",
        }
    }
}
