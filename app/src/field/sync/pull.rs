//! The pull side of a pass: what changed on the server since the last pull — the office roster,
//! the state of the inspector's own inspections, the office's follow-ups — and the office's
//! inspectors, so an inspection can start anywhere with no signal.

use super::verdict::Verdict;
use crate::api;
use crate::field::store::{self, StoreError};
use crate::model::account::Colleague;
use crate::model::inspection::{DraftStatus, Inspection};
use crate::model::sync::{FollowUp, InspectionState, PullResponse, ReviewStatus};

/// Store value: the office's inspectors, for the inspection form's second inspector.
pub const COLLEAGUES: &str = "colleagues";
/// Store value: the dated measures of the office (rectification deadlines, follow-up visits).
const FOLLOW_UPS: &str = "follow_ups";
/// Store value: where the next pull starts. (The roster-only pull of earlier builds kept its
/// own cursor; a phone updating simply pulls everything once.)
const CURSOR: &str = "pull_cursor";

/// The office's dated measures as of the last pull, soonest first.
pub async fn follow_ups() -> Result<Vec<FollowUp>, StoreError> {
    Ok(store::value(FOLLOW_UPS).await?.unwrap_or_default())
}

/// Pulls until the server has nothing more; the cursor moves only after a page is stored.
pub async fn pull() -> Result<(), Verdict> {
    let colleagues: Vec<Colleague> = api::get("/api/v1/colleagues").await?;
    store::set_value(COLLEAGUES, &colleagues).await?;

    let mut cursor: Option<String> = store::value(CURSOR).await?;
    loop {
        let since = api::query(&[("since", cursor.clone().unwrap_or_default())]);
        let page: PullResponse = api::get(&format!("/api/v1/sync/pull{since}")).await?;
        store::save_roster(&page.enterprises).await?;
        for state in &page.inspections {
            store::update_draft(&state.id.to_string(), |local| merge(local, state)).await?;
        }
        store::set_value(FOLLOW_UPS, &page.follow_ups).await?;
        store::set_value(CURSOR, &page.cursor).await?;
        // A cursor that does not move would pull the same page for ever.
        if !page.more || cursor.as_ref() == Some(&page.cursor) {
            return Ok(());
        }
        cursor = Some(page.cursor);
    }
}

/// What the phone's copy becomes after the server reported a change: an inspection returned for
/// correction is a draft again, as the server holds it, with the reviewer's comment. A copy the
/// inspector has changed since (a higher revision) is never overwritten. `None`: nothing to write.
pub fn merge(local: Option<Inspection>, state: &InspectionState) -> Option<Inspection> {
    if state.status != ReviewStatus::Returned {
        return None;
    }
    if local
        .as_ref()
        .is_some_and(|local| local.revision > state.revision)
    {
        return None;
    }
    let mut draft = state.returned.clone().or(local)?;
    draft.status = DraftStatus::Draft;
    draft.server_message = state.review_comment.clone();
    draft.sent_at = None;
    Some(draft)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::sync::tests::inspection;

    fn returned(revision: u32, server_copy: Option<Inspection>) -> InspectionState {
        InspectionState {
            id: uuid::Uuid::from_u128(1),
            revision,
            status: ReviewStatus::Returned,
            review_comment: Some("photo of the licence missing".into()),
            reviewed_at: None,
            returned: server_copy,
        }
    }

    fn server_copy(revision: u32) -> Inspection {
        let mut copy = inspection(1, DraftStatus::Outbox);
        copy.revision = revision;
        copy.representative.name = "as the server holds it".into();
        copy
    }

    #[test]
    fn a_returned_inspection_becomes_a_draft_with_the_comment() {
        let mut sent = inspection(1, DraftStatus::Sent);
        sent.revision = 5;
        sent.sent_at = Some(crate::field::sync::tests::at(1));
        let draft = merge(Some(sent), &returned(5, Some(server_copy(5)))).expect("merged");
        assert_eq!(draft.status, DraftStatus::Draft);
        assert_eq!(draft.revision, 5);
        assert_eq!(draft.representative.name, "as the server holds it");
        assert_eq!(
            draft.server_message.as_deref(),
            Some("photo of the licence missing")
        );
        assert_eq!(draft.sent_at, None);
    }

    #[test]
    fn a_returned_inspection_comes_back_even_when_the_phone_no_longer_has_it() {
        let draft = merge(None, &returned(5, Some(server_copy(5)))).expect("merged");
        assert_eq!(draft.status, DraftStatus::Draft);
    }

    #[test]
    fn local_edits_with_a_higher_revision_are_kept() {
        for status in [
            DraftStatus::Draft,
            DraftStatus::Outbox,
            DraftStatus::Refused,
        ] {
            let mut edited = inspection(1, status);
            edited.revision = 6;
            assert_eq!(
                merge(Some(edited), &returned(5, Some(server_copy(5)))),
                None
            );
        }
    }

    #[test]
    fn without_the_server_copy_the_local_one_is_reopened() {
        let mut sent = inspection(1, DraftStatus::Sent);
        sent.revision = 5;
        let draft = merge(Some(sent.clone()), &returned(5, None)).expect("merged");
        assert_eq!(draft.status, DraftStatus::Draft);
        assert_eq!(draft.representative, sent.representative);
        assert_eq!(merge(None, &returned(5, None)), None);
    }

    #[test]
    fn other_review_states_change_nothing() {
        for status in [ReviewStatus::Received, ReviewStatus::Accepted] {
            let mut state = returned(5, Some(server_copy(5)));
            state.status = status;
            assert_eq!(merge(Some(inspection(1, DraftStatus::Sent)), &state), None);
        }
    }
}
