//! Accounts: inspectors, office heads and the task force.

use app::model::{Me, Office, Role};
use sqlx::{AnyConnection, FromRow};

use super::{new_id, now};

/// A user with their office, as every authenticated request sees them.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub name: String,
    pub role: String,
    pub office_id: Option<String>,
    pub office_code: Option<String>,
    pub office_name: Option<String>,
    pub password_hash: String,
}

impl UserRow {
    /// The stored role; the schema's CHECK constraint admits only the known names.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Inspector)
    }

    pub fn me(&self) -> Me {
        let office = match (&self.office_code, &self.office_name) {
            (Some(code), Some(name)) => Some(Office {
                code: code.clone(),
                name: name.clone(),
            }),
            _ => None,
        };
        Me {
            username: self.username.clone(),
            name: self.name.clone(),
            role: self.role(),
            office,
        }
    }
}

pub const SELECT_USER: &str = "SELECT u.id, u.username, u.name, u.role, u.office_id, \
     o.code AS office_code, o.name AS office_name, u.password_hash \
     FROM users u LEFT JOIN offices o ON o.id = u.office_id";

pub async fn find_by_username(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT_USER} WHERE u.username = $1"))
        .bind(username)
        .fetch_optional(conn)
        .await
}

pub struct NewUser<'a> {
    pub username: &'a str,
    pub name: &'a str,
    pub role: Role,
    pub office_id: Option<&'a str>,
    pub password_hash: &'a str,
}

/// Adds an account; a taken username fails with a unique violation.
pub async fn insert(conn: &mut AnyConnection, user: NewUser<'_>) -> Result<String, sqlx::Error> {
    let id = new_id();
    let at = now();
    sqlx::query(
        "INSERT INTO users (id, username, name, role, office_id, password_hash, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(&id)
    .bind(user.username)
    .bind(user.name)
    .bind(user.role.as_str())
    .bind(user.office_id)
    .bind(user.password_hash)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Replaces a password and ends every session of that account; false when no such user exists.
pub async fn set_password(
    conn: &mut AnyConnection,
    username: &str,
    password_hash: &str,
) -> Result<bool, sqlx::Error> {
    let changed =
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE username = $3")
            .bind(password_hash)
            .bind(now())
            .bind(username)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE username = $1)")
        .bind(username)
        .execute(conn)
        .await?;
    Ok(changed == 1)
}

/// Inspectors and heads, of one office or (for the task force) of all.
pub async fn colleagues(
    conn: &mut AnyConnection,
    office_id: Option<&str>,
) -> Result<Vec<UserRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT_USER} WHERE u.role IN ('inspector', 'head') AND ($1 IS NULL OR u.office_id = $1) \
         ORDER BY o.code, u.username"
    );
    sqlx::query_as(&sql).bind(office_id).fetch_all(conn).await
}
