//! Inspections as the phones sent them: the header, its inspectors, answers, findings with their
//! measures, photo links, and the site state each one observed. A newer revision replaces all of
//! an inspection's rows in the caller's transaction.

use app::model::inspection::{Answer, Inspection, Measure, Severity};
use app::model::sync::ReviewStatus;
use chrono::NaiveDate;
use sqlx::{AnyConnection, FromRow};

use super::{new_id, now, query_with_coordinates, timestamp, Db};

/// What the server keeps about an inspection besides its rows.
#[derive(Debug, Clone, FromRow)]
pub struct InspectionRow {
    pub id: String,
    pub revision: i64,
    pub office_id: String,
    pub enterprise_id: String,
    pub status: String,
    pub review_comment: Option<String>,
    pub reviewed_at: Option<String>,
    pub received_at: String,
    pub document: String,
}

impl InspectionRow {
    /// The stored status; the schema's CHECK admits only the known names.
    pub fn status(&self) -> ReviewStatus {
        ReviewStatus::parse(&self.status).unwrap_or(ReviewStatus::Received)
    }
}

const SELECT_INSPECTION: &str = "SELECT id, revision, office_id, enterprise_id, status, \
     review_comment, reviewed_at, received_at, document FROM inspections";

pub async fn find(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<InspectionRow>, sqlx::Error> {
    sqlx::query_as(&format!("{SELECT_INSPECTION} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Who stored it, from where, and the inspection's office and enterprise.
pub struct Origin<'a> {
    pub office_id: &'a str,
    pub submitted_by: &'a str,
    pub device_id: &'a str,
}

/// Stores a first revision; a second writer of the same id fails with a unique violation.
pub async fn insert(
    conn: &mut AnyConnection,
    inspection: &Inspection,
    origin: &Origin<'_>,
) -> Result<(), sqlx::Error> {
    with_header(
        "INSERT INTO inspections (id, revision, device_id, office_id, enterprise_id, submitted_by, \
         checklist_version, started_at, finished_at, site_state, representative_name, \
         representative_role, signature_sha256, signature_refused_reason, status, document, \
         received_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'received', $15, $16, $16)",
        inspection,
        origin,
    )
    .execute(&mut *conn)
    .await?;
    insert_rows(conn, inspection).await
}

/// Replaces a stored inspection with a newer revision; a returned one goes back to review.
pub async fn replace(
    conn: &mut AnyConnection,
    inspection: &Inspection,
    origin: &Origin<'_>,
) -> Result<(), sqlx::Error> {
    with_header(
        "UPDATE inspections SET revision = $2, device_id = $3, office_id = $4, enterprise_id = $5, \
         submitted_by = $6, checklist_version = $7, started_at = $8, finished_at = $9, \
         site_state = $10, representative_name = $11, representative_role = $12, \
         signature_sha256 = $13, signature_refused_reason = $14, status = 'received', \
         document = $15, updated_at = $16 WHERE id = $1",
        inspection,
        origin,
    )
    .execute(&mut *conn)
    .await?;
    let id = inspection.id.to_string();
    for table in [
        "inspection_inspectors",
        "inspection_answers",
        "finding_measures",
        "findings",
        "inspection_photos",
        "enterprise_status_history",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE inspection_id = $1"))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
    }
    insert_rows(conn, inspection).await
}

/// A statement over the header's columns, `$1` to `$16` in the order of [`insert`].
fn with_header<'q>(
    sql: &'q str,
    inspection: &'q Inspection,
    origin: &Origin<'q>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    sqlx::query(sql)
        .bind(inspection.id.to_string())
        .bind(i64::from(inspection.revision))
        .bind(origin.device_id)
        .bind(origin.office_id)
        .bind(inspection.enterprise.id.to_string())
        .bind(origin.submitted_by)
        .bind(&inspection.checklist_version)
        .bind(timestamp(inspection.started_at))
        .bind(inspection.finished_at.map(timestamp))
        .bind(inspection.site_state.as_str())
        .bind(&inspection.representative.name)
        .bind(&inspection.representative.role)
        .bind(inspection.signature.as_deref())
        .bind(&inspection.signature_refused_reason)
        .bind(document(inspection))
        .bind(now())
}

/// The document as stored: what the phone sent, minus its own bookkeeping.
fn document(inspection: &Inspection) -> String {
    serde_json::to_string(inspection).unwrap_or_default()
}

async fn insert_rows(conn: &mut AnyConnection, inspection: &Inspection) -> Result<(), sqlx::Error> {
    let id = inspection.id.to_string();
    for (position, username) in inspection.inspectors.iter().enumerate() {
        sqlx::query(
            "INSERT INTO inspection_inspectors (inspection_id, user_id, position) \
             SELECT $1, id, $2 FROM users WHERE username = $3 ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(position as i64)
        .bind(username)
        .execute(&mut *conn)
        .await?;
    }
    for (item_code, answer) in &inspection.answers {
        sqlx::query(
            "INSERT INTO inspection_answers (inspection_id, item_code, answer, note) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(item_code)
        .bind(answer.answer.map(answer_name))
        .bind(&answer.note)
        .execute(&mut *conn)
        .await?;
    }
    for (position, finding) in inspection.findings.iter().enumerate() {
        sqlx::query(
            "INSERT INTO findings (inspection_id, position, item_code, description, severity, deadline) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(position as i64)
        .bind(&finding.item_code)
        .bind(&finding.description)
        .bind(severity_name(finding.severity))
        .bind(finding.deadline.map(|date| date.to_string()))
        .execute(&mut *conn)
        .await?;
        let mut measures = finding.measures.clone();
        measures.dedup();
        for measure in measures {
            sqlx::query(
                "INSERT INTO finding_measures (inspection_id, position, measure) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(&id)
            .bind(position as i64)
            .bind(measure_name(measure))
            .execute(&mut *conn)
            .await?;
        }
    }
    for photo in &inspection.photos {
        query_with_coordinates(
            "INSERT INTO inspection_photos (inspection_id, sha256, item_code, taken_at, width, \
             height, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&id)
        .bind(&photo.sha256)
        .bind(&photo.item_code)
        .bind(timestamp(photo.taken_at))
        .bind(i64::from(photo.width))
        .bind(i64::from(photo.height))
        .bind(photo.location.map(|at| at.lat))
        .bind(photo.location.map(|at| at.lng))
        .execute(&mut *conn)
        .await?;
    }
    record_site_state(conn, inspection).await
}

/// Adds the site state this inspection observed to the enterprise's history, and makes it the
/// roster's status unless a later inspection has already observed the site since.
async fn record_site_state(
    conn: &mut AnyConnection,
    inspection: &Inspection,
) -> Result<(), sqlx::Error> {
    let enterprise_id = inspection.enterprise.id.to_string();
    let observed_at = timestamp(inspection.finished_at.unwrap_or(inspection.started_at));
    let later: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM enterprise_status_history WHERE enterprise_id = $1 AND observed_at > $2",
    )
    .bind(&enterprise_id)
    .bind(&observed_at)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO enterprise_status_history (id, enterprise_id, status, observed_at, \
         inspection_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new_id())
    .bind(&enterprise_id)
    .bind(inspection.site_state.as_str())
    .bind(&observed_at)
    .bind(inspection.id.to_string())
    .bind(now())
    .execute(&mut *conn)
    .await?;
    if later == 0 {
        sqlx::query(
            "UPDATE enterprises SET status = $2, updated_at = $3 WHERE id = $1 AND status <> $2",
        )
        .bind(&enterprise_id)
        .bind(inspection.site_state.as_str())
        .bind(now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// An office's decision on an inspection.
pub async fn review(
    conn: &mut AnyConnection,
    id: &str,
    status: ReviewStatus,
    comment: &str,
    reviewer_id: &str,
) -> Result<(), sqlx::Error> {
    let at = now();
    sqlx::query(
        "UPDATE inspections SET status = $2, review_comment = $3, reviewed_by = $4, \
         reviewed_at = $5, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(comment)
    .bind(reviewer_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The inspections `user_id` took part in that changed since `since` (all when `None`).
pub async fn changed_for_inspector(
    db: &Db,
    user_id: &str,
    since: Option<&str>,
) -> Result<Vec<InspectionRow>, sqlx::Error> {
    let sql = format!(
        "{SELECT_INSPECTION} WHERE ($2 IS NULL OR updated_at >= $2) AND id IN \
         (SELECT inspection_id FROM inspection_inspectors WHERE user_id = $1) ORDER BY updated_at, id"
    );
    sqlx::query_as(&sql)
        .bind(user_id)
        .bind(since)
        .fetch_all(db)
        .await
}

/// A finding with a date, and where it was found.
#[derive(Debug, Clone, FromRow)]
pub struct DatedFindingRow {
    pub inspection_id: String,
    pub position: i64,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub item_code: String,
    pub deadline: String,
}

/// A dated finding joined with one of its measures (none for a finding without any).
#[derive(FromRow)]
struct MeasuredRow {
    #[sqlx(flatten)]
    finding: DatedFindingRow,
    measure: Option<String>,
}

/// Findings of an office's inspections with a deadline on or after `from`, soonest first, with
/// their measures: one query, its rows grouped per finding.
pub async fn dated_findings(
    db: &Db,
    office_id: &str,
    from: NaiveDate,
) -> Result<Vec<(DatedFindingRow, Vec<Measure>)>, sqlx::Error> {
    let rows: Vec<MeasuredRow> = sqlx::query_as(
        "SELECT f.inspection_id, f.position, e.id AS enterprise_id, \
         e.name AS enterprise_name, f.item_code, f.deadline, m.measure \
         FROM findings f JOIN inspections i ON i.id = f.inspection_id \
         JOIN enterprises e ON e.id = i.enterprise_id \
         LEFT JOIN finding_measures m \
           ON m.inspection_id = f.inspection_id AND m.position = f.position \
         WHERE i.office_id = $1 AND f.deadline IS NOT NULL AND f.deadline >= $2 \
         ORDER BY f.deadline, e.name, f.inspection_id, f.position, m.measure",
    )
    .bind(office_id)
    .bind(from.to_string())
    .fetch_all(db)
    .await?;
    let mut dated: Vec<(DatedFindingRow, Vec<Measure>)> = Vec::new();
    for MeasuredRow { finding, measure } in rows {
        let measure = measure.as_deref().and_then(parse_measure);
        match dated.last_mut() {
            Some((last, measures))
                if last.inspection_id == finding.inspection_id
                    && last.position == finding.position =>
            {
                measures.extend(measure)
            }
            _ => dated.push((finding, measure.into_iter().collect())),
        }
    }
    Ok(dated)
}

fn answer_name(answer: Answer) -> &'static str {
    match answer {
        Answer::Complies => "complies",
        Answer::DoesNotComply => "does_not_comply",
        Answer::NotApplicable => "not_applicable",
    }
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Ordinary => "ordinary",
        Severity::Serious => "serious",
    }
}

/// Measures are stored by the names the API uses for them.
fn measure_name(measure: Measure) -> String {
    serde_json::to_value(measure)
        .ok()
        .and_then(|value| value.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn parse_measure(name: &str) -> Option<Measure> {
    serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
}
