//! The phone's side of sync (DESIGN.md, "Offline sync"): the one place that talks the protocol
//! of [`crate::model::sync`] with the server.
//!
//! A **pass** pushes, then pulls:
//! 1. Every inspection in the outbox, oldest first: its photos and signature go up first
//!    ([`photos`]: `HEAD` for what the server holds, `PATCH` for the rest in chunks, resuming at
//!    the server's offset), then the inspection itself (`PUT`, with its revision). The server's
//!    answer settles it ([`outbox`]): *sent* (kept a few days, photos too, then cleared), or
//!    *refused* with the server's reason (kept, editable, to be submitted again). When the server
//!    names photos it still lacks, they go up and the push is tried once more.
//! 2. The pull ([`pull`]): roster changes, follow-ups, the state of the inspector's own
//!    inspections; one returned for correction becomes a draft again, unless the phone holds a
//!    newer revision of it.
//!
//! A failure decides how the loop goes on ([`verdict`]): a temporary one (no network, 5xx)
//! stops the pass, keeps everything queued and retries with back-off ([`backoff`]); a 401 stops
//! until the inspector logs in again; a permanent one refuses that inspection only.
//!
//! **When**: on app start, when the browser comes back online, when the page becomes visible,
//! on a timer (every few minutes; sooner, then less often, after failures), after a submit and
//! a login, and on the "sync now" button. **One at a time**: a pass runs under the Web Lock
//! `steelcheck-sync`, asked for with `ifAvailable`, so of several open tabs one syncs and the
//! others look again shortly; inside a tab, a request during a pass runs one more pass after it.
//!
//! The UI reads [`SyncLoop`], provided once by the app: the loop's state, each inspection's
//! progress and the number not uploaded.

mod backoff;
mod outbox;
mod photos;
mod pull;
mod verdict;

use std::cell::RefCell;
use std::collections::HashMap;
use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use self::outbox::Settled;
use self::photos::Piece;
use self::verdict::Verdict;
use crate::field::now;
use crate::field::store::{self, StoreError};
use crate::i18n::Lang;
use crate::model::inspection::{DraftStatus, Inspection};
use crate::model::sync::is_sha256;
use crate::ui::I18n;

pub use self::outbox::{keep_sent_days, set_keep_sent_days, KEEP_SENT_DAYS_CHOICES};
pub use self::pull::{follow_ups, COLLEAGUES};

/// The Web Lock held during a pass, across the site's tabs.
const LOCK_NAME: &str = "steelcheck-sync";
/// Store value: when a pass last finished, shown after a reload too.
const LAST_SYNCED: &str = "last_synced";

/// What the sync loop is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncState {
    /// Between passes; see [`SyncLoop::last_synced`].
    Idle,
    Syncing,
    /// The last pass failed for a passing reason (usually no network); the next try is due then.
    Waiting {
        retry_at: DateTime<Utc>,
    },
    /// The server wants a login before it takes anything more; everything stays queued.
    LoginNeeded,
}

impl SyncState {
    /// Its name in `data-state`, for end-to-end tests and styles.
    pub fn name(self) -> &'static str {
        match self {
            SyncState::Idle => "idle",
            SyncState::Syncing => "syncing",
            SyncState::Waiting { .. } => "waiting",
            SyncState::LoginNeeded => "login_needed",
        }
    }
}

/// Where one inspection on the phone stands with the server.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Still being written.
    Draft,
    /// Submitted, waiting for the next pass.
    Waiting,
    /// Going up now: bytes of its photos the server holds, of all its photos' bytes.
    Uploading {
        sent: u64,
        total: u64,
    },
    Uploaded,
    /// Refused by the server, with its reason.
    Refused(String),
}

impl Progress {
    /// Its progress as the phone's copy records it (between passes).
    pub fn of(inspection: &Inspection) -> Self {
        match inspection.status {
            DraftStatus::Draft => Progress::Draft,
            DraftStatus::Outbox => Progress::Waiting,
            DraftStatus::Sent => Progress::Uploaded,
            DraftStatus::Refused => {
                Progress::Refused(inspection.server_message.clone().unwrap_or_default())
            }
        }
    }

