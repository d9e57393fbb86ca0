//! The draft open in the form, and its saving. The form shows the draft; the copy that is saved
//! lives here, for as long as anything holds it rather than as long as the form: the inspector
//! may leave the form while a change is still being written or photos are still being scaled,
//! and all of them must still reach the phone's storage. The form's own signals are gone by
//! then, and reading one would stop the whole app, so this only ever sets them.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use leptos::prelude::*;
use leptos::task::spawn_local;
use uuid::Uuid;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use crate::field::store::{self, StoreError};
use crate::model::inspection::Inspection;

/// Whether the phone holds the latest change.
#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    Saved,
    Saving,
    Failed(StoreError),
}

/// Where a form shows a draft and how its saving goes.
#[derive(Clone, Copy)]
pub struct DraftView {
    pub shown: RwSignal<Option<Inspection>>,
    pub state: RwSignal<SaveState>,
}

impl DraftView {
    pub fn new() -> Self {
        DraftView {
            shown: RwSignal::new(None),
            state: RwSignal::new(SaveState::Saved),
        }
    }
}

impl Default for DraftView {
    fn default() -> Self {
        Self::new()
    }
}

/// A handle on an open draft: cheap to clone, and still good once its form is gone.
#[derive(Clone, Default)]
pub struct DraftWriter(Arc<Mutex<Saving>>);

thread_local! {
    /// The drafts that a form, or work a form left behind, is writing (a few at most).
    static WRITING: RefCell<Vec<(Uuid, Weak<Mutex<Saving>>)>> = RefCell::default();
    /// Whether the page already asks before it closes (`guard_page_close`).
    static GUARDED: Cell<bool> = const { Cell::new(false) };
}

impl DraftWriter {
    /// Opens draft `id`; `None` when the phone holds no such draft. A draft still being written
    /// for a form that is gone is joined, not read again: the copy on the phone may not have the
    /// photos that are still on their way to it.
    pub async fn open(id: Uuid) -> Result<Option<DraftWriter>, StoreError> {
        let writer = match Self::writing(id) {
            Some(writer) => writer,
            None => {
                let Some(found) = store::draft(&id.to_string()).await? else {
                    return Ok(None);
                };
                let stored_revision = found.revision;
                let latest = store::with_refused_changes(found);
                // Another form may have opened it while the phone was being read.
                Self::writing(id).unwrap_or_else(|| {
                    let newer = latest.revision > stored_revision;
                    let writer = Self::start_writing(id, latest);
                    if newer {
                        // A page closed while the phone refused it: store it where it belongs.
                        writer.change(|_| ());
                    }
                    writer
                })
            }
        };
        Ok(Some(writer))
    }

    /// Stops writing draft `id`, which the inspector deletes: a change still waiting to be
    /// written (a refused one, say) must not bring the draft back once room is made.
    pub fn discard(id: Uuid) {
        store::end_shelter(id);
        if let Some(writer) = Self::writing(id) {
            let mut saving = writer.lock();
            saving.latest = None;
            saving.unsaved = false;
            saving.failure = None;
        }
    }

    /// The newest copy of every draft being written, which the phone may not hold yet.
    pub fn copies_being_written() -> Vec<Inspection> {
        being_written()
            .iter()
            .filter_map(|saving| lock(saving).latest.clone())
            .collect()
    }

    fn writing(id: Uuid) -> Option<DraftWriter> {
        WRITING
            .with(|writing| {
                let writing = writing.borrow();
                let (_, saving) = writing.iter().find(|(draft, _)| *draft == id)?;
                saving.upgrade()
            })
            .map(DraftWriter)
    }

    fn start_writing(id: Uuid, found: Inspection) -> DraftWriter {
        let writer = DraftWriter(Arc::new(Mutex::new(Saving {
            latest: Some(found),
            ..Saving::default()
        })));
        WRITING.with(|writing| {
            let mut writing = writing.borrow_mut();
            writing.retain(|(draft, saving)| *draft != id && saving.strong_count() > 0);
            writing.push((id, Arc::downgrade(&writer.0)));
        });
        writer
    }

    /// Shows the draft, and from now on every change to it, in `view`.
    pub fn show_in(&self, view: DraftView) {
        let (latest, state) = {
            let mut saving = self.lock();
            saving.views.push(view);
            (saving.latest.clone(), saving.state())
        };
        view.shown.set(latest);
        view.state.set(state);
    }

    /// Applies a change, shows it and saves it. Saves run one at a time, always writing the
    /// newest copy, so a slow earlier save can never overwrite a later change.
    pub fn change(&self, edit: impl FnOnce(&mut Inspection)) {
        self.change_releasing(|draft| {
            edit(draft);
            Vec::new()
        });
    }

    /// Applies a change after which the draft no longer names the bytes (photos or signature,
    /// by SHA-256) that `edit` returns. They are deleted once the change is saved, unless another
    /// draft names them too.
    pub fn change_releasing(&self, edit: impl FnOnce(&mut Inspection) -> Vec<String>) {
        self.apply_and_save(Box::new(edit));
    }

