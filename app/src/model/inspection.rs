//! An inspection as the inspector records it on the phone: header, answers, evidence, findings
//! and signature. Drafts are stored as JSON in the browser, so every field added later has a
//! serde default and a draft made with an older build or checklist still opens.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::checklist::Checklist;
use super::enterprise::{EnterpriseKind, Location, OperatingStatus};

/// How an item was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Complies,
    DoesNotComply,
    NotApplicable,
}

/// One checklist item's answer and note; its photos are in [`Inspection::photos`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ItemAnswer {
    #[serde(default)]
    pub answer: Option<Answer>,
    #[serde(default)]
    pub note: String,
}

/// A photo taken as evidence for an item. The bytes are kept apart (by `sha256`), the record
/// travels with the inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhotoInfo {
    /// SHA-256 of the stored JPEG, computed at capture: the photo's identity and evidence seal.
    pub sha256: String,
    pub item_code: String,
    pub taken_at: DateTime<Utc>,
    pub width: u32,
    pub height: u32,
    /// Size of the stored JPEG, and of the file the camera gave.
    pub bytes: u64,
    pub original_bytes: u64,
    /// Where it was taken, when the inspector allows the phone to tell.
    #[serde(default)]
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    #[default]
    Ordinary,
    /// Reported at once (随发现、随处理、随报告).
    Serious,
}

/// The measures the work plan names for a problem found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    RectifyByDeadline,
    FollowUpInspection,
    ReportLicenceRevocation,
    CaseFiled,
    HandOverToCityEnforcement,
    ReferToJudiciary,
    SeriousDishonestyRecord,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::RectifyByDeadline,
        Measure::FollowUpInspection,
        Measure::ReportLicenceRevocation,
        Measure::CaseFiled,
        Measure::HandOverToCityEnforcement,
        Measure::ReferToJudiciary,
        Measure::SeriousDishonestyRecord,
    ];

    /// Ordering a rectification or a follow-up visit means naming the date.
    pub fn needs_deadline(self) -> bool {
        matches!(
            self,
            Measure::RectifyByDeadline | Measure::FollowUpInspection
        )
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Measure::RectifyByDeadline => "measure.rectify_by_deadline",
            Measure::FollowUpInspection => "measure.follow_up_inspection",
            Measure::ReportLicenceRevocation => "measure.report_licence_revocation",
            Measure::CaseFiled => "measure.case_filed",
            Measure::HandOverToCityEnforcement => "measure.hand_over_to_city_enforcement",
            Measure::ReferToJudiciary => "measure.refer_to_judiciary",
            Measure::SeriousDishonestyRecord => "measure.serious_dishonesty_record",
        }
    }
}

/// A problem found on one item, and what was done about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub item_code: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub measures: Vec<Measure>,
    #[serde(default)]
    pub deadline: Option<NaiveDate>,
}

/// What the phone keeps of the enterprise, so a draft opens with no network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseSnapshot {
    pub id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub office_code: String,
    pub kind: EnterpriseKind,
    pub holds_licence: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SiteRepresentative {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
}

/// Where an inspection is on the phone. The server ignores it: it keeps its own review status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftStatus {
    #[default]
    Draft,
    /// Finished and waiting to be uploaded.
    Outbox,
    /// The server refused it for good (see [`Inspection::server_message`]); it can be corrected
    /// and submitted again.
    Refused,
    /// The server has it; kept on the phone for a while, no longer editable.
    Sent,
}

impl DraftStatus {
    /// Finished but not on the server: what "N not uploaded" counts.
    pub fn is_not_uploaded(self) -> bool {
        matches!(self, DraftStatus::Outbox | DraftStatus::Refused)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// Made on the phone (UUIDv7), so the server can apply it idempotently.
    pub id: Uuid,
    /// Raised on every saved change; the server keeps the highest it has seen.
    #[serde(default)]
    pub revision: u32,
    pub checklist_version: String,
    pub enterprise: EnterpriseSnapshot,
    pub started_at: DateTime<Utc>,
    #[serde(default)]
    pub finished_at: Option<DateTime<Utc>>,
    /// Usernames; the law requires at least two inspectors.
    #[serde(default)]
    pub inspectors: Vec<String>,
    #[serde(default = "operating")]
    pub site_state: OperatingStatus,
    #[serde(default)]
    pub representative: SiteRepresentative,
    /// SHA-256 of the representative's signature (a PNG in the photo store).
    #[serde(default)]
    pub signature: Option<String>,
    /// Why there is no signature, when the representative refused to sign.
    #[serde(default)]
    pub signature_refused_reason: String,
    /// Answers by item code; answers to items a newer checklist dropped are kept, not lost.
    #[serde(default)]
    pub answers: BTreeMap<String, ItemAnswer>,
    #[serde(default)]
    pub findings: Vec<Finding>,
    #[serde(default)]
    pub photos: Vec<PhotoInfo>,
    #[serde(default)]
    pub status: DraftStatus,
    /// What the server last said about this copy: why it was refused, or the reviewer's comment
    /// when it came back for correction. Cleared on the next submit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_message: Option<String>,
    /// When the server acknowledged it; the phone deletes sent copies some days later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime<Utc>>,
}

fn operating() -> OperatingStatus {
    OperatingStatus::Operating
}

/// Where a problem is, so the form can jump to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    Item(String),
    Finding(usize),
    Inspectors,
    Representative,
    Signature,
    Times,
}