    /// Its name in `data-state`.
    pub fn name(&self) -> &'static str {
        match self {
            Progress::Draft => "draft",
            Progress::Waiting => "waiting",
            Progress::Uploading { .. } => "uploading",
            Progress::Uploaded => "uploaded",
            Progress::Refused(_) => "refused",
        }
    }

    /// The translation key of its name on the page.
    pub fn label_key(&self) -> &'static str {
        match self {
            Progress::Draft => "field.status_draft",
            Progress::Waiting => "field.status_outbox",
            Progress::Uploading { .. } => "outbox.uploading",
            Progress::Uploaded => "outbox.uploaded",
            Progress::Refused(_) => "outbox.refused_short",
        }
    }

    /// Finished on the phone but not (yet) on the server.
    pub fn is_not_uploaded(&self) -> bool {
        matches!(
            self,
            Progress::Waiting | Progress::Uploading { .. } | Progress::Refused(_)
        )
    }
}

/// The sync loop and what it reports; `Copy`, so every view and handler can hold it.
#[derive(Clone, Copy)]
pub struct SyncLoop {
    pub state: RwSignal<SyncState>,
    pub last_synced: RwSignal<Option<DateTime<Utc>>>,
    /// Every inspection on the phone, by id; live while one uploads.
    pub progress: RwSignal<HashMap<Uuid, Progress>>,
    pub not_uploaded: Memo<usize>,
    /// Whether the phone's inspections have been read since the page opened: until then the
    /// count is unknown, not zero.
    pub counted: RwSignal<bool>,
    /// Bumped whenever the loop has re-read the phone's inspections: lists reload on it.
    pub inspections_changed: RwSignal<u64>,
    i18n: I18n,
    runner: StoredValue<Runner>,
}

/// The loop's bookkeeping inside this tab.
#[derive(Default)]
struct Runner {
    running: bool,
    /// Asked to run while running: one more pass follows.
    again: bool,
    failures: u32,
    timer: Option<TimeoutHandle>,
}

impl Runner {
    /// Whether a pass may start now; if one is running, it is asked to run again.
    fn begin(&mut self) -> bool {
        if self.running {
            self.again = true;
            return false;
        }
        self.running = true;
        if let Some(timer) = self.timer.take() {
            timer.clear();
        }
        true
    }

    /// Whether another pass should follow the one that just ended.
    fn next(&mut self) -> bool {
        self.running = std::mem::take(&mut self.again);
        self.running
    }
}

pub fn use_sync() -> SyncLoop {
    expect_context::<SyncLoop>()
}

impl SyncLoop {
    /// Provides the loop to the whole app and starts it once the app runs in the browser.
    pub fn provide(i18n: I18n) -> Self {
        let progress = RwSignal::new(HashMap::new());
        let sync = SyncLoop {
            state: RwSignal::new(SyncState::Idle),
            last_synced: RwSignal::new(None),
            progress,
            not_uploaded: Memo::new(move |_| {
                progress.with(|all: &HashMap<Uuid, Progress>| {
                    all.values().filter(|p| p.is_not_uploaded()).count()
                })
            }),
            counted: RwSignal::new(false),
            inspections_changed: RwSignal::new(0),
            i18n,
            runner: StoredValue::new(Runner::default()),
        };
        provide_context(sync);
        Effect::new(move |_| sync.start());
        sync
    }

    fn start(self) {
        // The listeners live as long as the app.
        window_event_listener(leptos::ev::online, move |_| self.run_now());
        window_event_listener(leptos::ev::visibilitychange, move |_| {
            if !document().hidden() {
                self.run_now();
            }
        });
        spawn_local(async move {
            if let Ok(Some(at)) = store::value(LAST_SYNCED).await {
                self.last_synced.set(Some(at));
            }
        });
        // Counted at once, even while another tab holds the lock for a long upload.
        self.changed();
    }

    /// Runs a pass now, or right after the one running.
    pub fn run_now(self) {
        if self.runner.try_update_value(Runner::begin).unwrap_or(false) {
            spawn_local(self.drive());
        }
    }

    /// The phone's inspections changed outside the loop (a submit, a delete): show it at once,
    /// and sync.
    pub fn changed(self) {
        spawn_local(async move {
            // A store that cannot be read now is reported by the page that wrote to it.
            let _ = self.refresh().await;
        });
        self.run_now();
    }

    /// Re-reads the phone's inspections into [`SyncLoop::progress`] and tells the lists.
    async fn refresh(self) -> Result<Vec<Inspection>, StoreError> {
        let inspections = store::drafts().await?;
        let progress = inspections
            .iter()
            .map(|inspection| (inspection.id, Progress::of(inspection)))
            .collect();
        self.progress.set(progress);
        self.counted.set(true);
        self.inspections_changed.update(|count| *count += 1);
        Ok(inspections)
    }

