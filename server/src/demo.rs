//! Demo data for a first start with `--demo`: the district's offices (made up), a sample roster
//! and one account per role, all marked as demo data. Loaded only into an empty database.

use app::model::Role;

use crate::auth::password;
use crate::db::{self, audit, offices, users, Db};
use crate::error::AppError;
use crate::roster_import;

const OFFICES: &str = include_str!("../demo/offices.csv");
const ACCOUNTS: &str = include_str!("../demo/accounts.csv");
const ROSTER: &str = include_str!("../demo/roster.csv");

/// Loads everything in one transaction when no office exists yet; returns the accounts to print.
pub async fn load_if_empty(db: &Db) -> Result<Option<String>, AppError> {
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM offices")
        .fetch_one(db)
        .await?;
    if existing > 0 {
        return Ok(None);
    }
    let roster = roster_import::parse(ROSTER.as_bytes()).map_err(AppError::Invalid)?;
    let mut tx = db::begin_write(db).await?;
    let mut created_offices = Vec::new();
    for line in data_lines(OFFICES) {
        if let [code, name] = line.as_slice() {
            created_offices.push(offices::insert(&mut tx, code, name).await?);
        }
    }
    for office in &created_offices {
        let rows = roster
            .iter()
            .filter(|row| row.input.office_code.as_deref() == Some(office.code.as_str()))
            .cloned()
            .collect();
        roster_import::apply(&mut tx, office, rows, "demo").await?;
    }
    let mut listing = String::from("Demo accounts (username / password / role / office):\n");
    for line in data_lines(ACCOUNTS) {
        let [username, name, role, office_code, password] = line.as_slice() else {
            continue;
        };
        let role =
            Role::parse(role).ok_or_else(|| AppError::Internal(format!("demo role {role}")))?;
        let office_id = created_offices
            .iter()
            .find(|office| office.code == *office_code)
            .map(|office| office.id.as_str());
        let password_hash = password::hash(password.to_string()).await?;
        let user = users::NewUser {
            username,
            name,
            role,
            office_id,
            password_hash: &password_hash,
        };
        users::insert(&mut tx, user).await?;
        listing.push_str(&format!(
            "  {username:<10} {password:<16} {:<10} {office_code}\n",
            role.as_str()
        ));
    }
    audit::record(&mut tx, None, "demo.load", "database", "demo data loaded").await?;
    tx.commit().await?;
    Ok(Some(listing))
}

/// The rows of a small CSV data file, header skipped.
fn data_lines(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.split(',').map(str::trim).collect())
}
