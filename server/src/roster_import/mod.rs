//! Roster import from CSV or XLSX: every row is checked first; a file with any bad row imports
//! nothing and reports every bad row; a good file creates or updates (by credit code) all rows in
//! the caller's transaction. The web upload and the command line both come through here.

mod parse;

use std::collections::HashMap;

use app::model::{EnterpriseInput, ImportReport, Violation};
use sqlx::AnyConnection;

use crate::db::offices::OfficeRow;
use crate::db::{audit, enterprises};
use crate::error::{AppError, RowViolation};

pub use parse::parse;

/// One data row of the file and its number as a spreadsheet shows it (the header is row 1).
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub row: usize,
    pub input: EnterpriseInput,
}

/// Creates or updates every row for `office`. A row naming another office, or a credit code the
/// roster holds for another office, or one repeated in the file, fails the whole import.
pub async fn apply(
    conn: &mut AnyConnection,
    office: &OfficeRow,
    rows: Vec<ImportRow>,
    actor: &str,
) -> Result<ImportReport, AppError> {
    let mut problems = Vec::new();
    let mut first_row_of_code: HashMap<String, usize> = HashMap::new();
    let mut existing_ids = Vec::with_capacity(rows.len());
    for ImportRow { row, input } in &rows {
        let flag = |violation: Violation| RowViolation {
            row: Some(*row),
            violation,
        };
        if let Some(named) = input
            .office_code
            .as_deref()
            .filter(|code| *code != office.code)
        {
            problems.push(flag(
                Violation::new("office_code", "import.other_office_row")
                    .with("named", named)
                    .with("office", &office.code),
            ));
        }
        if let Some(first) = first_row_of_code.insert(input.credit_code.clone(), *row) {
            problems.push(flag(
                Violation::new("credit_code", "import.repeated_code").with("first", first),
            ));
        }
        let holder = enterprises::find_by_credit_code(conn, &input.credit_code).await?;
        if let Some(holder) = holder
            .as_ref()
            .filter(|holder| holder.office_id != office.id)
        {
            problems.push(flag(
                Violation::new("credit_code", "import.code_in_other_office")
                    .with("office", &holder.office_name),
            ));
        }
        existing_ids.push(holder.map(|holder| holder.id));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }

    let mut report = ImportReport {
        created: 0,
        updated: 0,
    };
    for (ImportRow { input, .. }, existing) in rows.iter().zip(existing_ids) {
        match existing {
            Some(id) => {
                enterprises::update(conn, &id, &office.id, input).await?;
                report.updated += 1;
            }
            None => {
                enterprises::insert(conn, &office.id, input).await?;
                report.created += 1;
            }
        }
    }
    let detail = format!("{} created, {} updated", report.created, report.updated);
    audit::record(conn, Some(actor), "roster.import", &office.code, &detail).await?;
    Ok(report)
}