impl Place {
    /// The id of the form element the problem list links to.
    pub fn anchor(&self) -> String {
        match self {
            Place::Item(code) => format!("item-{code}"),
            Place::Finding(index) => format!("finding-{index}"),
            Place::Inspectors => "inspectors".into(),
            Place::Representative => "representative".into(),
            Place::Signature => "signature".into(),
            Place::Times => "times".into(),
        }
    }
}

/// A rule a draft breaks before it may be submitted: where, and a translation key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub place: Place,
    pub key: &'static str,
}

/// The law requires two inspectors on every inspection.
pub const MIN_INSPECTORS: usize = 2;

impl Inspection {
    /// A new draft for an enterprise, started now by `inspector`.
    pub fn start(
        id: Uuid,
        enterprise: EnterpriseSnapshot,
        inspector: &str,
        now: DateTime<Utc>,
    ) -> Self {
        Inspection {
            id,
            revision: 1,
            checklist_version: Checklist::current().version.clone(),
            enterprise,
            started_at: now,
            finished_at: None,
            inspectors: vec![inspector.to_string()],
            site_state: OperatingStatus::Operating,
            representative: SiteRepresentative::default(),
            signature: None,
            signature_refused_reason: String::new(),
            answers: BTreeMap::new(),
            findings: Vec::new(),
            photos: Vec::new(),
            status: DraftStatus::Draft,
            server_message: None,
            sent_at: None,
        }
    }

    /// The SHA-256 of every stored file it names, photos and signature, each once.
    pub fn evidence(&self) -> Vec<String> {
        let mut hashes: Vec<String> = Vec::new();
        let named = self.photos.iter().map(|photo| &photo.sha256);
        for sha256 in named.chain(self.signature.as_ref()) {
            if !hashes.contains(sha256) {
                hashes.push(sha256.clone());
            }
        }
        hashes
    }

    /// Attaches a stored photo to its item; the same bytes picked twice for one item are one
    /// piece of evidence, not two.
    pub fn add_photo(&mut self, info: PhotoInfo) {
        let known = self
            .photos
            .iter()
            .any(|photo| photo.sha256 == info.sha256 && photo.item_code == info.item_code);
        if !known {
            self.photos.push(info);
        }
    }

    /// Takes photo `sha256` off item `code` only: the same bytes may be evidence for another
    /// item too. Returns the bytes the draft no longer names at all, to be deleted.
    pub fn remove_photo(&mut self, code: &str, sha256: &str) -> Vec<String> {
        self.photos
            .retain(|photo| !(photo.sha256 == sha256 && photo.item_code == code));
        if self.evidence().iter().any(|named| named == sha256) {
            Vec::new()
        } else {
            vec![sha256.to_string()]
        }
    }

    /// A suspended or converted enterprise is recorded without the checklist and visited later.
    pub fn needs_checklist(&self) -> bool {
        self.site_state == OperatingStatus::Operating
    }

    /// Every rule broken, in form order: header, items, findings, signature.
    pub fn problems(&self, checklist: &Checklist, today: NaiveDate) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut flag = |place: Place, key: &'static str| problems.push(Problem { place, key });

