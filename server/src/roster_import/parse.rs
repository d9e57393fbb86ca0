//! Reading a roster file into checked rows: CSV (UTF-8 with or without BOM, or GB18030 as Chinese
//! Excel writes it) and XLSX. Headers may be Chinese or English, in any order.

use std::io::Cursor;

use app::i18n::names;
use app::model::{EnterpriseInput, EnterpriseKind, OperatingStatus, Violation};
use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use super::ImportRow;
use crate::error::RowViolation;

/// More rows than any district roster; beyond it the file is surely not a roster.
pub const MAX_ROWS: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    CreditCode,
    Address,
    Kind,
    LicenceNo,
    LicenceScope,
    LicenceExpiry,
    Status,
    Office,
    Notes,
}

impl Column {
    const ALL: [Column; 10] = [
        Column::Name,
        Column::CreditCode,
        Column::Address,
        Column::Kind,
        Column::LicenceNo,
        Column::LicenceScope,
        Column::LicenceExpiry,
        Column::Status,
        Column::Office,
        Column::Notes,
    ];
    const REQUIRED: [Column; 3] = [Column::Name, Column::CreditCode, Column::Kind];

    /// The English header, which is also the field name in error reports.
    fn code(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::CreditCode => "credit_code",
            Column::Address => "address",
            Column::Kind => "kind",
            Column::LicenceNo => "licence_no",
            Column::LicenceScope => "licence_scope",
            Column::LicenceExpiry => "licence_expiry",
            Column::Status => "status",
            Column::Office => "office_code",
            Column::Notes => "notes",
        }
    }

    fn label_key(self) -> &'static str {
        match self {
            Column::Name => "column.name",
            Column::CreditCode => "column.credit_code",
            Column::Address => "column.address",
            Column::Kind => "column.kind",
            Column::LicenceNo => "column.licence_no",
            Column::LicenceScope => "column.licence_scope",
            Column::LicenceExpiry => "column.licence_expiry",
            Column::Status => "column.status",
            Column::Office => "column.office_code",
            Column::Notes => "column.notes",
        }
    }

    fn from_header(header: &str) -> Option<Column> {
        Column::ALL
            .into_iter()
            .find(|column| names(header, column.label_key(), column.code()))
    }
}

