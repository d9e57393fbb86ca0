//! `PUT /inspections/{id}`: an inspection arrives whole, at a revision, and is stored in one
//! transaction. The phone retries until it hears back, so every outcome must be safe to repeat:
//! the same revision again answers the same receipt and changes nothing; an older one is refused.
//! `POST /inspections/{id}/review`: the office accepts an inspection or returns it for correction.

use app::model::checklist::Checklist;
use app::model::inspection::{Inspection, Place};
use app::model::sync::{is_sha256, InspectionPush, PushReceipt, ReviewInput, ReviewStatus};
use app::model::{Role, Violation};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{Duration, FixedOffset, NaiveDate, Utc};
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::inspections::{self, InspectionRow, Origin};
use crate::db::{
    audit, begin_write, enterprises, is_unique_violation, parse_timestamp, photos, users, Tx,
};
use crate::error::{AppError, AppResult};
use crate::http::{ApiJson, AppState};

/// Inspections are dated in China Standard Time, where the campaign runs.
const CAMPAIGN_ZONE: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(zone) => zone,
    None => panic!("UTC+8 is a valid offset"),
};
/// A phone's clock may be off a little; an inspection starting later than this is refused.
const CLOCK_SKEW_ALLOWED: Duration = Duration::hours(24);

pub async fn push_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(push): ApiJson<InspectionPush>,
) -> AppResult<(StatusCode, ApiJson<PushReceipt>)> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::bad_request("sync.bad_inspection_id"))?;
    if push.inspection.id != id {
        return Err(AppError::bad_request("sync.id_mismatch"));
    }
    let office_id = match (user.role(), user.user.office_id.as_deref()) {
        (Role::Inspector | Role::Head, Some(office_id)) => office_id.to_string(),
        _ => return Err(AppError::Forbidden),
    };
    let violations = rule_violations(&push.inspection);
    if !violations.is_empty() {
        return Err(AppError::invalid(violations));
    }
    // A concurrent first push of the same id loses the insert race; the retry sees it stored.
    match store(&state, &user, &office_id, &push).await {
        Err(AppError::Database(error)) if is_unique_violation(&error) => {
            store(&state, &user, &office_id, &push).await
        }
        outcome => outcome,
    }
}

async fn store(
    state: &AppState,
    user: &CurrentUser,
    office_id: &str,
    push: &InspectionPush,
) -> AppResult<(StatusCode, ApiJson<PushReceipt>)> {
    let inspection = &push.inspection;
    let id = inspection.id.to_string();
    let mut tx = begin_write(&state.db).await?;
    let existing = inspections::find(&mut tx, &id).await?;
    if let Some(stored) = &existing {
        if stored.office_id != office_id {
            return Err(AppError::NotFound("what.inspection"));
        }
        if let Some(answer) = repeat_or_refusal(stored, inspection.revision)? {
            return Ok((StatusCode::OK, ApiJson(answer)));
        }
    }
    check_against_office(&mut tx, user, office_id, inspection).await?;
    let evidence: Vec<String> = inspection
        .photos
        .iter()
        .map(|photo| photo.sha256.clone())
        .chain(inspection.signature.clone())
        .collect();
    let missing = photos::missing(&mut tx, &evidence).await?;
    if !missing.is_empty() {
        return Err(AppError::MissingPhotos(missing));
    }
    let origin = Origin {
        office_id,
        submitted_by: &user.user.id,
        device_id: &push.device_id.to_string(),
    };
    let (status, action) = match existing {
        None => {
            inspections::insert(&mut tx, inspection, &origin).await?;
            (StatusCode::CREATED, "inspection.receive")
        }
        Some(_) => {
            inspections::replace(&mut tx, inspection, &origin).await?;
            (StatusCode::OK, "inspection.revise")
        }
    };
    let detail = format!(
        "revision {} from device {}",
        inspection.revision, push.device_id
    );
    audit::record(&mut tx, Some(&user.user.username), action, &id, &detail).await?;
    let stored = inspections::find(&mut tx, &id)
        .await?
        .ok_or_else(|| AppError::Internal("inspection vanished after storing".into()))?;
    tx.commit().await?;
    Ok((status, ApiJson(receipt(&stored)?)))
}

/// `Some(receipt)` when this revision is already stored (a repeat); an error when it may not
/// replace what is stored; `None` when it should be stored.
fn repeat_or_refusal(stored: &InspectionRow, revision: u32) -> AppResult<Option<PushReceipt>> {
    let held = stored.revision;
    let sent = i64::from(revision);
    if sent == held {
        return receipt(stored).map(Some);
    }
    if sent < held {
        return Err(AppError::Conflict {
            key: "sync.revision_older",
            params: vec![("sent", sent.to_string()), ("held", held.to_string())],
        });
    }
    if stored.status() == ReviewStatus::Accepted {
        return Err(AppError::conflict("sync.already_reviewed"));
    }
    Ok(None)
}

fn receipt(row: &InspectionRow) -> AppResult<PushReceipt> {
    Ok(PushReceipt {
        id: Uuid::parse_str(&row.id).map_err(|error| AppError::Internal(error.to_string()))?,
        revision: u32::try_from(row.revision).unwrap_or_default(),
        status: row.status(),
        received_at: parse_timestamp(&row.received_at)?,
    })
}

