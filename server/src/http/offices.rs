//! `/offices`: the offices a user may pick from (all for the task force, their own otherwise),
//! and `/colleagues`: the inspectors and heads a user may inspect with, from the same scope.

use app::model::account::Colleague;
use app::model::Office;
use axum::extract::State;
use axum::routing::get;
use axum::Router;

use super::{ApiJson, AppState};
use crate::auth::CurrentUser;
use crate::db::{offices, users};
use crate::error::AppResult;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/offices", get(list_offices))
        .route("/colleagues", get(list_colleagues))
}

async fn list_offices(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<ApiJson<Vec<Office>>> {
    let scope = user.office_scope();
    let offices = offices::list(&state.db)
        .await?
        .into_iter()
        .filter(|office| scope.is_none_or(|own| own == office.id))
        .map(Office::from)
        .collect();
    Ok(ApiJson(offices))
}

async fn list_colleagues(
    State(state): State<AppState>,
    user: CurrentUser,
) -> AppResult<ApiJson<Vec<Colleague>>> {
    let mut conn = state.db.acquire().await?;
    let rows = users::colleagues(&mut conn, user.office_scope()).await?;
    let colleagues = rows
        .into_iter()
        .map(|row| Colleague {
            role: row.role(),
            username: row.username,
            name: row.name,
            office_code: row.office_code,
        })
        .collect();
    Ok(ApiJson(colleagues))
}