    /// One copy of the work behind every change, whatever the edit: the form makes dozens.
    fn apply_and_save(&self, edit: Box<Edit<'_>>) {
        let Some(changed) = self.lock().apply(edit) else {
            return;
        };
        if self.lock().failure.is_some() {
            // The save loop waits to try again; the copy that outlives the page must not.
            store::shelter_draft(&changed);
        }
        for view in self.views() {
            view.shown.set(Some(changed.clone()));
        }
        if !std::mem::replace(&mut self.lock().running, true) {
            self.show_state(SaveState::Saving);
            let writer = self.clone();
            spawn_local(async move { writer.save_changes().await });
        }
    }

    /// Writes until the phone holds the newest copy. A copy the phone refused lives only in this
    /// page, so it is tried again, less and less often, until it is taken: room is made as
    /// uploaded inspections are cleared or drafts deleted. Until then the page asks before it
    /// closes (`guard_page_close`).
    async fn save_changes(self) {
        let mut pause = RETRY_FIRST_MS;
        loop {
            // Taken apart from the loop's condition, whose lock would last through the await.
            let Some(next) = self.lock().take_unsaved() else {
                break;
            };
            let mut outcome = store::save_draft(&next).await;
            if outcome.is_err() {
                // Page storage is outside IndexedDB's quota: the copy waits there for a page
                // that opens the draft after this one is closed.
                store::shelter_draft(&next);
            }
            // A full phone refuses every write, even one that makes the draft smaller, but not a
            // deletion: the bytes the change let go of make the room it needs. Should the page
            // close before the save lands, the sheltered copy no longer names them either.
            if outcome == Err(StoreError::Full) && self.delete_released().await {
                outcome = store::save_draft(&next).await;
            }
            if self.lock().latest.is_none() {
                // Discarded while this write was under way, which may have brought it back.
                let _ = store::delete_draft(&next.id.to_string()).await;
                break;
            }
            let refused = outcome.is_err();
            self.lock().record(&outcome);
            self.show_state(match outcome {
                Ok(()) => SaveState::Saved,
                Err(error) => SaveState::Failed(error),
            });
            if refused {
                guard_page_close();
                self.wait_to_retry(pause).await;
                pause = (pause * 2).min(RETRY_LONGEST_MS);
            } else {
                store::end_shelter(next.id);
                self.delete_released().await;
                pause = RETRY_FIRST_MS;
            }
        }
        self.lock().running = false;
    }

    /// Waits `millis` before trying again, or less once the draft lets go of bytes: deleting
    /// them may be what makes the room.
    async fn wait_to_retry(&self, millis: i32) {
        let mut waited = 0;
        while waited < millis && self.lock().released.is_empty() {
            sleep_ms(RETRY_STEP_MS).await;
            waited += RETRY_STEP_MS;
        }
    }

    /// Deletes the bytes the draft let go of that no draft names, on the phone or still being
    /// written; `true` when there were some and they are gone. Bytes left behind only cost room,
    /// so a failure keeps them for after the next save.
    async fn delete_released(&self) -> bool {
        let released = std::mem::take(&mut self.lock().released);
        if released.is_empty() {
            return false;
        }
        let deleted =
            store::delete_unreferenced_blobs(released.clone(), &Self::copies_being_written()).await;
        if deleted.is_err() {
            self.lock().released.extend(released);
        }
        deleted.is_ok()
    }

    /// Shows why something the draft needs (its signature, say) could not be stored.
    pub fn show_failure(&self, error: StoreError) {
        self.show_state(SaveState::Failed(error));
    }

    /// Resolves once every change so far is on the phone, or the phone refused the last save.
    pub async fn saved(&self) -> Result<(), StoreError> {
        loop {
            let (running, failure) = {
                let saving = self.lock();
                (saving.running, saving.failure.clone())
            };
            match failure {
                Some(error) => return Err(error),
                None if !running => return Ok(()),
                None => sleep_ms(50).await,
            }
        }
    }

    fn show_state(&self, state: SaveState) {
        for view in self.views() {
            view.state.set(state.clone());
        }
    }

    /// The views to update, outside the lock: setting a signal may run code that changes the draft.
    fn views(&self) -> Vec<DraftView> {
        let mut saving = self.lock();
        saving.views.retain(|view| !view.shown.is_disposed());
        saving.views.clone()
    }

    fn lock(&self) -> MutexGuard<'_, Saving> {
        lock(&self.0)
    }
}

fn lock(saving: &Mutex<Saving>) -> MutexGuard<'_, Saving> {
    // Nothing panics while holding it; a poisoned lock still holds a whole draft.
    saving.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A change to a draft; it returns the bytes the draft no longer names.
type Edit<'a> = dyn FnOnce(&mut Inspection) -> Vec<String> + 'a;

const RETRY_FIRST_MS: i32 = 2_000;
const RETRY_LONGEST_MS: i32 = 30_000;
const RETRY_STEP_MS: i32 = 250;

