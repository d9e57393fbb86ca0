//! The server's side of offline sync (DESIGN.md, "Offline sync"), in one place:
//!
//! 1. [`photos`]: `HEAD`/`PATCH /photos/{sha256}` — content-addressed, resumable photo upload.
//!    The server says how many bytes it holds; the phone sends the rest in chunks; the last chunk
//!    makes the server re-hash the photo before it is stored. `GET` reads a stored photo back.
//! 2. [`inspections`]: `PUT /inspections/{id}` — the whole inspection at a revision, stored in one
//!    transaction, idempotent: a repeat answers the same and changes nothing. Also the office's
//!    review (`POST /inspections/{id}/review`), which returns an inspection for correction.
//! 3. [`pull`]: `GET /sync/pull?since=` — what the phone must learn: roster changes, the
//!    checklist version, the state of its inspector's inspections, dated measures coming up.

mod inspections;
mod photos;
mod pull;

use axum::routing::{get, post, put};
use axum::Router;

use crate::http::AppState;

pub use photos::count_incoming_chunks;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/photos/{sha256}",
            get(photos::read_photo)
                .head(photos::photo_offset)
                .patch(photos::append_photo),
        )
        .route("/inspections/{id}", put(inspections::push_inspection))
        .route(
            "/inspections/{id}/review",
            post(inspections::review_inspection),
        )
        .route("/sync/pull", get(pull::pull))
}
