//! The enterprise roster.

use app::model::{Enterprise, EnterpriseInput, EnterpriseKind, Location, OperatingStatus};
use chrono::NaiveDate;
use sqlx::{AnyConnection, FromRow};
use uuid::Uuid;

use super::{new_id, now, parse_timestamp, query_with_coordinates, Db, Query};

#[derive(Debug, Clone, FromRow)]
pub struct EnterpriseRow {
    pub id: String,
    pub office_id: String,
    pub office_code: String,
    pub office_name: String,
    pub name: String,
    pub credit_code: String,
    pub address: String,
    pub kind: String,
    pub licence_no: Option<String>,
    pub licence_scope: Option<String>,
    pub licence_expiry: Option<String>,
    pub status: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub notes: String,
    pub created_at: String,
    pub updated_at: String,
}

impl TryFrom<EnterpriseRow> for Enterprise {
    type Error = sqlx::Error;

    fn try_from(row: EnterpriseRow) -> Result<Self, Self::Error> {
        let corrupt =
            |what: &str| sqlx::Error::Decode(format!("stored {what} is not valid").into());
        Ok(Enterprise {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            kind: EnterpriseKind::parse(&row.kind).ok_or_else(|| corrupt("kind"))?,
            status: OperatingStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            licence_expiry: row
                .licence_expiry
                .as_deref()
                .map(|date| NaiveDate::parse_from_str(date, "%Y-%m-%d"))
                .transpose()
                .map_err(|_| corrupt("licence expiry"))?,
            location: row
                .latitude
                .zip(row.longitude)
                .map(|(lat, lng)| Location { lat, lng }),
            created_at: parse_timestamp(&row.created_at)?,
            updated_at: parse_timestamp(&row.updated_at)?,
            office_code: row.office_code,
            office_name: row.office_name,
            name: row.name,
            credit_code: row.credit_code,
            address: row.address,
            licence_no: row.licence_no,
            licence_scope: row.licence_scope,
            notes: row.notes,
        })
    }
}

const SELECT_ENTERPRISE: &str =
    "SELECT e.id, e.office_id, o.code AS office_code, o.name AS office_name, \
     e.name, e.credit_code, e.address, e.kind, e.licence_no, e.licence_scope, e.licence_expiry, \
     e.status, e.latitude, e.longitude, e.notes, e.created_at, e.updated_at \
     FROM enterprises e JOIN offices o ON o.id = e.office_id";

/// What a roster search asks for; `office_id` is the caller's scope, set by the handler, never by the client.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub office_id: Option<String>,
    pub text: Option<String>,
    pub kind: Option<EnterpriseKind>,
    pub status: Option<OperatingStatus>,
    pub updated_since: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

impl Filter {
    /// The WHERE clause with `$n` placeholders, and the values in their order.
    fn where_clause(&self) -> (String, Vec<String>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        let mut push = |clause: &dyn Fn(usize) -> String, value: String| {
            values.push(value);
            clauses.push(clause(values.len()));
        };
        if let Some(office_id) = &self.office_id {
            push(&|n| format!("e.office_id = ${n}"), office_id.clone());
        }
        if let Some(text) = &self.text {
            let pattern = like_pattern(text);
            push(
                &|n| {
                    format!("(LOWER(e.name) LIKE ${n} ESCAPE '\\' OR e.credit_code LIKE UPPER(${n}) ESCAPE '\\')")
                },
                pattern.to_lowercase(),
            );
        }
        if let Some(kind) = self.kind {
            push(&|n| format!("e.kind = ${n}"), kind.as_str().to_string());
        }
        if let Some(status) = self.status {
            push(&|n| format!("e.status = ${n}"), status.as_str().to_string());
        }
        if let Some(since) = &self.updated_since {
            push(&|n| format!("e.updated_at >= ${n}"), since.clone());
        }
        if clauses.is_empty() {
            (String::new(), values)
        } else {
            (format!(" WHERE {}", clauses.join(" AND ")), values)
        }
    }
}

/// `%text%` with LIKE's own wildcards escaped, so a search for "50%" means those characters.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Up to `limit` enterprises changed after the keyset position `(updated_at, id)`, in that order,
/// of one office (all offices when `None`): a sync pull pages through them without gaps or repeats.
pub async fn changed_after(
    db: &Db,
    office_id: Option<&str>,
    updated_at: &str,
    id: &str,
    limit: i64,
) -> Result<Vec<EnterpriseRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT_ENTERPRISE} WHERE ($1 IS NULL OR e.office_id = $1) \
         AND (e.updated_at > $2 OR (e.updated_at = $2 AND e.id > $3)) \
         ORDER BY e.updated_at, e.id LIMIT $4"
    );
    sqlx::query_as(&sql)
        .bind(office_id)
        .bind(updated_at)
        .bind(id)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// A row of a search page with the number of all matches, counted in the same scan.
