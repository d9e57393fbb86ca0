//! Photos and signatures the server holds in full (their bytes are in the photo store).

use sqlx::AnyConnection;

use super::now;

/// The size of a photo the server holds in full.
pub async fn size(conn: &mut AnyConnection, sha256: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT bytes FROM photos WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(conn)
        .await
}

/// Records a verified photo; recording the same bytes again changes nothing.
pub async fn insert(
    conn: &mut AnyConnection,
    sha256: &str,
    bytes: i64,
    media_type: &str,
    uploaded_by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO photos (sha256, bytes, media_type, uploaded_by, stored_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(bytes)
    .bind(media_type)
    .bind(uploaded_by)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Those of `wanted` the server does not hold, in the order asked.
pub async fn missing(
    conn: &mut AnyConnection,
    wanted: &[String],
) -> Result<Vec<String>, sqlx::Error> {
    let mut missing = Vec::new();
    for sha256 in wanted {
        if size(conn, sha256).await?.is_none() && !missing.contains(sha256) {
            missing.push(sha256.clone());
        }
    }
    Ok(missing)
}

/// The media type of a stored photo, if `user_id` may see it: they uploaded it, or it is evidence
/// in an inspection of `office_id` (any office's, for the task force: `None`).
pub async fn visible_media_type(
    conn: &mut AnyConnection,
    sha256: &str,
    user_id: &str,
    office_id: Option<&str>,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT p.media_type FROM photos p WHERE p.sha256 = $1 AND (p.uploaded_by = $2 \
         OR $3 IS NULL \
         OR EXISTS (SELECT 1 FROM inspection_photos ip JOIN inspections i ON i.id = ip.inspection_id \
                    WHERE ip.sha256 = p.sha256 AND i.office_id = $3) \
         OR EXISTS (SELECT 1 FROM inspections i WHERE i.signature_sha256 = p.sha256 AND i.office_id = $3))",
    )
    .bind(sha256)
    .bind(user_id)
    .bind(office_id)
    .fetch_optional(conn)
    .await
}
