//! Resumable, content-addressed photo upload: `HEAD` tells the phone where to resume, `PATCH`
//! appends one chunk, and the last chunk stores the photo once its SHA-256 matches its name.

use app::model::sync::{is_sha256, CHUNK_CONTENT_TYPE, UPLOAD_LENGTH, UPLOAD_OFFSET};
use app::model::Violation;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::CurrentUser;
use crate::db::photos;
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::photo_store::{Appended, StoreError};

/// Counts a `PATCH /photos/{sha256}` as on its way from the moment it arrives, before its session
/// is looked up, until it has been answered: a `HEAD` sent right after a cut then waits for the
/// cut chunk's bytes instead of answering an offset that misses them (see `PhotoStore::settled`).
pub async fn count_incoming_chunks(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let sha256 = request
        .uri()
        .path()
        .strip_prefix("/photos/")
        .filter(|sha256| request.method() == Method::PATCH && is_sha256(sha256))
        .map(str::to_string);
    let _incoming = sha256.map(|sha256| state.photos.incoming(&sha256));
    next.run(request).await
}

/// `HEAD /photos/{sha256}`: 200 with `Upload-Offset` = `Upload-Length` when the server holds the
/// whole photo, 200 with the bytes received so far during an upload, 404 when it has nothing.
pub async fn photo_offset(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(sha256): Path<String>,
) -> AppResult<Response> {
    let sha256 = checked_sha256(sha256)?;
    let mut conn = state.db.acquire().await?;
    if let Some(size) = photos::size(&mut conn, &sha256).await? {
        let size = size as u64;
        return Ok(progress(StatusCode::OK, size, Some(size)));
    }
    state.photos.settled(&sha256).await;
    match state.photos.partial(&sha256).await.map_err(internal)? {
        Some(partial) => Ok(progress(
            StatusCode::OK,
            partial.received,
            Some(partial.length),
        )),
        None => Err(AppError::NotFound("what.photo")),
    }
}

/// `PATCH /photos/{sha256}`: appends the body at `Upload-Offset` of a photo of `Upload-Length`
/// bytes. 204 while more is expected, 201 when the photo is complete and verified, 200 when the
/// server already had it; 409 with the server's offset when the chunk starts elsewhere.
pub async fn append_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(sha256): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let sha256 = checked_sha256(sha256)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if content_type != Some(CHUNK_CONTENT_TYPE) {
        return Err(AppError::BadRequest {
            key: "sync.chunk_content_type",
            params: vec![("type", CHUNK_CONTENT_TYPE.to_string())],
        });
    }
    let offset = upload_header(&headers, UPLOAD_OFFSET)?;
    let length = upload_header(&headers, UPLOAD_LENGTH)?;
    if length == 0 {
        return Err(AppError::bad_request("sync.empty_photo"));
    }
    if length > state.photos.max_bytes() {
        return Err(AppError::TooLarge);
    }
    let mut conn = state.db.acquire().await?;
    if let Some(size) = photos::size(&mut conn, &sha256).await? {
        // The same bytes again: nothing to read, nothing to store.
        return Ok(progress(StatusCode::OK, size as u64, Some(size as u64)));
    }
    drop(conn);
    let appended = state
        .photos
        .append(&sha256, offset, length, body.into_data_stream())
        .await;
    match appended {
        Ok(Appended::Partial(held)) => Ok(progress(StatusCode::NO_CONTENT, held, Some(length))),
        Ok(Appended::Complete { media_type }) => {
            let mut conn = state.db.acquire().await?;
            photos::insert(&mut conn, &sha256, length as i64, media_type, &user.user.id).await?;
            Ok(progress(StatusCode::CREATED, length, Some(length)))
        }
        // A refused chunk is still an answer the phone acts on, with the offset to resume from.
        Err(error) => Ok(refusal(error, length)),
    }
}

/// `GET /photos/{sha256}`: the stored bytes, to whoever may see an inspection that names them.
pub async fn read_photo(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(sha256): Path<String>,
) -> AppResult<Response> {
    let sha256 = checked_sha256(sha256)?;
    let mut conn = state.db.acquire().await?;
    let Some(media_type) =
        photos::visible_media_type(&mut conn, &sha256, &user.user.id, user.office_scope()).await?
    else {
        return Err(AppError::NotFound("what.photo"));
    };
    let stream = state.photos.read(&sha256).await.map_err(internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            // Content-addressed: these bytes never change.
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable".to_string(),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// A refused chunk, as the phone needs it: where to resume, or why to stop.
fn refusal(error: StoreError, length: u64) -> Response {
    let resume_at = |held: u64, error: AppError| {
        (
            [(
                HeaderName::from_static(UPLOAD_OFFSET),
                HeaderValue::from(held),
            )],
            error,
        )
            .into_response()
    };
    let error = match error {
        StoreError::WrongOffset { sent, held } => {
            return resume_at(
                held,
                AppError::Conflict {
                    key: "sync.wrong_offset",
                    params: vec![("sent", sent.to_string()), ("held", held.to_string())],
                },
            )
        }
        StoreError::Interrupted { held } => {
            return resume_at(
                held,
                AppError::BadRequest {
                    key: "sync.interrupted",
                    params: vec![("held", held.to_string())],
                },
            )
        }
        StoreError::Busy => AppError::conflict("sync.upload_busy"),
        StoreError::LengthChanged { declared, staged } => AppError::BadRequest {
            key: "sync.length_changed",
            params: vec![
                ("declared", declared.to_string()),
                ("staged", staged.to_string()),
            ],
        },
        StoreError::TooLarge { .. } => AppError::TooLarge,
        StoreError::Overrun => AppError::BadRequest {
            key: "sync.chunk_overrun",
            params: vec![("length", length.to_string())],
        },
        StoreError::HashMismatch => AppError::HashMismatch,
        StoreError::NotAnImage => {
            AppError::invalid(vec![Violation::new("photo", "sync.not_an_image")])
        }
        other => internal(other),
    };
    error.into_response()
}

fn internal(error: StoreError) -> AppError {
    AppError::Internal(format!("photo store: {error}"))
}

fn checked_sha256(text: String) -> AppResult<String> {
    if is_sha256(&text) {
        Ok(text)
    } else {
        Err(AppError::bad_request("sync.bad_sha256"))
    }
}

fn upload_header(headers: &HeaderMap, name: &'static str) -> AppResult<u64> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse().ok())
        .ok_or(AppError::BadRequest {
            key: "sync.upload_header",
            params: vec![("header", name.to_string())],
        })
}

/// An empty answer that tells how many bytes the server holds and of how many.
fn progress(status: StatusCode, offset: u64, length: Option<u64>) -> Response {
    let mut response = status.into_response();
    let headers = response.headers_mut();
    headers.insert(
        HeaderName::from_static(UPLOAD_OFFSET),
        HeaderValue::from(offset),
    );
    if let Some(length) = length {
        headers.insert(
            HeaderName::from_static(UPLOAD_LENGTH),
            HeaderValue::from(length),
        );
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
