//! The sync protocol's messages, shared by the phone and the server (DESIGN.md, "Offline sync").
//!
//! Photos go first: `HEAD /api/v1/photos/{sha256}` tells how many bytes the server holds
//! (`Upload-Offset`, with `Upload-Length` once known), `PATCH` appends a chunk at that offset.
//! Then `PUT /api/v1/inspections/{id}` sends the whole inspection with its revision, and
//! `GET /api/v1/sync/pull?since=` brings back what changed on the server.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enterprise::Enterprise;
use super::inspection::{Inspection, Measure};

/// How much of a photo the phone sends per request: a lost connection costs at most this.
pub const PHOTO_CHUNK_BYTES: usize = 256 * 1024;
/// Bytes of the photo the server holds (in answers), or where a chunk starts (in requests).
pub const UPLOAD_OFFSET: &str = "upload-offset";
/// The photo's whole size, sent with every chunk.
pub const UPLOAD_LENGTH: &str = "upload-length";
/// The media type of `PATCH` bodies.
pub const CHUNK_CONTENT_TYPE: &str = "application/offset+octet-stream";

/// Whether `text` looks like a SHA-256 as the phone writes it: 64 lowercase hex digits.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The body of `PUT /api/v1/inspections/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionPush {
    /// The phone that sent it (a UUID kept in its store), for the audit trail.
    pub device_id: Uuid,
    pub inspection: Inspection,
}

/// Where an inspection is in the office's review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Stored, waiting for the office's review.
    Received,
    /// Sent back to the inspectors to correct, with the reviewer's comment.
    Returned,
    /// Reviewed and accepted; no longer changes.
    Accepted,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Received => "received",
            ReviewStatus::Returned => "returned",
            ReviewStatus::Accepted => "accepted",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            ReviewStatus::Received,
            ReviewStatus::Returned,
            ReviewStatus::Accepted,
        ]
        .into_iter()
        .find(|status| status.as_str() == text)
    }
}

/// The server's answer to a push; a repeat of the same revision gets the same receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushReceipt {
    pub id: Uuid,
    pub revision: u32,
    pub status: ReviewStatus,
    pub received_at: DateTime<Utc>,
}

/// The body of `POST /api/v1/inspections/{id}/review` (office heads and the task force).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewInput {
    /// `accepted` or `returned`.
    pub decision: ReviewStatus,
    #[serde(default)]
    pub comment: String,
}

/// The server state of one of the caller's inspections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InspectionState {
    pub id: Uuid,
    pub revision: u32,
    pub status: ReviewStatus,
    #[serde(default)]
    pub review_comment: Option<String>,
    #[serde(default)]
    pub reviewed_at: Option<DateTime<Utc>>,
    /// The inspection as the server holds it, when it was returned: the phone makes it a draft
    /// again, even if it no longer has its own copy.
    #[serde(default)]
    pub returned: Option<Inspection>,
}

/// A dated measure of the caller's office coming up or overdue: a rectification deadline or a
/// follow-up visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub inspection_id: Uuid,
    pub enterprise_id: Uuid,
    pub enterprise_name: String,
    pub item_code: String,
    pub deadline: NaiveDate,
    pub measures: Vec<Measure>,
}

/// The answer of `GET /api/v1/sync/pull?since=<cursor>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullResponse {
    /// Send it back as `since` next time; it may repeat a few changes, never skip one.
    pub cursor: String,
    /// More roster changes are waiting: pull again at once with the new cursor.
    pub more: bool,
    pub checklist_version: String,
    /// Roster changes of the caller's office since the cursor.
    pub enterprises: Vec<Enterprise>,
    /// The caller's own inspections that changed on the server since the cursor.
    pub inspections: Vec<InspectionState>,
    /// Every dated measure of the office from 30 days ago on (not incremental; a short list).
    pub follow_ups: Vec<FollowUp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_must_be_64_lowercase_hex_digits() {
        assert!(is_sha256(&"a1".repeat(32)));
        assert!(!is_sha256(&"A1".repeat(32)));
        assert!(!is_sha256(&"a1".repeat(31)));
        assert!(!is_sha256(&format!("{}g", "a".repeat(63))));
    }

    #[test]
    fn review_status_names_round_trip() {
        for status in [
            ReviewStatus::Received,
            ReviewStatus::Returned,
            ReviewStatus::Accepted,
        ] {
            assert_eq!(ReviewStatus::parse(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).expect("serialises");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ReviewStatus::parse("lost"), None);
    }
}