    /// Passes until no one asks for another, then sets the timer for the next.
    async fn drive(self) {
        loop {
            let ended = with_tab_lock(self.pass()).await;
            let delay = self.conclude(ended).await;
            if !self.runner.try_update_value(Runner::next).unwrap_or(false) {
                self.schedule(delay);
                return;
            }
        }
    }

    /// Records how a pass ended (`None`: another tab holds the lock); returns when to run the
    /// next, `None` to wait for a login.
    async fn conclude(self, ended: Option<Result<(), Verdict>>) -> Option<Duration> {
        let random = js_sys::Math::random();
        match ended {
            // Another tab is syncing; look again soon to show what it did.
            None => Some(backoff::next_delay(1, random)),
            Some(Ok(())) => {
                self.runner.update_value(|runner| runner.failures = 0);
                let at = now();
                self.last_synced.set(Some(at));
                self.state.set(SyncState::Idle);
                // Losing this only loses the time shown after a reload.
                let _ = store::set_value(LAST_SYNCED, &at).await;
                Some(backoff::next_delay(0, random))
            }
            Some(Err(Verdict::LoginNeeded)) => {
                self.state.set(SyncState::LoginNeeded);
                None
            }
            Some(Err(_)) => {
                let failures = self
                    .runner
                    .try_update_value(|runner| {
                        runner.failures = runner.failures.saturating_add(1);
                        runner.failures
                    })
                    .unwrap_or(1);
                let delay = backoff::next_delay(failures, random);
                let retry_at = now() + chrono::Duration::from_std(delay).unwrap_or_default();
                self.state.set(SyncState::Waiting { retry_at });
                Some(delay)
            }
        }
    }

    fn schedule(self, delay: Option<Duration>) {
        let Some(delay) = delay else {
            return;
        };
        if let Ok(timer) = set_timeout_with_handle(move || self.run_now(), delay) {
            self.runner
                .update_value(|runner| runner.timer = Some(timer));
        }
    }

    /// One pass: push the outbox, then pull, then clear sent copies past their days.
    async fn pass(self) -> Result<(), Verdict> {
        self.state.set(SyncState::Syncing);
        let pushed = self.push_outbox().await;
        // Whatever happened, the lists show what the phone holds now.
        let refreshed = self.refresh().await;
        pushed?;
        refreshed?;
        pull::pull().await?;
        outbox::clear_expired(now()).await?;
        self.refresh().await?;
        Ok(())
    }

    async fn push_outbox(self) -> Result<(), Verdict> {
        let lang = self.i18n.0.get_untracked();
        let device_id = outbox::device_id().await?;
        for inspection in outbox::queue(self.refresh().await?) {
            let settled = match self.deliver(device_id, &inspection, lang).await {
                Ok(()) => Settled::Sent(now()),
                Err(Verdict::Refused(message)) => Settled::Refused(message),
                Err(stop) => return Err(stop),
            };
            store::update_draft(&inspection.id.to_string(), |stored| {
                outbox::settle(stored, inspection.revision, &settled)
            })
            .await?;
            self.refresh().await?;
        }
        Ok(())
    }

    /// Photos first, then the inspection; the photos the server still lacks, then once more.
    async fn deliver(
        self,
        device_id: Uuid,
        inspection: &Inspection,
        lang: Lang,
    ) -> Result<(), Verdict> {
        let signature_bytes = match &inspection.signature {
            Some(sha256) => store::blob(sha256)
                .await?
                .map_or(0, |(bytes, _)| bytes.len() as u64),
            None => 0,
        };
        let pieces = photos::pieces(inspection, signature_bytes);
        self.upload(inspection.id, &pieces, lang).await?;
        let missing = match outbox::push(device_id, inspection).await {
            Err(Verdict::MissingPhotos(missing)) => missing,
            other => return other,
        };
        let lacking: Vec<Piece> = missing
            .into_iter()
            .filter(|sha256| is_sha256(sha256))
            .map(|sha256| {
                let known = pieces.iter().find(|piece| piece.sha256 == sha256);
                known.cloned().unwrap_or(Piece { sha256, bytes: 0 })
            })
            .collect();
        self.upload(inspection.id, &lacking, lang).await?;
        outbox::push(device_id, inspection)
            .await
            .map_err(|verdict| match verdict {
                // Still missing right after their upload: the server may be catching up.
                Verdict::MissingPhotos(_) => Verdict::Temporary,
                other => other,
            })
    }

