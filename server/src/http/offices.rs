//! `/offices`: the offices a user may pick from (all for the task force, their own otherwise).

use app::model::Office;
use axum::extract::State;
use axum::routing::get;
use axum::Router;

use super::{ApiJson, AppState};
use crate::auth::CurrentUser;
use crate::db::offices;
use crate::error::AppResult;

pub fn router() -> Router<AppState> {
    Router::new().route("/offices", get(list_offices))
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
