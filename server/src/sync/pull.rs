//! `GET /sync/pull?since=<cursor>`: what a phone must learn from the server since it last asked.
//!
//! The cursor holds two positions: the roster's keyset position `(updated_at, id)`, paged so a
//! first pull of a large roster comes in pieces, and the time up to which the caller's
//! inspections were sent. A change is committed a moment after its timestamp is taken, so the
//! cursor never goes closer to the present than [`SETTLE`]: a pull may repeat a change (the phone
//! stores it again), but never skips one.

use app::model::checklist::Checklist;
use app::model::inspection::Inspection;
use app::model::sync::{FollowUp, InspectionState, PullResponse, ReviewStatus};
use app::model::Enterprise;
use axum::extract::State;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::db::inspections::{self, InspectionRow};
use crate::db::{enterprises, parse_timestamp, timestamp};
use crate::error::{AppError, AppResult};
use crate::http::{ApiJson, ApiQuery, AppState};

/// Roster changes per answer; `more` tells the phone to ask again.
const ROSTER_PAGE: i64 = 500;
/// How long a write may take to commit after taking its timestamp.
const SETTLE: Duration = Duration::seconds(60);
/// Dated measures are listed from this long ago, so overdue ones stay in view.
const OVERDUE_SHOWN: Duration = Duration::days(30);

#[derive(Debug, Deserialize)]
pub struct PullQuery {
    since: Option<String>,
}

/// Where the last pull ended.
#[derive(Debug, Clone, PartialEq)]
struct Cursor {
    roster_at: String,
    roster_id: String,
    inspections_at: String,
}

impl Cursor {
    /// Before everything: a phone's first pull.
    fn start() -> Self {
        Cursor {
            roster_at: String::new(),
            roster_id: String::new(),
            inspections_at: String::new(),
        }
    }

    fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('~');
        let cursor = Cursor {
            roster_at: parts.next()?.to_string(),
            roster_id: parts.next()?.to_string(),
            inspections_at: parts.next()?.to_string(),
        };
        let time_ok = |at: &str| at.is_empty() || parse_timestamp(at).is_ok();
        let id_ok = cursor.roster_id.is_empty() || Uuid::parse_str(&cursor.roster_id).is_ok();
        (parts.next().is_none()
            && time_ok(&cursor.roster_at)
            && time_ok(&cursor.inspections_at)
            && id_ok)
            .then_some(cursor)
    }

    fn text(&self) -> String {
        format!(
            "{}~{}~{}",
            self.roster_at, self.roster_id, self.inspections_at
        )
    }

    /// The roster position after a page: its last row, or — when the roster is exhausted — no
    /// later than the settle horizon, so a change still committing is asked for again.
    fn after_roster(&self, last: Option<&enterprises::EnterpriseRow>, settled: &str) -> Self {
        let (roster_at, roster_id) = match last {
            Some(row) if row.updated_at.as_str() <= settled => {
                (row.updated_at.clone(), row.id.clone())
            }
            Some(_) => (settled.to_string(), String::new()),
            None if self.roster_at.as_str() > settled => (settled.to_string(), String::new()),
            None => (self.roster_at.clone(), self.roster_id.clone()),
        };
        Cursor {
            roster_at,
            roster_id,
            inspections_at: settled.to_string(),
        }
    }
}

pub async fn pull(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<PullQuery>,
) -> AppResult<ApiJson<PullResponse>> {
    let cursor = match query.since.as_deref().map(str::trim) {
        None | Some("") => Cursor::start(),
        Some(text) => Cursor::parse(text).ok_or(AppError::bad_request("sync.bad_cursor"))?,
    };
    let now = Utc::now();
    let settled = timestamp(now - SETTLE);
    let office = user.office_scope();

    let rows = enterprises::changed_after(
        &state.db,
        office,
        &cursor.roster_at,
        &cursor.roster_id,
        ROSTER_PAGE,
    )
    .await?;
    let more = rows.len() as i64 == ROSTER_PAGE;
    let next = if more {
        cursor.after_roster(rows.last(), &timestamp(now))
    } else {
        cursor.after_roster(rows.last(), &settled)
    };
    let since = (!cursor.inspections_at.is_empty()).then_some(cursor.inspections_at.as_str());
    let changed = inspections::changed_for_inspector(&state.db, &user.user.id, since).await?;
    let follow_ups = match office {
        Some(office_id) => follow_ups(&state, office_id, campaign_today(now)).await?,
        None => Vec::new(),
    };
    Ok(ApiJson(PullResponse {
        cursor: next.text(),
        more,
        checklist_version: Checklist::current().version.clone(),
        enterprises: rows
            .into_iter()
            .map(Enterprise::try_from)
            .collect::<Result<_, _>>()?,
        inspections: changed
            .iter()
            .map(inspection_state)
            .collect::<AppResult<_>>()?,
        follow_ups,
    }))
}

fn inspection_state(row: &InspectionRow) -> AppResult<InspectionState> {
    let corrupt = |what: &str| AppError::Internal(format!("stored inspection {}: {what}", row.id));
    let returned = match row.status() {
        ReviewStatus::Returned => Some(
            serde_json::from_str::<Inspection>(&row.document)
                .map_err(|error| corrupt(&error.to_string()))?,
        ),
        _ => None,
    };
    Ok(InspectionState {
        id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
        revision: u32::try_from(row.revision).map_err(|_| corrupt("revision"))?,
        status: row.status(),
        review_comment: row.review_comment.clone(),
        reviewed_at: row
            .reviewed_at
            .as_deref()
            .map(parse_timestamp)
            .transpose()?,
        returned,
    })
}

async fn follow_ups(
    state: &AppState,
    office_id: &str,
    today: NaiveDate,
) -> AppResult<Vec<FollowUp>> {
    let from = today - OVERDUE_SHOWN;
    let rows = inspections::dated_findings(&state.db, office_id, from).await?;
    rows.into_iter()
        .map(|(row, measures)| {
            let corrupt = || AppError::Internal(format!("stored finding of {}", row.inspection_id));
            Ok(FollowUp {
                inspection_id: Uuid::parse_str(&row.inspection_id).map_err(|_| corrupt())?,
                enterprise_id: Uuid::parse_str(&row.enterprise_id).map_err(|_| corrupt())?,
                enterprise_name: row.enterprise_name,
                item_code: row.item_code,
                deadline: row.deadline.parse().map_err(|_| corrupt())?,
                measures,
            })
        })
        .collect()
}

/// Today where the campaign runs (UTC+8).
fn campaign_today(now: DateTime<Utc>) -> NaiveDate {
    (now + Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let cursor = Cursor {
            roster_at: "2026-11-28T01:00:00.000000Z".into(),
            roster_id: "0192f3a0-0000-7000-8000-000000000001".into(),
            inspections_at: "2026-11-28T00:59:00.000000Z".into(),
        };
        assert_eq!(Cursor::parse(&cursor.text()), Some(cursor));
        assert_eq!(Cursor::parse("~~"), Some(Cursor::start()));
        for bad in ["", "yesterday~~", "~not-a-uuid~", "~~~", "a~b"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }
}