/// Every data row as an enterprise input, or every problem found, each with its row number.
pub fn parse(bytes: &[u8]) -> Result<Vec<ImportRow>, Vec<RowViolation>> {
    let table = read_table(bytes).map_err(|violation| vec![file_problem(violation)])?;
    let mut lines = table.into_iter().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(vec![file_problem(Violation::new("file", "import.empty"))]);
    };
    let columns: Vec<Option<Column>> = header
        .iter()
        .map(|cell| Column::from_header(cell))
        .collect();
    let missing: Vec<_> = Column::REQUIRED
        .into_iter()
        .filter(|required| !columns.contains(&Some(*required)))
        .map(Column::code)
        .collect();
    if !missing.is_empty() {
        return Err(vec![file_problem(
            Violation::new("file", "import.missing_columns").with("columns", missing.join(", ")),
        )]);
    }

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for (index, cells) in lines {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let row = index + 1;
        if rows.len() + problems.len() >= MAX_ROWS {
            return Err(vec![file_problem(
                Violation::new("file", "import.too_many_rows").with("max", MAX_ROWS),
            )]);
        }
        match read_row(&columns, &cells) {
            Ok(input) => rows.push(ImportRow { row, input }),
            Err(violations) => {
                problems.extend(violations.into_iter().map(|violation| RowViolation {
                    row: Some(row),
                    violation,
                }))
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rows.is_empty() {
        return Err(vec![file_problem(Violation::new("file", "import.no_rows"))]);
    }
    Ok(rows)
}

fn file_problem(violation: Violation) -> RowViolation {
    RowViolation {
        row: None,
        violation,
    }
}

/// One row's cells, by column, into a validated input; all of the row's problems at once.
fn read_row(
    columns: &[Option<Column>],
    cells: &[String],
) -> Result<EnterpriseInput, Vec<Violation>> {
    let cell = |wanted: Column| -> String {
        columns
            .iter()
            .position(|column| *column == Some(wanted))
            .and_then(|index| cells.get(index))
            .map(|text| text.trim().to_string())
            .unwrap_or_default()
    };
    let optional = |wanted: Column| Some(cell(wanted)).filter(|text| !text.is_empty());
    let mut problems = Vec::new();

    let kind_text = cell(Column::Kind);
    let kind = EnterpriseKind::ALL
        .into_iter()
        .find(|kind| names(&kind_text, kind.label_key(), kind.as_str()));
    if kind.is_none() {
        let key = if kind_text.is_empty() {
            "validation.required"
        } else {
            "import.unknown_kind"
        };
        problems.push(Violation::new("kind", key).with("value", &kind_text));
    }
    let status_text = cell(Column::Status);
    let status = if status_text.is_empty() {
        Some(OperatingStatus::Operating)
    } else {
        OperatingStatus::ALL
            .into_iter()
            .find(|status| names(&status_text, status.label_key(), status.as_str()))
    };
    if status.is_none() {
        problems
            .push(Violation::new("status", "import.unknown_status").with("value", &status_text));
    }
    let expiry_text = cell(Column::LicenceExpiry);
    let licence_expiry = parse_date(&expiry_text);
    if !expiry_text.is_empty() && licence_expiry.is_none() {
        problems
            .push(Violation::new("licence_expiry", "import.bad_date").with("value", &expiry_text));
    }

    let input = EnterpriseInput {
        office_code: optional(Column::Office),
        name: cell(Column::Name),
        credit_code: cell(Column::CreditCode),
        address: cell(Column::Address),
        kind: kind.unwrap_or(EnterpriseKind::Seller),
        licence_no: optional(Column::LicenceNo),
        licence_scope: optional(Column::LicenceScope),
        licence_expiry,
        status: status.unwrap_or(OperatingStatus::Operating),
        location: None,
        notes: cell(Column::Notes),
    };
    match input.validated() {
        Ok(input) if problems.is_empty() => Ok(input),
        Ok(_) => Err(problems),
        Err(mut violations) => {
            problems.append(&mut violations);
            Err(problems)
        }
    }
}

/// Dates as clerks type them: 2026-12-31, 2026/12/31, 2026.12.31, 20261231 or 2026年12月31日.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.len() == 8 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        return NaiveDate::parse_from_str(text, "%Y%m%d").ok();
    }
    let parts: Vec<&str> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .collect();
    let separators_ok = text
        .chars()
        .all(|c| c.is_ascii_digit() || "-/.年月日 ".contains(c));
    match (separators_ok, parts.as_slice()) {
        (true, [year, month, day]) if year.len() == 4 => {
            NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
        }
        _ => None,
    }
}

/// The file as rows of text cells.
fn read_table(bytes: &[u8]) -> Result<Vec<Vec<String>>, Violation> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0";
    if bytes.is_empty() {
        Err(Violation::new("file", "import.empty"))
    } else if bytes.starts_with(ZIP) {
        read_xlsx(bytes)
    } else if bytes.starts_with(OLE) {
        Err(Violation::new("file", "import.old_excel"))
    } else {
        read_csv(&decode_text(bytes)?)
    }
}

/// UTF-8 (a BOM is dropped); anything else is read as GB18030, a superset of GBK and GB2312.
fn decode_text(bytes: &[u8]) -> Result<String, Violation> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
    if had_errors {
        Err(Violation::new("file", "import.encoding"))
    } else {
        Ok(text.into_owned())
    }
}

fn read_csv(text: &str) -> Result<Vec<Vec<String>>, Violation> {
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches('\t').count() > first_line.matches(',').count() {
        b'\t'
    } else {
        b','
    };
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes())
        .records()
        .map(|record| {
            record
                .map(|record| record.iter().map(str::to_string).collect())
                .map_err(|error| {
                    let line = error.position().map_or(0, |position| position.line());
                    Violation::new("file", "import.bad_csv").with("line", line)
                })
        })
        .collect()
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, Violation> {
    let unreadable = |_| Violation::new("file", "import.bad_xlsx");
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| Violation::new("file", "import.empty"))?
        .map_err(unreadable)?;
    Ok(sheet
        .rows()
        .map(|row| row.iter().map(cell_text).collect())
        .collect())
}