        if self
            .finished_at
            .is_some_and(|finished| finished < self.started_at)
        {
            flag(Place::Times, "inspection.finished_before_start");
        }
        let mut distinct = self.inspectors.clone();
        distinct.sort();
        distinct.dedup();
        if distinct.len() < MIN_INSPECTORS {
            flag(Place::Inspectors, "inspection.two_inspectors");
        }
        if self.needs_checklist() {
            for item in checklist.items_for(self.enterprise.kind, self.enterprise.holds_licence) {
                let answer = self
                    .answers
                    .get(&item.code)
                    .and_then(|answer| answer.answer);
                match answer {
                    None => flag(Place::Item(item.code.clone()), "inspection.unanswered"),
                    Some(Answer::DoesNotComply)
                        if !self.findings.iter().any(|f| f.item_code == item.code) =>
                    {
                        flag(Place::Item(item.code.clone()), "inspection.finding_missing")
                    }
                    Some(_) => {}
                }
            }
        }
        for (index, finding) in self.findings.iter().enumerate() {
            if finding.description.trim().is_empty() {
                flag(Place::Finding(index), "inspection.finding_description");
            }
            if finding.measures.is_empty() {
                flag(Place::Finding(index), "inspection.finding_measure");
            }
            let needs_deadline = finding
                .measures
                .iter()
                .any(|measure| measure.needs_deadline());
            match finding.deadline {
                None if needs_deadline => {
                    flag(Place::Finding(index), "inspection.deadline_missing")
                }
                Some(deadline) if deadline <= today => {
                    flag(Place::Finding(index), "inspection.deadline_past")
                }
                _ => {}
            }
        }
        if self.representative.name.trim().is_empty() {
            flag(Place::Representative, "inspection.representative_missing");
        }
        if self.signature.is_none() && self.signature_refused_reason.trim().is_empty() {
            flag(Place::Signature, "inspection.signature_missing");
        }
        problems
    }
}

