//! Photos and the signature go up before the inspection that names them, content-addressed and
//! resumable: `HEAD` asks how many bytes of a SHA-256 the server holds, `PATCH` sends the rest in
//! chunks from there. A lost connection costs at most one chunk, and a photo the server already
//! has costs one `HEAD`.

use std::ops::Range;

use gloo_net::http::{Method, Response};

use super::verdict::Verdict;
use crate::api;
use crate::field::evidence::server_address;
use crate::field::store;
use crate::i18n::Lang;
use crate::model::inspection::Inspection;
use crate::model::sync::{CHUNK_CONTENT_TYPE, PHOTO_CHUNK_BYTES, UPLOAD_LENGTH, UPLOAD_OFFSET};

/// A chunk answer that puts the offset somewhere else than the chunk's end (a `409`) restarts
/// from the server's offset; more than this many restarts for one photo wait for a later pass.
const MAX_RESUMES: u32 = 3;

/// A stored file an inspection names, and its size as recorded (for the progress bar).
#[derive(Debug, Clone, PartialEq)]
pub struct Piece {
    pub sha256: String,
    pub bytes: u64,
}

/// Every file `inspection` names, each once, photos first; the signature's size is read from the
/// phone's store (`signature_bytes`) because only photos record theirs.
pub fn pieces(inspection: &Inspection, signature_bytes: u64) -> Vec<Piece> {
    inspection
        .evidence()
        .into_iter()
        .map(|sha256| {
            let bytes = inspection
                .photos
                .iter()
                .find(|photo| photo.sha256 == sha256)
                .map_or(signature_bytes, |photo| photo.bytes);
            Piece { sha256, bytes }
        })
        .collect()
}

/// What the server holds of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// All of it: nothing to send.
    Complete,
    /// The first this many bytes (zero when it has nothing).
    Part(u64),
}

/// Reads the answer to `HEAD`; `None` for an answer that is an error.
pub fn held(status: u16, offset: Option<u64>, length: Option<u64>) -> Option<Held> {
    match (status, offset, length) {
        (404, _, _) => Some(Held::Part(0)),
        (200, Some(offset), Some(length)) if offset >= length => Some(Held::Complete),
        // An unknown length means the upload is still open.
        (200, offset, _) => Some(Held::Part(offset.unwrap_or(0))),
        _ => None,
    }
}

/// The byte ranges still to send, in order, each at most `chunk` long. An offset at the end
/// still sends one empty chunk: the server completes (and checks) a photo on the request that
/// reaches its length.
pub fn chunk_plan(offset: u64, length: u64, chunk: u64) -> Vec<Range<u64>> {
    let start = offset.min(length);
    let mut plan: Vec<Range<u64>> = (start..length)
        .step_by(usize::try_from(chunk.max(1)).unwrap_or(usize::MAX))
        .map(|from| from..length.min(from.saturating_add(chunk)))
        .collect();
    if plan.is_empty() {
        plan.push(length..length);
    }
    plan
}

/// The server's answer to one chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkAnswer {
    /// The photo is complete on the server: stored now (201) or already before (200).
    Stored,
    /// The server holds this many bytes: the next chunk starts there (204; 409 after a wrong
    /// offset).
    Holds(u64),
    /// A 204 or 409 that does not say where to go on.
    Unclear,
    /// An error answer.
    Failed,
}

pub fn chunk_answer(status: u16, offset: Option<u64>) -> ChunkAnswer {
    match (status, offset) {
        (200 | 201, _) => ChunkAnswer::Stored,
        (204 | 409, Some(offset)) => ChunkAnswer::Holds(offset),
        (204 | 409, None) => ChunkAnswer::Unclear,
        _ => ChunkAnswer::Failed,
    }
}

/// Makes sure the server holds the photo `sha256`, sending what it lacks; `progress` is told how
/// many of its bytes the server holds as that grows.
pub async fn upload(sha256: &str, lang: Lang, progress: impl Fn(u64)) -> Result<(), Verdict> {
    let mut offset = match ask(sha256).await? {
        Held::Complete => return Ok(()),
        Held::Part(offset) => offset,
    };
    // Read only now: a photo the server has needs no bytes, so it may be gone from the phone.
    let Some((bytes, _)) = store::blob(sha256).await? else {
        let short: String = sha256.chars().take(8).collect();
        return Err(Verdict::Refused(
            lang.format("outbox.photo_missing", &[("sha", short)]),
        ));
    };
    let length = bytes.len() as u64;
    let mut resumes = 0;
    'resume: loop {
        for range in chunk_plan(offset, length, PHOTO_CHUNK_BYTES as u64) {
            progress(range.start);
            let end = range.end;
            match send_chunk(sha256, &bytes, range).await? {
                ChunkAnswer::Stored => return Ok(()),
                ChunkAnswer::Holds(held) if held == end => continue,
                ChunkAnswer::Holds(held) if resumes < MAX_RESUMES => {
                    resumes += 1;
                    offset = held;
                    continue 'resume;
                }
                _ => return Err(Verdict::Temporary),
            }
        }
        // Every chunk accepted, yet the server never said the photo was complete.
        return Err(Verdict::Temporary);
    }
}

fn header_number(response: &Response, name: &str) -> Option<u64> {
    response.headers().get(name)?.trim().parse().ok()
}

