//! The outbox side of a pass: which inspections go up and in what order, the push itself, what
//! the phone's copy becomes after the server's answer, and when sent copies are cleared away.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::verdict::Verdict;
use crate::api;
use crate::field::draft::DraftWriter;
use crate::field::new_id;
use crate::field::store::{self, StoreError};
use crate::model::inspection::{DraftStatus, Inspection};
use crate::model::sync::{InspectionPush, PushReceipt};

/// Store value: this phone's id, made once, sent with every push for the audit trail.
const DEVICE_ID: &str = "device_id";
/// Store value: how many days sent inspections and their photos stay on the phone.
const KEEP_SENT_DAYS: &str = "keep_sent_days";
const DEFAULT_KEEP_SENT_DAYS: u32 = 7;
/// What the setting offers.
pub const KEEP_SENT_DAYS_CHOICES: [u32; 4] = [1, 7, 30, 90];

/// How many days sent inspections and their photos stay on the phone (the inspector's setting).
pub async fn keep_sent_days() -> Result<u32, StoreError> {
    Ok(store::value(KEEP_SENT_DAYS)
        .await?
        .unwrap_or(DEFAULT_KEEP_SENT_DAYS))
}

pub async fn set_keep_sent_days(days: u32) -> Result<(), StoreError> {
    store::set_value(KEEP_SENT_DAYS, &days).await
}

/// This phone's id, made the first time it is asked for.
pub async fn device_id() -> Result<Uuid, StoreError> {
    if let Some(id) = store::value(DEVICE_ID).await? {
        return Ok(id);
    }
    let id = new_id();
    store::set_value(DEVICE_ID, &id).await?;
    Ok(id)
}

/// The inspections waiting to go up, oldest first.
pub fn queue(mut inspections: Vec<Inspection>) -> Vec<Inspection> {
    inspections.retain(|inspection| inspection.status == DraftStatus::Outbox);
    inspections.sort_by_key(|inspection| (inspection.started_at, inspection.id));
    inspections
}

/// `PUT`s the inspection; a receipt (201, or 200 for a repeat) means the server has this
/// revision, which is all the phone needs to know.
pub async fn push(device_id: Uuid, inspection: &Inspection) -> Result<(), Verdict> {
    let body = InspectionPush {
        device_id,
        inspection: inspection.clone(),
    };
    let address = format!("/api/v1/inspections/{}", inspection.id);
    api::put::<_, PushReceipt>(&address, &body).await?;
    Ok(())
}

/// How a push ended for good.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    Sent(DateTime<Utc>),
    Refused(String),
}

/// The phone's copy after the server settled the revision that was pushed; `None` leaves it as
/// it is, because the inspector changed it meanwhile (the newer revision goes up next pass) or
/// deleted it.
pub fn settle(
    stored: Option<Inspection>,
    pushed_revision: u32,
    settled: &Settled,
) -> Option<Inspection> {
    let mut inspection =
        stored.filter(|s| s.revision == pushed_revision && s.status == DraftStatus::Outbox)?;
    match settled {
        Settled::Sent(at) => {
            inspection.status = DraftStatus::Sent;
            inspection.sent_at = Some(*at);
            inspection.server_message = None;
        }
        Settled::Refused(message) => {
            inspection.status = DraftStatus::Refused;
            inspection.server_message = Some(message.clone());
        }
    }
    Some(inspection)
}

/// Sent inspections older than `keep_days`: their copies (and photos no other one names) can go.
pub fn expired(inspections: &[Inspection], now: DateTime<Utc>, keep_days: u32) -> Vec<&Inspection> {
    let keep = Duration::days(i64::from(keep_days));
    inspections
        .iter()
        .filter(|inspection| inspection.status == DraftStatus::Sent)
        .filter(|inspection| inspection.sent_at.is_some_and(|at| now - at >= keep))
        .collect()
}