#[cfg(test)]
impl EnterpriseSnapshot {
    /// A seller of office XL01 with a real credit code, for tests anywhere in the crate.
    pub(crate) fn test_seller() -> Self {
        EnterpriseSnapshot {
            id: Uuid::nil(),
            name: "Shop".into(),
            credit_code: "914403001922038216".into(),
            office_code: "XL01".into(),
            kind: EnterpriseKind::Seller,
            holds_licence: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
    }

    fn seller_inspection() -> Inspection {
        let enterprise = EnterpriseSnapshot::test_seller();
        let started = DateTime::parse_from_rfc3339("2026-11-27T09:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        Inspection::start(Uuid::nil(), enterprise, "insp1", started)
    }

    fn complete(mut inspection: Inspection) -> Inspection {
        inspection.inspectors.push("insp2".into());
        for code in ["C01", "C02", "C03", "C04"] {
            let answer = ItemAnswer {
                answer: Some(Answer::Complies),
                ..ItemAnswer::default()
            };
            inspection.answers.insert(code.into(), answer);
        }
        inspection.representative.name = "Wang".into();
        inspection.signature = Some("ab".repeat(32));
        inspection
    }

    fn keys(inspection: &Inspection) -> Vec<&'static str> {
        inspection
            .problems(Checklist::current(), today())
            .iter()
            .map(|problem| problem.key)
            .collect()
    }

    #[test]
    fn a_complete_inspection_has_no_problems() {
        assert_eq!(keys(&complete(seller_inspection())), Vec::<&str>::new());
    }

    #[test]
    fn a_new_draft_lists_everything_still_to_do() {
        let draft = seller_inspection();
        let problems = draft.problems(Checklist::current(), today());
        let places: Vec<_> = problems
            .iter()
            .map(|problem| problem.place.anchor())
            .collect();
        assert_eq!(
            places,
            [
                "inspectors",
                "item-C01",
                "item-C02",
                "item-C03",
                "item-C04",
                "representative",
                "signature"
            ]
        );
    }

    #[test]
    fn the_same_inspector_twice_is_not_two_inspectors() {
        let mut inspection = complete(seller_inspection());
        inspection.inspectors = vec!["insp1".into(), "insp1".into()];
        assert_eq!(keys(&inspection), ["inspection.two_inspectors"]);
    }

    #[test]
    fn a_non_compliance_needs_a_finding_with_a_measure_and_a_future_deadline() {
        let mut inspection = complete(seller_inspection());
        inspection.answers.insert(
            "C03".into(),
            ItemAnswer {
                answer: Some(Answer::DoesNotComply),
                ..ItemAnswer::default()
            },
        );
        assert_eq!(keys(&inspection), ["inspection.finding_missing"]);

        inspection.findings.push(Finding {
            item_code: "C03".into(),
            ..Finding::default()
        });
        assert_eq!(
            keys(&inspection),
            [
                "inspection.finding_description",
                "inspection.finding_measure"
            ]
        );

        let finding = &mut inspection.findings[0];
        finding.description = "Sells unlicensed rebar".into();
        finding.measures = vec![Measure::RectifyByDeadline, Measure::CaseFiled];
        assert_eq!(keys(&inspection), ["inspection.deadline_missing"]);

        inspection.findings[0].deadline = Some(today());
        assert_eq!(keys(&inspection), ["inspection.deadline_past"]);
        inspection.findings[0].deadline = today().succ_opt();
        assert_eq!(keys(&inspection), Vec::<&str>::new());
    }

    #[test]
    fn measures_without_a_date_need_no_deadline() {
        let mut inspection = complete(seller_inspection());
        inspection.findings.push(Finding {
            item_code: "C04".into(),
            description: "Counterfeit labels".into(),
            severity: Severity::Serious,
            measures: vec![Measure::ReferToJudiciary],
            deadline: None,
        });
        assert_eq!(keys(&inspection), Vec::<&str>::new());
    }

    #[test]
    fn a_refusal_to_sign_with_a_reason_replaces_the_signature() {
        let mut inspection = complete(seller_inspection());
        inspection.signature = None;
        assert_eq!(keys(&inspection), ["inspection.signature_missing"]);
        inspection.signature_refused_reason = "Refused to sign".into();
        assert_eq!(keys(&inspection), Vec::<&str>::new());
    }

    #[test]
    fn a_suspended_enterprise_is_recorded_without_the_checklist() {
        let mut inspection = complete(seller_inspection());
        inspection.answers.clear();
        assert_eq!(
            keys(&inspection).len(),
            4,
            "operating: every item must be answered"
        );
        inspection.site_state = OperatingStatus::Suspended;
        assert_eq!(keys(&inspection), Vec::<&str>::new());
    }

    #[test]
    fn finishing_before_starting_is_refused() {
        let mut inspection = complete(seller_inspection());
        inspection.finished_at = Some(inspection.started_at - chrono::Duration::minutes(1));
        assert_eq!(keys(&inspection), ["inspection.finished_before_start"]);
    }

    /// A one-pixel photo of item `item_code`, whose SHA-256 is `sha256` repeated.
    fn photo(sha256: &str, item_code: &str) -> PhotoInfo {
        PhotoInfo {
            sha256: sha256.repeat(64),
            item_code: item_code.into(),
            taken_at: seller_inspection().started_at,
            width: 1,
            height: 1,
            bytes: 1,
            original_bytes: 1,
            location: None,
        }
    }

    #[test]
    fn evidence_names_each_stored_file_once() {
        let mut inspection = complete(seller_inspection());
        inspection.photos = vec![photo("c", "C01"), photo("d", "C02"), photo("c", "C03")];
        assert_eq!(
            inspection.evidence(),
            ["c".repeat(64), "d".repeat(64), "ab".repeat(32)]
        );
        inspection.signature = Some("c".repeat(64));
        assert_eq!(inspection.evidence(), ["c".repeat(64), "d".repeat(64)]);
    }

    #[test]
    fn a_photo_on_two_items_is_taken_off_one_and_its_bytes_kept_for_the_other() {
        let mut inspection = seller_inspection();
        for (sha256, code) in [("c", "C01"), ("c", "C03"), ("c", "C01")] {
            inspection.add_photo(photo(sha256, code));
        }
        assert_eq!(inspection.photos, [photo("c", "C01"), photo("c", "C03")]);

        let released = inspection.remove_photo("C01", &"c".repeat(64));
        assert!(released.is_empty(), "C03 still names the bytes");
        assert_eq!(inspection.photos, [photo("c", "C03")]);

        let released = inspection.remove_photo("C03", &"c".repeat(64));
        assert_eq!(released, ["c".repeat(64)]);
        assert!(inspection.photos.is_empty());
    }

    #[test]
    fn drafts_round_trip_and_older_drafts_still_open() {
        let draft = complete(seller_inspection());
        let json = serde_json::to_string(&draft).expect("serialises");
        assert_eq!(
            serde_json::from_str::<Inspection>(&json).expect("parses"),
            draft
        );

        // A draft saved by an earlier build with an earlier checklist: fewer fields, an item code
        // that checklist had and this one does not. It opens, and its answers are kept.
        let older = r#"{
            "id": "00000000-0000-0000-0000-000000000000",
            "checklist_version": "2019.1",
            "enterprise": { "id": "00000000-0000-0000-0000-000000000000", "name": "Shop",
                "credit_code": "914403001922038216", "office_code": "XL01", "kind": "seller",
                "holds_licence": false },
            "started_at": "2026-11-27T09:00:00Z",
            "answers": { "X99": { "answer": "complies" } }
        }"#;
        let opened: Inspection = serde_json::from_str(older).expect("older drafts open");
        assert_eq!(opened.checklist_version, "2019.1");
        assert_eq!(opened.status, DraftStatus::Draft);
        assert_eq!(opened.site_state, OperatingStatus::Operating);
        assert_eq!(opened.answers["X99"].answer, Some(Answer::Complies));
        assert!(opened
            .problems(Checklist::current(), today())
            .iter()
            .any(|p| p.place == Place::Item("C01".into())));
    }
}