/// A spreadsheet cell as the text a clerk sees; whole numbers without ".0", dates as YYYY-MM-DD.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(text) | Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) if number.fract() == 0.0 && number.abs() < 1e15 => {
            format!("{}", *number as i64)
        }
        Data::Float(number) => number.to_string(),
        Data::Bool(value) => value.to_string(),
        Data::DateTime(date) => date
            .as_datetime()
            .map(|at| at.date().format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| date.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER_ZH: &str = "企业名称,统一社会信用代码,地址,类型,许可证编号,许可范围,有效期至,状态";
    const VALID_CODE: &str = "914403001922038216";
    const OTHER_VALID_CODE: &str = "91110108795101314G";

    fn csv(rows: &[&str]) -> Vec<u8> {
        let mut text = String::from(HEADER_ZH);
        for row in rows {
            text.push('\n');
            text.push_str(row);
        }
        text.into_bytes()
    }

    #[test]
    fn reads_chinese_headers_and_labels() {
        let file = csv(&[&format!(
            "示例钢铁,{VALID_CODE},下陆区1号,炼钢,(鄂)XK05-001-00001,热轧带肋钢筋,2027/6/30,停产"
        )]);
        let rows = parse(&file).expect("valid file");
        assert_eq!(rows.len(), 1);
        let input = &rows[0].input;
        assert_eq!(rows[0].row, 2);
        assert_eq!(input.kind, EnterpriseKind::SteelMaking);
        assert_eq!(input.status, OperatingStatus::Suspended);
        assert_eq!(input.licence_expiry, NaiveDate::from_ymd_opt(2027, 6, 30));
    }

    #[test]
    fn reads_english_headers_in_any_order_with_bom() {
        let text = format!("\u{feff}kind,credit_code,name\nseller,{VALID_CODE},Shop\n");
        let rows = parse(text.as_bytes()).expect("valid file");
        assert_eq!(rows[0].input.kind, EnterpriseKind::Seller);
        assert_eq!(rows[0].input.status, OperatingStatus::Operating);
        assert_eq!(rows[0].input.name, "Shop");
    }

    #[test]
    fn reads_gb18030_as_chinese_excel_writes_it() {
        let text = String::from_utf8(csv(&[&format!("示例商户,{VALID_CODE},,销售商户,,,,在产")]))
            .expect("utf-8 source");
        let (encoded, _, _) = encoding_rs::GB18030.encode(&text);
        assert!(
            std::str::from_utf8(&encoded).is_err(),
            "the test file must not be UTF-8"
        );
        let rows = parse(&encoded).expect("valid file");
        assert_eq!(rows[0].input.name, "示例商户");
    }

    #[test]
    fn reports_every_bad_row_with_its_number() {
        let file = csv(&[
            &format!("好企业,{VALID_CODE},,炼钢,,,,"),
            "坏代码,91420204MA4AMUC520,,炼钢,,,,",
            &format!("好企业二,{OTHER_VALID_CODE},,轧钢,,,,"),
            &format!(",{OTHER_VALID_CODE},,火箭,,,明年,"),
        ]);
        let problems = parse(&file).expect_err("bad rows");
        let found: Vec<_> = problems
            .iter()
            .map(|p| (p.row, p.violation.field, p.violation.key))
            .collect();
        assert_eq!(
            found,
            [
                (Some(3), "credit_code", "credit_code.check_character"),
                (Some(5), "kind", "import.unknown_kind"),
                (Some(5), "licence_expiry", "import.bad_date"),
                (Some(5), "name", "validation.required"),
            ]
        );
    }

    #[test]
    fn refuses_files_without_the_required_columns() {
        let problems = parse("名称,地址\nA,B\n".as_bytes()).expect_err("missing columns");
        assert_eq!(problems[0].violation.key, "import.missing_columns");
        assert_eq!(problems[0].row, None);
    }

    #[test]
    fn refuses_empty_unreadable_and_old_excel_files() {
        let key = |bytes: &[u8]| parse(bytes).expect_err("refused")[0].violation.key;
        assert_eq!(key(b""), "import.empty");
        assert_eq!(key(HEADER_ZH.as_bytes()), "import.no_rows");
        assert_eq!(key(b"\xD0\xCF\x11\xE0rest"), "import.old_excel");
        assert_eq!(key(b"PK\x03\x04not really a zip"), "import.bad_xlsx");
        assert_eq!(key(b"\xff\xfe\xfd\x80\x80"), "import.encoding");
    }

    #[test]
    fn dates_in_the_forms_clerks_type() {
        let expected = NaiveDate::from_ymd_opt(2026, 12, 31);
        for text in [
            "2026-12-31",
            "2026/12/31",
            "2026.12.31",
            "20261231",
            "2026年12月31日",
        ] {
            assert_eq!(parse_date(text), expected, "{text}");
        }
        for text in ["31/12/2026", "2026-13-01", "soon", "2026-12"] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }
}