/// Deletes the expired sent inspections and the photo bytes only they named.
pub async fn clear_expired(now: DateTime<Utc>) -> Result<(), StoreError> {
    let keep_days = keep_sent_days().await?;
    let inspections = store::drafts().await?;
    let expired = expired(&inspections, now, keep_days);
    if expired.is_empty() {
        return Ok(());
    }
    let mut evidence = Vec::new();
    for inspection in expired {
        store::delete_draft(&inspection.id.to_string()).await?;
        evidence.extend(inspection.evidence());
    }
    // A draft still being written in this page may have taken the same bytes (a photo picked
    // again from the gallery) before the phone holds it.
    store::delete_unreferenced_blobs(evidence, &DraftWriter::copies_being_written()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::sync::tests::{at, inspection};

    #[test]
    fn the_queue_is_the_outbox_oldest_first() {
        let mut newer = inspection(2, DraftStatus::Outbox);
        newer.started_at = at(10);
        let mut older = inspection(3, DraftStatus::Outbox);
        older.started_at = at(5);
        let all = vec![
            inspection(1, DraftStatus::Draft),
            newer,
            inspection(4, DraftStatus::Refused),
            older,
            inspection(5, DraftStatus::Sent),
        ];
        let ids: Vec<u128> = queue(all).iter().map(|i| i.id.as_u128()).collect();
        assert_eq!(ids, [3, 2]);
    }

    #[test]
    fn a_sent_inspection_leaves_the_outbox() {
        let pushed = inspection(1, DraftStatus::Outbox);
        let sent = settle(Some(pushed.clone()), pushed.revision, &Settled::Sent(at(9)))
            .expect("the pushed revision is settled");
        assert_eq!(sent.status, DraftStatus::Sent);
        assert_eq!(sent.sent_at, Some(at(9)));
        assert_eq!(sent.photos, pushed.photos, "photos stay on the phone");
    }

    #[test]
    fn a_refused_inspection_keeps_the_server_message() {
        let pushed = inspection(1, DraftStatus::Outbox);
        let refused = settle(
            Some(pushed.clone()),
            pushed.revision,
            &Settled::Refused("already reviewed".into()),
        )
        .expect("the pushed revision is settled");
        assert_eq!(refused.status, DraftStatus::Refused);
        assert_eq!(refused.server_message.as_deref(), Some("already reviewed"));
    }

    #[test]
    fn a_copy_changed_or_deleted_meanwhile_is_left_alone() {
        let mut edited = inspection(1, DraftStatus::Outbox);
        edited.revision = 8;
        assert_eq!(settle(Some(edited), 7, &Settled::Sent(at(9))), None);
        let mut back_to_draft = inspection(1, DraftStatus::Draft);
        back_to_draft.revision = 7;
        assert_eq!(settle(Some(back_to_draft), 7, &Settled::Sent(at(9))), None);
        assert_eq!(settle(None, 7, &Settled::Sent(at(9))), None);
    }

    #[test]
    fn sent_copies_go_after_the_kept_days_and_nothing_else_does() {
        let sent_at = |id: u128, day: i64| {
            let mut sent = inspection(id, DraftStatus::Sent);
            sent.sent_at = Some(at(day * 24 * 60));
            sent
        };
        let all = vec![
            sent_at(1, 0),
            sent_at(2, 3),
            inspection(3, DraftStatus::Outbox),
            inspection(4, DraftStatus::Refused),
            inspection(5, DraftStatus::Draft),
        ];
        let now = at(7 * 24 * 60);
        let ids =
            |found: Vec<&Inspection>| found.iter().map(|i| i.id.as_u128()).collect::<Vec<_>>();
        assert_eq!(ids(expired(&all, now, 7)), [1], "exactly 7 days");
        assert_eq!(ids(expired(&all, now, 4)), [1, 2]);
        assert_eq!(ids(expired(&all, now, 30)), Vec::<u128>::new());
        assert_eq!(ids(expired(&all, now, 0)), [1, 2]);
    }
}