async fn ask(sha256: &str) -> Result<Held, Verdict> {
    // Never from the browser's cache: a thumbnail shown from the server's copy (GET, cached for
    // good) would answer for it, without the upload headers.
    let request = api::request(Method::HEAD, &server_address(sha256), api::CALL_DEADLINE_MS)
        .cache(web_sys::RequestCache::NoStore)
        .build()
        .map_err(|_| Verdict::Temporary)?;
    let response = api::send(request).await?;
    let offset = header_number(&response, UPLOAD_OFFSET);
    let length = header_number(&response, UPLOAD_LENGTH);
    match held(response.status(), offset, length) {
        Some(held) => Ok(held),
        None => Err(api::refusal(response).await.into()),
    }
}

async fn send_chunk(sha256: &str, bytes: &[u8], range: Range<u64>) -> Result<ChunkAnswer, Verdict> {
    let slice = &bytes[range.start as usize..range.end as usize];
    let address = server_address(sha256);
    let request = api::request(Method::PATCH, &address, api::UPLOAD_DEADLINE_MS)
        .header(UPLOAD_OFFSET, &range.start.to_string())
        .header(UPLOAD_LENGTH, &bytes.len().to_string())
        .header("Content-Type", CHUNK_CONTENT_TYPE)
        .body(js_sys::Uint8Array::from(slice))
        .map_err(|_| Verdict::Temporary)?;
    let response = api::send(request).await?;
    match chunk_answer(response.status(), header_number(&response, UPLOAD_OFFSET)) {
        ChunkAnswer::Failed => Err(api::refusal(response).await.into()),
        answer => Ok(answer),
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::model::inspection::{EnterpriseSnapshot, PhotoInfo};
    use crate::model::EnterpriseKind;

    const KB: u64 = 1024;

    #[test]
    fn the_plan_sends_what_the_server_lacks_in_chunks() {
        assert_eq!(chunk_plan(0, 600, 256), vec![0..256, 256..512, 512..600]);
        assert_eq!(chunk_plan(300, 600, 256), vec![300..556, 556..600]);
        assert_eq!(chunk_plan(0, 512, 256), vec![0..256, 256..512]);
        assert_eq!(chunk_plan(0, 100, 256), vec![0..100]);
        let photo = 700 * KB;
        let plan = chunk_plan(0, photo, PHOTO_CHUNK_BYTES as u64);
        assert_eq!(plan.len(), 3);
        assert!(plan.iter().all(|range| range.end - range.start <= 256 * KB));
        assert_eq!(plan.last().map(|range| range.end), Some(photo));
    }

    #[test]
    fn a_plan_at_the_end_still_completes_the_photo() {
        assert_eq!(chunk_plan(600, 600, 256), vec![600..600]);
        assert_eq!(chunk_plan(900, 600, 256), vec![600..600]);
        assert_eq!(chunk_plan(0, 0, 256), vec![0..0]);
    }

    #[test]
    fn head_answers_say_what_the_server_holds() {
        assert_eq!(held(404, None, None), Some(Held::Part(0)));
        assert_eq!(held(200, Some(600), Some(600)), Some(Held::Complete));
        assert_eq!(held(200, Some(256), Some(600)), Some(Held::Part(256)));
        assert_eq!(held(200, Some(256), None), Some(Held::Part(256)));
        assert_eq!(held(200, None, None), Some(Held::Part(0)));
        assert_eq!(held(401, None, None), None);
        assert_eq!(held(503, None, None), None);
    }

    #[test]
    fn chunk_answers_say_where_to_go_on() {
        assert_eq!(chunk_answer(201, Some(600)), ChunkAnswer::Stored);
        assert_eq!(chunk_answer(200, Some(600)), ChunkAnswer::Stored);
        assert_eq!(chunk_answer(204, Some(256)), ChunkAnswer::Holds(256));
        assert_eq!(chunk_answer(409, Some(512)), ChunkAnswer::Holds(512));
        assert_eq!(chunk_answer(409, None), ChunkAnswer::Unclear);
        assert_eq!(chunk_answer(422, None), ChunkAnswer::Failed);
        assert_eq!(chunk_answer(413, None), ChunkAnswer::Failed);
    }

    #[test]
    fn pieces_name_each_file_once_with_its_size() {
        let enterprise = EnterpriseSnapshot {
            id: uuid::Uuid::nil(),
            name: "Shop".into(),
            credit_code: "914403001922038216".into(),
            office_code: "XL01".into(),
            kind: EnterpriseKind::Seller,
            holds_licence: false,
        };
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        let mut inspection = Inspection::start(uuid::Uuid::nil(), enterprise, "insp1", at);
        let photo = |sha256: &str, item_code: &str, bytes| PhotoInfo {
            sha256: sha256.repeat(64),
            item_code: item_code.into(),
            taken_at: at,
            width: 10,
            height: 10,
            bytes,
            original_bytes: bytes,
            location: None,
        };
        inspection.photos = vec![photo("a", "C01", 500), photo("b", "C02", 700)];
        // The same bytes kept as evidence for a second item are one file.
        inspection.photos.push(photo("a", "C03", 500));
        inspection.signature = Some("c".repeat(64));
        let found = pieces(&inspection, 40);
        let expected = [("a", 500), ("b", 700), ("c", 40)].map(|(sha, bytes)| Piece {
            sha256: sha.repeat(64),
            bytes,
        });
        assert_eq!(found, expected);
    }
}
