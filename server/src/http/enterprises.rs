//! `/enterprises`: the roster. Inspectors read their office's; heads also write it; the task force
//! reads and writes every office's. Another office's enterprise is "not found" to those outside it.

use app::model::{
    Enterprise, EnterpriseInput, EnterpriseKind, EnterprisePage, ImportReport, OperatingStatus,
};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::{ApiJson, ApiQuery, AppState};
use crate::auth::CurrentUser;
use crate::db::offices::{self, OfficeRow};
use crate::db::{audit, begin_write, enterprises, is_unique_violation, timestamp};
use crate::error::{AppError, AppResult};
use crate::roster_import;

/// Roster files are larger than JSON bodies: a few thousand rows of XLSX.
pub const IMPORT_BODY_LIMIT: usize = 10 * 1024 * 1024;
const DEFAULT_PER_PAGE: i64 = 50;
const MAX_PER_PAGE: i64 = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/enterprises",
            get(list_enterprises).post(create_enterprise),
        )
        .route(
            "/enterprises/import",
            post(import_roster).layer(DefaultBodyLimit::max(IMPORT_BODY_LIMIT)),
        )
        .route(
            "/enterprises/{id}",
            get(get_enterprise).put(update_enterprise),
        )
}

/// Every parameter is text here, so a bad value gets a message naming that parameter.
#[derive(Debug, Default, Deserialize)]
struct ListQuery {
    q: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    updated_since: Option<String>,
    page: Option<String>,
    per_page: Option<String>,
}

async fn list_enterprises(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> AppResult<ApiJson<EnterprisePage>> {
    let page = parse_number(query.page.as_deref(), "page", 1, i64::MAX)?.unwrap_or(1);
    let per_page = parse_number(query.per_page.as_deref(), "per_page", 1, MAX_PER_PAGE)?
        .unwrap_or(DEFAULT_PER_PAGE);
    let filter = enterprises::Filter {
        office_id: user.office_scope().map(str::to_string),
        text: non_blank(query.q),
        kind: parse_choice(query.kind, "kind", EnterpriseKind::parse)?,
        status: parse_choice(query.status, "status", OperatingStatus::parse)?,
        updated_since: non_blank(query.updated_since)
            .map(|since| parse_since(&since))
            .transpose()?,
        limit: per_page,
        offset: (page - 1).saturating_mul(per_page),
    };
    let (rows, total) = enterprises::search(&state.db, &filter).await?;
    let items = rows
        .into_iter()
        .map(Enterprise::try_from)
        .collect::<Result<_, _>>()?;
    Ok(ApiJson(EnterprisePage {
        items,
        total,
        page,
        per_page,
    }))
}

async fn get_enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<ApiJson<Enterprise>> {
    let mut conn = state.db.acquire().await?;
    let row = find_visible(&mut conn, &user, &id).await?;
    Ok(ApiJson(Enterprise::try_from(row)?))
}

async fn create_enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> AppResult<(StatusCode, ApiJson<Enterprise>)> {
    require_roster_editor(&user)?;
    let input = input.validated().map_err(AppError::invalid)?;
    let mut tx = begin_write(&state.db).await?;
    let office = target_office(&mut tx, &user, input.office_code.as_deref()).await?;
    let id = enterprises::insert(&mut tx, &office.id, &input)
        .await
        .map_err(|error| duplicate_credit_code(error, &input.credit_code))?;
    audit::record(
        &mut tx,
        Some(&user.user.username),
        "enterprise.create",
        &id,
        &input.name,
    )
    .await?;
    let row = find_visible(&mut tx, &user, &id).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, ApiJson(Enterprise::try_from(row)?)))
}

