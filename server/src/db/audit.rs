//! The append-only audit log: who created, changed, reviewed or exported what, and when.

use sqlx::AnyConnection;

use super::{new_id, now};

/// Records one action; call it inside the transaction that makes the change, so both or neither land.
pub async fn record(
    conn: &mut AnyConnection,
    actor: Option<&str>,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(now())
    .bind(actor)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}
