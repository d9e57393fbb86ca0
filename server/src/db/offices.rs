//! Market-supervision offices.

use app::model::Office;
use sqlx::{AnyConnection, FromRow};

use super::{new_id, now, Db};

#[derive(Debug, Clone, FromRow)]
pub struct OfficeRow {
    pub id: String,
    pub code: String,
    pub name: String,
}

impl From<OfficeRow> for Office {
    fn from(row: OfficeRow) -> Self {
        Office {
            code: row.code,
            name: row.name,
        }
    }
}

pub async fn list(db: &Db) -> Result<Vec<OfficeRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, code, name FROM offices ORDER BY code")
        .fetch_all(db)
        .await
}

pub async fn find_by_code(
    conn: &mut AnyConnection,
    code: &str,
) -> Result<Option<OfficeRow>, sqlx::Error> {
    sqlx::query_as("SELECT id, code, name FROM offices WHERE code = $1")
        .bind(code)
        .fetch_optional(conn)
        .await
}

/// Adds an office; a taken code fails with a unique violation.
pub async fn insert(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
) -> Result<OfficeRow, sqlx::Error> {
    let row = OfficeRow {
        id: new_id(),
        code: code.to_string(),
        name: name.to_string(),
    };
    sqlx::query("INSERT INTO offices (id, code, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&row.id)
        .bind(&row.code)
        .bind(&row.name)
        .bind(now())
        .execute(conn)
        .await?;
    Ok(row)
}
