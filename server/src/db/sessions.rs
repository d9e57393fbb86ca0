//! Server-side sessions: the cookie carries a random token, the table keeps only its hash.

use sqlx::AnyConnection;

use super::users::{UserRow, SELECT_USER};
use super::{now, Db};

pub async fn insert(
    conn: &mut AnyConnection,
    token_hash: &str,
    user_id: &str,
    expires_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now())
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user behind a live session and when that session expires, in one query (every request asks).
pub async fn find_user(
    db: &Db,
    token_hash: &str,
) -> Result<Option<(UserRow, String)>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct SessionUser {
        #[sqlx(flatten)]
        user: UserRow,
        expires_at: String,
    }
    let sql = format!(
        "SELECT * FROM ({SELECT_USER}) AS u \
         JOIN (SELECT user_id, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2) AS s \
         ON s.user_id = u.id"
    );
    let found: Option<SessionUser> = sqlx::query_as(&sql)
        .bind(token_hash)
        .bind(now())
        .fetch_optional(db)
        .await?;
    Ok(found.map(|found| (found.user, found.expires_at)))
}

pub async fn extend(db: &Db, token_hash: &str, expires_at: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE token_hash = $2")
        .bind(expires_at)
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends one session, and sweeps expired ones while at it.
pub async fn delete(db: &Db, token_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1 OR expires_at <= $2")
        .bind(token_hash)
        .bind(now())
        .execute(db)
        .await?;
    Ok(())
}