async fn update_enterprise(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> AppResult<ApiJson<Enterprise>> {
    require_roster_editor(&user)?;
    let input = input.validated().map_err(AppError::invalid)?;
    let mut tx = begin_write(&state.db).await?;
    let existing = find_visible(&mut tx, &user, &id).await?;
    let office_code = input
        .office_code
        .as_deref()
        .unwrap_or(&existing.office_code);
    let office = target_office(&mut tx, &user, Some(office_code)).await?;
    enterprises::update(&mut tx, &existing.id, &office.id, &input)
        .await
        .map_err(|error| duplicate_credit_code(error, &input.credit_code))?;
    audit::record(
        &mut tx,
        Some(&user.user.username),
        "enterprise.update",
        &existing.id,
        &input.name,
    )
    .await?;
    let row = find_visible(&mut tx, &user, &existing.id).await?;
    tx.commit().await?;
    Ok(ApiJson(Enterprise::try_from(row)?))
}

#[derive(Debug, Deserialize)]
struct ImportQuery {
    office: Option<String>,
}

/// The body is the file itself (CSV or XLSX); all rows land in one transaction or none do.
async fn import_roster(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ImportQuery>,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<ApiJson<ImportReport>> {
    require_roster_editor(&user)?;
    let body = body?;
    refuse_form_content_type(&headers)?;
    let rows = roster_import::parse(&body).map_err(AppError::Invalid)?;
    let mut tx = begin_write(&state.db).await?;
    let office = target_office(&mut tx, &user, non_blank(query.office).as_deref()).await?;
    let report = roster_import::apply(&mut tx, &office, rows, &user.user.username).await?;
    tx.commit().await?;
    Ok(ApiJson(report))
}

/// Forms of other sites can post only these types without asking first; a roster file never is one.
fn refuse_form_content_type(headers: &HeaderMap) -> AppResult<()> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let form_types = [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "text/plain",
    ];
    if form_types.iter().any(|form| content_type.starts_with(form)) {
        return Err(AppError::bad_request("import.content_type"));
    }
    Ok(())
}

fn require_roster_editor(user: &CurrentUser) -> AppResult<()> {
    if user.role().can_edit_roster() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The enterprise if the user may see it; another office's is reported as not found.
async fn find_visible(
    conn: &mut sqlx::AnyConnection,
    user: &CurrentUser,
    id: &str,
) -> AppResult<enterprises::EnterpriseRow> {
    let row = match Uuid::parse_str(id) {
        Ok(_) => enterprises::find(conn, id).await?,
        Err(_) => None,
    };
    match (row, user.office_scope()) {
        (Some(row), Some(own)) if own != row.office_id => {
            Err(AppError::NotFound("what.enterprise"))
        }
        (Some(row), _) => Ok(row),
        (None, _) => Err(AppError::NotFound("what.enterprise")),
    }
}

/// The office a write goes to: heads write only their own (named or not); the task force must name one.
pub async fn target_office(
    conn: &mut sqlx::AnyConnection,
    user: &CurrentUser,
    requested_code: Option<&str>,
) -> AppResult<OfficeRow> {
    let code = match (user.user.office_code.as_deref(), requested_code) {
        (Some(own), None) => own,
        (_, Some(code)) => code,
        (None, None) => {
            return Err(AppError::invalid(vec![app::model::Violation::new(
                "office_code",
                "validation.office_required",
            )]))
        }
    };
    let office = offices::find_by_code(conn, code).await?.ok_or_else(|| {
        AppError::invalid(vec![app::model::Violation::new(
            "office_code",
            "validation.unknown_office",
        )
        .with("code", code)])
    })?;
    match user.office_scope() {
        Some(own) if own != office.id => Err(AppError::Forbidden),
        _ => Ok(office),
    }
}

fn duplicate_credit_code(error: sqlx::Error, credit_code: &str) -> AppError {
    if is_unique_violation(&error) {
        AppError::Conflict {
            key: "enterprise.duplicate_credit_code",
            params: vec![("code", credit_code.to_string())],
        }
    } else {
        error.into()
    }
}

fn non_blank(text: Option<String>) -> Option<String> {
    text.map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
}

fn parse_number(
    text: Option<&str>,
    name: &'static str,
    min: i64,
    max: i64,
) -> AppResult<Option<i64>> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    match text.parse::<i64>() {
        Ok(number) if (min..=max).contains(&number) => Ok(Some(number)),
        _ => Err(AppError::BadRequest {
            key: "query.number",
            params: vec![
                ("name", name.to_string()),
                ("min", min.to_string()),
                ("max", max.to_string()),
            ],
        }),
    }
}

fn parse_choice<T>(
    text: Option<String>,
    name: &'static str,
    parse: fn(&str) -> Option<T>,
) -> AppResult<Option<T>> {
    let Some(text) = non_blank(text) else {
        return Ok(None);
    };
    parse(&text).map(Some).ok_or_else(|| AppError::BadRequest {
        key: "query.choice",
        params: vec![("name", name.to_string()), ("value", text)],
    })
}

/// An RFC 3339 time, normalised to the stored form so text comparison is time comparison.
fn parse_since(text: &str) -> AppResult<String> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| timestamp(at.with_timezone(&Utc)))
        .map_err(|_| AppError::BadRequest {
            key: "query.timestamp",
            params: vec![
                ("name", "updated_since".to_string()),
                ("value", text.to_string()),
            ],
        })
}