/// The rules the phone checks before submitting, checked again here (a phone may run an old
/// build, or not be a phone), and those only the data can tell: known checklist, evidence hashes.
fn rule_violations(inspection: &Inspection) -> Vec<Violation> {
    let checklist = Checklist::current();
    let mut violations = Vec::new();
    if inspection.checklist_version != checklist.version {
        violations.push(
            Violation::new("checklist_version", "sync.unknown_checklist")
                .with("version", &inspection.checklist_version),
        );
    }
    if inspection.revision == 0 {
        violations.push(Violation::new("revision", "sync.revision_zero"));
    }
    if inspection.started_at > Utc::now() + CLOCK_SKEW_ALLOWED {
        violations.push(Violation::new("started_at", "sync.started_in_future"));
    }
    let known_item = |code: &str| checklist.items.iter().any(|item| item.code == code);
    for photo in &inspection.photos {
        if !is_sha256(&photo.sha256) {
            violations.push(Violation::new("photos", "sync.bad_sha256"));
        }
        if !known_item(&photo.item_code) {
            violations
                .push(Violation::new("photos", "sync.unknown_item").with("item", &photo.item_code));
        }
    }
    for finding in &inspection.findings {
        if !known_item(&finding.item_code) {
            violations.push(
                Violation::new("findings", "sync.unknown_item").with("item", &finding.item_code),
            );
        }
    }
    if inspection
        .signature
        .as_deref()
        .is_some_and(|sha| !is_sha256(sha))
    {
        violations.push(Violation::new("signature", "sync.bad_sha256"));
    }
    let day_of_inspection = campaign_date(inspection);
    violations.extend(
        inspection
            .problems(checklist, day_of_inspection)
            .into_iter()
            .map(|problem| {
                let violation = Violation::new(field_of(&problem.place), problem.key);
                match problem.place {
                    Place::Item(code) => violation.with("item", code),
                    Place::Finding(index) => violation.with("finding", index + 1),
                    _ => violation,
                }
            }),
    );
    violations
}

/// The day the inspection ended, where it happened: deadlines must fall after it. (Not the day it
/// reaches the server, which may be days later for a phone that was long offline.)
fn campaign_date(inspection: &Inspection) -> NaiveDate {
    inspection
        .finished_at
        .unwrap_or(inspection.started_at)
        .with_timezone(&CAMPAIGN_ZONE)
        .date_naive()
}

fn field_of(place: &Place) -> &'static str {
    match place {
        Place::Item(_) => "answers",
        Place::Finding(_) => "findings",
        Place::Inspectors => "inspectors",
        Place::Representative => "representative",
        Place::Signature => "signature",
        Place::Times => "finished_at",
    }
}

/// What only the server can check: the enterprise is on the caller's office's roster, every
/// inspector is an inspector or head of that office, and the caller is one of them.
async fn check_against_office(
    tx: &mut Tx<'_>,
    user: &CurrentUser,
    office_id: &str,
    inspection: &Inspection,
) -> AppResult<()> {
    let mut violations = Vec::new();
    let enterprise = enterprises::find(tx, &inspection.enterprise.id.to_string()).await?;
    if enterprise.is_none_or(|enterprise| enterprise.office_id != office_id) {
        violations.push(Violation::new(
            "enterprise",
            "sync.enterprise_not_in_office",
        ));
    }
    let colleagues = users::colleagues(tx, Some(office_id)).await?;
    for username in &inspection.inspectors {
        if !colleagues
            .iter()
            .any(|colleague| &colleague.username == username)
        {
            violations.push(
                Violation::new("inspectors", "sync.inspector_not_in_office").with("name", username),
            );
        }
    }
    if !inspection.inspectors.contains(&user.user.username) {
        violations.push(Violation::new("inspectors", "sync.caller_not_inspector"));
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(violations))
    }
}

/// `POST /inspections/{id}/review`: a head of the inspection's office, or the task force, accepts
/// it or returns it to its inspectors with a comment. An accepted inspection no longer changes.
pub async fn review_inspection(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReviewInput>,
) -> AppResult<ApiJson<PushReceipt>> {
    if !user.role().can_edit_roster() {
        return Err(AppError::Forbidden);
    }
    let comment = input.comment.trim();
    match input.decision {
        ReviewStatus::Received => return Err(AppError::bad_request("sync.review_decision")),
        ReviewStatus::Returned if comment.is_empty() => {
            return Err(AppError::invalid(vec![Violation::new(
                "comment",
                "sync.return_needs_comment",
            )]))
        }
        _ => {}
    }
    let mut tx = begin_write(&state.db).await?;
    let stored = match Uuid::parse_str(&id) {
        Ok(_) => inspections::find(&mut tx, &id).await?,
        Err(_) => None,
    };
    let stored = stored
        .filter(|row| user.office_scope().is_none_or(|own| own == row.office_id))
        .ok_or(AppError::NotFound("what.inspection"))?;
    if stored.status() == ReviewStatus::Accepted {
        return Err(AppError::conflict("sync.already_reviewed"));
    }
    inspections::review(&mut tx, &id, input.decision, comment, &user.user.id).await?;
    let action = format!("inspection.review.{}", input.decision.as_str());
    audit::record(&mut tx, Some(&user.user.username), &action, &id, comment).await?;
    let reviewed = inspections::find(&mut tx, &id)
        .await?
        .ok_or(AppError::NotFound("what.inspection"))?;
    tx.commit().await?;
    Ok(ApiJson(receipt(&reviewed)?))
}