    /// Uploads `pieces` one after the other, showing the bytes sent of them all.
    async fn upload(self, id: Uuid, pieces: &[Piece], lang: Lang) -> Result<(), Verdict> {
        let total: u64 = pieces.iter().map(|piece| piece.bytes).sum();
        let mut done = 0;
        self.show(id, done, total);
        for piece in pieces {
            let bytes = piece.bytes;
            photos::upload(&piece.sha256, lang, move |held| {
                self.show(id, done + held.min(bytes), total)
            })
            .await?;
            done += bytes;
            self.show(id, done, total);
        }
        Ok(())
    }

    fn show(self, id: Uuid, sent: u64, total: u64) {
        self.progress.update(|all| {
            all.insert(id, Progress::Uploading { sent, total });
        });
    }
}

/// Runs `work` holding the site-wide Web Lock, so one tab syncs at a time; `None` when another
/// tab holds it. A browser without Web Locks runs it at once.
async fn with_tab_lock<T: 'static>(work: impl Future<Output = T> + 'static) -> Option<T> {
    let Some((locks, request)) = lock_manager() else {
        return Some(work.await);
    };
    let result = Rc::new(RefCell::new(None));
    let slot = Rc::clone(&result);
    // Called once by the browser with the lock, or with `null` when it is taken; the lock is held
    // until the returned promise settles.
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        if lock.is_null() {
            return js_sys::Promise::resolve(&JsValue::UNDEFINED);
        }
        wasm_bindgen_futures::future_to_promise(async move {
            let value = work.await;
            slot.borrow_mut().replace(value);
            Ok(JsValue::UNDEFINED)
        })
    });
    let options = js_sys::Object::new();
    // Setting a property on a fresh object cannot fail.
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let granted = request
        .call3(&locks, &LOCK_NAME.into(), &options, &callback)
        .ok()
        .and_then(|promise| promise.dyn_into::<js_sys::Promise>().ok());
    if let Some(granted) = granted {
        // The work's own outcome is in `result`; a rejection only means it did not run.
        let _ = wasm_bindgen_futures::JsFuture::from(granted).await;
    }
    result.take()
}

/// `navigator.locks` and its `request` function. Reached by name: web-sys offers the Web Locks
/// API only behind its unstable flag.
fn lock_manager() -> Option<(JsValue, js_sys::Function)> {
    let navigator = web_sys::window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).ok()?;
    if locks.is_undefined() || locks.is_null() {
        return None;
    }
    let request = js_sys::Reflect::get(&locks, &"request".into()).ok()?;
    Some((locks, request.dyn_into().ok()?))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::inspection::EnterpriseSnapshot;

    /// A moment some minutes into the test's day.
    pub fn at(minutes: i64) -> DateTime<Utc> {
        let start = DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        start + chrono::Duration::minutes(minutes)
    }

    /// An inspection with a small id, in `status`.
    pub fn inspection(id: u128, status: DraftStatus) -> Inspection {
        let enterprise = EnterpriseSnapshot::test_seller();
        let mut inspection = Inspection::start(Uuid::from_u128(id), enterprise, "insp1", at(0));
        inspection.status = status;
        inspection
    }

    #[test]
    fn progress_follows_the_stored_status() {
        let mut refused = inspection(1, DraftStatus::Refused);
        refused.server_message = Some("already reviewed".into());
        assert_eq!(
            Progress::of(&refused),
            Progress::Refused("already reviewed".into())
        );
        assert_eq!(
            Progress::of(&inspection(2, DraftStatus::Draft)),
            Progress::Draft
        );
        assert_eq!(
            Progress::of(&inspection(3, DraftStatus::Outbox)),
            Progress::Waiting
        );
        assert_eq!(
            Progress::of(&inspection(4, DraftStatus::Sent)),
            Progress::Uploaded
        );
    }

    #[test]
    fn not_uploaded_counts_the_outbox_and_refusals() {
        let counted: Vec<&str> = [
            Progress::Draft,
            Progress::Waiting,
            Progress::Uploading { sent: 1, total: 2 },
            Progress::Uploaded,
            Progress::Refused(String::new()),
        ]
        .iter()
        .filter(|progress| progress.is_not_uploaded())
        .map(Progress::name)
        .collect();
        assert_eq!(counted, ["waiting", "uploading", "refused"]);
    }

    #[test]
    fn a_request_during_a_pass_runs_one_more() {
        let mut runner = Runner::default();
        assert!(runner.begin(), "idle: runs");
        assert!(!runner.begin(), "running: no second pass at the same time");
        assert!(!runner.begin());
        assert!(runner.next(), "one more pass for both requests");
        assert!(!runner.next(), "then it stops");
        assert!(runner.begin(), "and runs again when asked");
    }
}