#[derive(FromRow)]
struct CountedRow {
    #[sqlx(flatten)]
    row: EnterpriseRow,
    total_count: i64,
}

/// One page of matches and the number of all matches.
pub async fn search(db: &Db, filter: &Filter) -> Result<(Vec<EnterpriseRow>, i64), sqlx::Error> {
    let (where_clause, values) = filter.where_clause();
    let order = if filter.updated_since.is_some() {
        "e.updated_at, e.id"
    } else {
        "e.name, e.id"
    };
    let sql = format!(
        "SELECT e.*, COUNT(*) OVER () AS total_count FROM ({SELECT_ENTERPRISE}{where_clause}) AS e \
         ORDER BY {order} LIMIT {} OFFSET {}",
        filter.limit, filter.offset
    );
    let mut page = sqlx::query_as::<_, CountedRow>(&sql);
    for value in &values {
        page = page.bind(value);
    }
    let rows = page.fetch_all(db).await?;
    let total = match rows.first() {
        Some(first) => first.total_count,
        // A page past the end has no row to carry the count.
        None if filter.offset > 0 => count(db, &where_clause, &values).await?,
        None => 0,
    };
    Ok((rows.into_iter().map(|counted| counted.row).collect(), total))
}

async fn count(db: &Db, where_clause: &str, values: &[String]) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) FROM enterprises e{where_clause}");
    let mut count = sqlx::query_scalar::<_, i64>(&sql);
    for value in values {
        count = count.bind(value);
    }
    count.fetch_one(db).await
}

pub async fn find(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<EnterpriseRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT_ENTERPRISE} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The enterprise holding a credit code (which identifies it across imports), with its office.
pub async fn find_by_credit_code(
    conn: &mut AnyConnection,
    credit_code: &str,
) -> Result<Option<EnterpriseRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT_ENTERPRISE} WHERE e.credit_code = $1"))
        .bind(credit_code)
        .fetch_optional(conn)
        .await
}

/// Adds a validated enterprise; a credit code already on the roster fails with a unique violation.
pub async fn insert(
    conn: &mut AnyConnection,
    office_id: &str,
    input: &EnterpriseInput,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let at = now();
    bind_fields(
        query_with_coordinates(
            "INSERT INTO enterprises (office_id, name, credit_code, address, kind, licence_no, \
             licence_scope, licence_expiry, status, latitude, longitude, notes, id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
        ),
        office_id,
        input,
    )
    .bind(&id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Replaces every field of an enterprise; false when it does not exist.
pub async fn update(
    conn: &mut AnyConnection,
    id: &str,
    office_id: &str,
    input: &EnterpriseInput,
) -> Result<bool, sqlx::Error> {
    let result = bind_fields(
        query_with_coordinates(
            "UPDATE enterprises SET office_id = $1, name = $2, credit_code = $3, address = $4, kind = $5, \
             licence_no = $6, licence_scope = $7, licence_expiry = $8, status = $9, latitude = $10, \
             longitude = $11, notes = $12, updated_at = $14 WHERE id = $13",
        ),
        office_id,
        input,
    )
    .bind(id)
    .bind(now())
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Binds $1..$12 in the order both INSERT and UPDATE name them.
fn bind_fields<'q>(query: Query<'q>, office_id: &str, input: &EnterpriseInput) -> Query<'q> {
    query
        .bind(office_id.to_string())
        .bind(input.name.clone())
        .bind(input.credit_code.clone())
        .bind(input.address.clone())
        .bind(input.kind.as_str())
        .bind(input.licence_no.clone())
        .bind(input.licence_scope.clone())
        .bind(
            input
                .licence_expiry
                .map(|date| date.format("%Y-%m-%d").to_string()),
        )
        .bind(input.status.as_str())
        .bind(input.location.map(|location| location.lat))
        .bind(input.location.map(|location| location.lng))
        .bind(input.notes.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn filter_numbers_its_placeholders_in_order() {
        let filter = Filter {
            office_id: Some("o".into()),
            text: Some("Steel".into()),
            status: Some(OperatingStatus::Suspended),
            ..Filter::default()
        };
        let (clause, values) = filter.where_clause();
        assert!(clause.contains("e.office_id = $1"), "{clause}");
        assert!(clause.contains("LIKE $2"), "{clause}");
        assert!(clause.contains("e.status = $3"), "{clause}");
        assert_eq!(values, ["o", "%steel%", "suspended"]);
    }
}