/// The saving of every draft that a form, or work a form left behind, is writing.
fn being_written() -> Vec<Arc<Mutex<Saving>>> {
    WRITING.with(|writing| {
        writing
            .borrow()
            .iter()
            .filter_map(|(_, saving)| saving.upgrade())
            .collect()
    })
}

/// Whether any draft holds a change that the phone refused to store.
fn any_refused() -> bool {
    being_written()
        .iter()
        .any(|saving| lock(saving).failure.is_some())
}

/// Has the browser ask before the page is closed or reloaded while a refused change waits in it
/// (from the first refusal on; it asks only while one waits).
fn guard_page_close() {
    if GUARDED.with(|guarded| guarded.replace(true)) {
        return;
    }
    let ask = Closure::<dyn Fn(web_sys::Event)>::new(|event: web_sys::Event| {
        if any_refused() {
            event.prevent_default();
        }
    });
    if window()
        .add_event_listener_with_callback("beforeunload", ask.as_ref().unchecked_ref())
        .is_ok()
    {
        // The listener lasts as long as the page.
        ask.forget();
    }
}

/// The saved copy's bookkeeping, apart from the browser so that it can be tested anywhere.
#[derive(Default)]
struct Saving {
    latest: Option<Inspection>,
    unsaved: bool,
    running: bool,
    failure: Option<StoreError>,
    /// Bytes the draft no longer names, to delete once nothing else names them.
    released: Vec<String>,
    views: Vec<DraftView>,
}

impl Saving {
    /// The draft after `edit`, as the next save must write it; `None` before a draft is open.
    fn apply(&mut self, edit: impl FnOnce(&mut Inspection) -> Vec<String>) -> Option<Inspection> {
        let latest = self.latest.as_mut()?;
        self.released.extend(edit(latest));
        latest.revision += 1;
        self.unsaved = true;
        Some(latest.clone())
    }

    /// The copy to write next, once per change or run of changes.
    fn take_unsaved(&mut self) -> Option<Inspection> {
        std::mem::take(&mut self.unsaved)
            .then(|| self.latest.clone())
            .flatten()
    }

    /// Notes how a save went; a refused copy is to be written again.
    fn record(&mut self, outcome: &Result<(), StoreError>) {
        self.failure = outcome.clone().err();
        self.unsaved |= self.failure.is_some();
    }

    fn state(&self) -> SaveState {
        match (&self.failure, self.running) {
            (_, true) => SaveState::Saving,
            (Some(error), false) => SaveState::Failed(error.clone()),
            (None, false) => SaveState::Saved,
        }
    }
}

async fn sleep_ms(millis: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        // Without a window there is nothing to wait for; resolve at once.
        let _ = window().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, millis);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::sync::tests::inspection;
    use crate::model::inspection::DraftStatus;

    fn opened() -> Saving {
        Saving {
            latest: Some(inspection(1, DraftStatus::Draft)),
            ..Saving::default()
        }
    }

    fn set_name(draft: &mut Inspection, name: &str) -> Vec<String> {
        draft.representative.name = name.into();
        Vec::new()
    }

    #[test]
    fn nothing_is_changed_or_saved_before_a_draft_is_open() {
        let mut saving = Saving::default();
        assert!(saving.apply(|draft| set_name(draft, "王")).is_none());
        assert!(saving.take_unsaved().is_none());
    }

    #[test]
    fn a_run_of_changes_is_saved_once_as_the_newest_copy() {
        let mut saving = opened();
        let start = inspection(1, DraftStatus::Draft).revision;
        saving.apply(|draft| set_name(draft, "王"));
        let shown = saving.apply(|draft| {
            draft.representative.role = "经理".into();
            Vec::new()
        });
        assert_eq!(shown.map(|draft| draft.revision), Some(start + 2));

        let written = saving.take_unsaved().expect("a change to save");
        assert_eq!(written.representative.name, "王");
        assert_eq!(written.representative.role, "经理");
        assert_eq!(written.revision, start + 2);
        assert!(saving.take_unsaved().is_none());
    }

    #[test]
    fn a_refused_copy_is_written_again_until_the_phone_takes_it() {
        let mut saving = opened();
        saving.apply(|draft| set_name(draft, "王"));
        let refused = saving.take_unsaved().expect("a change to save");
        saving.record(&Err(StoreError::Full));
        assert_eq!(saving.state(), SaveState::Failed(StoreError::Full));

        let again = saving.take_unsaved().expect("written again");
        assert_eq!(again.revision, refused.revision);
        saving.record(&Ok(()));
        assert_eq!(saving.state(), SaveState::Saved);
        assert!(saving.take_unsaved().is_none());
    }

    #[test]
    fn a_form_that_joins_sees_how_the_saving_goes() {
        let mut saving = opened();
        assert_eq!(saving.state(), SaveState::Saved);
        saving.running = true;
        assert_eq!(saving.state(), SaveState::Saving);
        saving.running = false;
        saving.record(&Err(StoreError::Full));
        assert_eq!(saving.state(), SaveState::Failed(StoreError::Full));
    }
}
