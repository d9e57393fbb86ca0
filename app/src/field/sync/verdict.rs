//! What a failed request means for the inspection being synced: try again later, give up on it
//! with the server's reason, or stop everything until the inspector logs in again.

use crate::api::ApiFailure;
use crate::field::store::StoreError;
use crate::model::ApiErrorBody;

/// How the sync loop goes on after a failure.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Nothing wrong with the inspection (no network, server busy or down): keep it queued, stop
    /// this pass and retry later.
    Temporary,
    /// The session has expired: keep everything queued and stop until a login.
    LoginNeeded,
    /// The server needs these photos before it takes the inspection.
    MissingPhotos(Vec<String>),
    /// The server will never take this revision (invalid, already reviewed, too large): shown
    /// to the inspector with this message; the inspection stays on the phone to be corrected.
    Refused(String),
}

impl From<&ApiFailure> for Verdict {
    fn from(failure: &ApiFailure) -> Self {
        let ApiFailure::Refused { status, body } = failure else {
            return Verdict::Temporary;
        };
        match status {
            401 => Verdict::LoginNeeded,
            409 if body.error == "missing_photos" => {
                Verdict::MissingPhotos(body.missing_photos.clone())
            }
            // 404: a server without the sync API yet, or a proxy in the way; 408, 425, 429: come
            // back later. Nothing the inspector could correct in the inspection.
            404 | 408 | 425 | 429 | 500.. => Verdict::Temporary,
            _ => Verdict::Refused(refusal_text(body)),
        }
    }
}

/// The server's message, then what its details say: "invalid" alone does not tell the
/// inspector what to correct.
fn refusal_text(body: &ApiErrorBody) -> String {
    std::iter::once(body.message.as_str())
        .chain(body.details.iter().map(|detail| detail.message.as_str()))
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<ApiFailure> for Verdict {
    fn from(failure: ApiFailure) -> Self {
        Verdict::from(&failure)
    }
}

/// The phone's own storage failing is no reason to give up on an inspection.
impl From<StoreError> for Verdict {
    fn from(_: StoreError) -> Self {
        Verdict::Temporary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldError;

    fn refused(status: u16, error: &str) -> ApiFailure {
        ApiFailure::Refused {
            status,
            body: ApiErrorBody {
                error: error.into(),
                message: format!("message {status}"),
                ..Default::default()
            },
        }
    }

    #[test]
    fn no_answer_and_server_trouble_are_temporary() {
        assert_eq!(Verdict::from(ApiFailure::Unreachable), Verdict::Temporary);
        for status in [404, 408, 429, 500, 502, 503, 504] {
            assert_eq!(
                Verdict::from(refused(status, "x")),
                Verdict::Temporary,
                "{status}"
            );
        }
    }

    #[test]
    fn an_expired_session_needs_a_login() {
        assert_eq!(
            Verdict::from(refused(401, "unauthenticated")),
            Verdict::LoginNeeded
        );
    }

    #[test]
    fn missing_photos_are_named_for_upload() {
        let mut failure = refused(409, "missing_photos");
        if let ApiFailure::Refused { body, .. } = &mut failure {
            body.missing_photos = vec!["ab".repeat(32)];
        }
        assert_eq!(
            Verdict::from(failure),
            Verdict::MissingPhotos(vec!["ab".repeat(32)])
        );
    }

    #[test]
    fn refusals_keep_the_server_message() {
        for (status, error) in [
            (409, "conflict"),
            (422, "invalid"),
            (422, "hash_mismatch"),
            (413, "too_large"),
            (403, "forbidden"),
            (400, "malformed_json"),
        ] {
            assert_eq!(
                Verdict::from(refused(status, error)),
                Verdict::Refused(format!("message {status}")),
                "{status} {error}"
            );
        }
    }

    #[test]
    fn an_invalid_inspection_says_what_is_wrong() {
        let mut failure = refused(422, "invalid");
        if let ApiFailure::Refused { body, .. } = &mut failure {
            body.details = vec![FieldError {
                field: "inspectors".into(),
                row: None,
                message: "Two inspectors are required.".into(),
            }];
        }
        assert_eq!(
            Verdict::from(failure),
            Verdict::Refused("message 422 Two inspectors are required.".into())
        );
    }
}
