//! The phone's own store, in IndexedDB: drafts and the outbox, the office roster, and a few
//! named values (the sync cursor, the office's inspectors, the device id). Records are kept as JSON text, so
//! every browser stores the same thing and drafts from older builds still open.

use idb::{
    Database, Error as IdbError, KeyPath, ObjectStore, Query, Transaction, TransactionMode,
    TransactionResult,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;
use wasm_bindgen::JsValue;

use crate::model::inspection::Inspection;
use crate::model::Enterprise;
use crate::ui::local_storage;

const DATABASE: &str = "steelcheck";
const VERSION: u32 = 1;
const DRAFTS: &str = "drafts";
const ROSTER: &str = "roster";
const VALUES: &str = "values";
/// Photos and signatures by SHA-256: `{ id, bytes: ArrayBuffer, type }`. Bytes, not Blob objects,
/// because WebKit loses stored Blobs.
const BLOBS: &str = "blobs";

/// Why the store could not do something, in terms the inspector can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreError {
    /// The browser offers no IndexedDB (private mode on some browsers).
    Unavailable,
    /// The browser's storage for this site is full.
    Full,
    Failed(String),
}

impl StoreError {
    pub fn message_key(&self) -> &'static str {
        match self {
            StoreError::Unavailable => "store.unavailable",
            StoreError::Full => "store.full",
            StoreError::Failed(_) => "store.failed",
        }
    }

    fn from_exception(exception: &web_sys::DomException) -> Self {
        if exception.name() == "QuotaExceededError" {
            StoreError::Full
        } else {
            StoreError::Failed(format!("{}: {}", exception.name(), exception.message()))
        }
    }
}

impl From<IdbError> for StoreError {
    fn from(error: IdbError) -> Self {
        let text = error.to_string();
        if text.contains("QuotaExceeded") {
            StoreError::Full
        } else {
            StoreError::Failed(text)
        }
    }
}

async fn open() -> Result<Database, StoreError> {
    let store = |name: &str| ObjectStore::builder(name).key_path(Some(KeyPath::new_single("id")));
    Database::builder(DATABASE)
        .version(VERSION)
        .add_object_store(store(DRAFTS))
        .add_object_store(store(ROSTER))
        .add_object_store(store(VALUES))
        .add_object_store(store(BLOBS))
        .build()
        .await
        .map_err(|error| match error {
            IdbError::IndexedDbNotFound(_) => StoreError::Unavailable,
            other => other.into(),
        })
}

/// Commits a write and waits for it to land. The browser finds out that storage has run out only
/// as it commits, and then aborts the transaction without an error event: an abort is a failed
/// save, never a saved one.
async fn commit(transaction: Transaction) -> Result<(), StoreError> {
    let watched = web_sys::IdbTransaction::from(transaction);
    match Transaction::from(watched.clone()).commit()?.await? {
        TransactionResult::Committed => Ok(()),
        TransactionResult::Aborted => Err(watched
            .error()
            .map_or(StoreError::Failed("aborted".into()), |exception| {
                StoreError::from_exception(&exception)
            })),
    }
}

/// `{ id, json }`: the shape every store holds.
fn record(id: &str, json: &str) -> Result<JsValue, StoreError> {
    let object = js_sys::Object::new();
    let set = |key: &str, value: &str| js_sys::Reflect::set(&object, &key.into(), &value.into());
    set("id", id)
        .and_then(|_| set("json", json))
        .map_err(|_| StoreError::Failed("record".into()))?;
    Ok(object.into())
}

fn json_of(value: &JsValue) -> Option<String> {
    js_sys::Reflect::get(value, &"json".into())
        .ok()?
        .as_string()
}

/// Writes records in one transaction: all of them are stored, or none.
async fn put_all(store_name: &str, records: Vec<(String, String)>) -> Result<(), StoreError> {
    let database = open().await?;
    let transaction = database.transaction(&[store_name], TransactionMode::ReadWrite)?;
    let store = transaction.object_store(store_name)?;
    for (id, json) in &records {
        store.put(&record(id, json)?, None)?.await?;
    }
    commit(transaction).await
}

async fn get_all(store_name: &str) -> Result<Vec<String>, StoreError> {
    let database = open().await?;
    let transaction = database.transaction(&[store_name], TransactionMode::ReadOnly)?;
    let values = transaction
        .object_store(store_name)?
        .get_all(None, None)?
        .await?;
    transaction.await?;
    Ok(values.iter().filter_map(json_of).collect())
}

async fn get(store_name: &str, id: &str) -> Result<Option<String>, StoreError> {
    let database = open().await?;
    let transaction = database.transaction(&[store_name], TransactionMode::ReadOnly)?;
    let value = transaction
        .object_store(store_name)?
        .get(Query::Key(id.into()))?
        .await?;
    transaction.await?;
    Ok(value.as_ref().and_then(json_of))
}

async fn delete(store_name: &str, id: &str) -> Result<(), StoreError> {
    let database = open().await?;
    let transaction = database.transaction(&[store_name], TransactionMode::ReadWrite)?;
    transaction
        .object_store(store_name)?
        .delete(Query::Key(id.into()))?
        .await?;
    commit(transaction).await
}

fn to_json<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|error| StoreError::Failed(error.to_string()))
}

/// Saves a draft as it is now; called on every change.
pub async fn save_draft(inspection: &Inspection) -> Result<(), StoreError> {
    put_all(
        DRAFTS,
        vec![(inspection.id.to_string(), to_json(inspection)?)],
    )
    .await
}

/// Every draft and outbox entry on this phone, each as the inspector last left it: a change the
/// phone refused (a submit, say) counts and is uploaded from the copy that waits for room. One
/// that no longer parses is skipped, not lost.
pub async fn drafts() -> Result<Vec<Inspection>, StoreError> {
    let all = get_all(DRAFTS).await?;
    Ok(all
        .iter()
        .filter_map(|json| serde_json::from_str(json).ok())
        .map(with_refused_changes)
        .collect())
}

pub async fn draft(id: &str) -> Result<Option<Inspection>, StoreError> {
    Ok(get(DRAFTS, id)
        .await?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

/// Reads a draft, lets `change` decide what it becomes (`None`: leave it as it is), and writes
/// that in the same transaction, so a save from the form in between is never overwritten.
pub async fn update_draft(
    id: &str,
    change: impl FnOnce(Option<Inspection>) -> Option<Inspection>,
) -> Result<(), StoreError> {
    let database = open().await?;
    let transaction = database.transaction(&[DRAFTS], TransactionMode::ReadWrite)?;
    let store = transaction.object_store(DRAFTS)?;
    let current = store
        .get(Query::Key(id.into()))?
        .await?
        .as_ref()
        .and_then(json_of)
        .and_then(|json| serde_json::from_str(&json).ok())
        .map(with_refused_changes);
    if let Some(next) = change(current) {
        store.put(&record(id, &to_json(&next)?)?, None)?.await?;
    }
    commit(transaction).await
}

/// Deletes a draft from the phone, with its copy that waits for room.
pub async fn delete_draft(id: &str) -> Result<(), StoreError> {
    delete(DRAFTS, id).await?;
    if let Ok(id) = id.parse() {
        end_shelter(id);
    }
    Ok(())
}

/// Where a draft the phone refused to store waits for room, so that it outlives the page: the
/// browser keeps page storage (localStorage) apart from IndexedDB's quota, and a draft is a few
/// kilobytes. Drafts only; photo bytes never go there.
fn shelter_key(id: Uuid) -> String {
    format!("steelcheck.refused.{id}")
}

/// Keeps a copy of a draft the phone refused, where page storage takes it: the page still holds
/// the draft and goes on trying to store it either way.
pub fn shelter_draft(inspection: &Inspection) {
    if let (Some(storage), Ok(json)) = (local_storage(), to_json(inspection)) {
        let _ = storage.set_item(&shelter_key(inspection.id), &json);
    }
}

/// The copy of draft `id` that waits for room, if any.
fn sheltered_draft(id: Uuid) -> Option<Inspection> {
    let json = local_storage()?.get_item(&shelter_key(id)).ok()??;
    serde_json::from_str(&json).ok()
}

/// The inspector's latest copy of a stored draft: the one waiting for room when it is newer. A
/// waiting copy that the phone has caught up with is forgotten.
pub fn with_refused_changes(stored: Inspection) -> Inspection {
    let waiting = sheltered_draft(stored.id);
    let (latest, caught_up) = newest_copy(stored, waiting);
    if caught_up {
        end_shelter(latest.id);
    }
    latest
}

/// Which of the phone's copy and the waiting copy is newer, and whether the waiting one (if any)
/// is behind the phone's and can go.
fn newest_copy(stored: Inspection, waiting: Option<Inspection>) -> (Inspection, bool) {
    match waiting {
        Some(waiting) if waiting.revision > stored.revision => (waiting, false),
        Some(_) => (stored, true),
        None => (stored, false),
    }
}

/// Forgets the waiting copy of draft `id`, once the phone holds it or the draft is deleted.
pub fn end_shelter(id: Uuid) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&shelter_key(id));
    }
}

pub async fn save_roster(enterprises: &[Enterprise]) -> Result<(), StoreError> {
    let records = enterprises
        .iter()
        .map(|enterprise| Ok((enterprise.id.to_string(), to_json(enterprise)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    put_all(ROSTER, records).await
}

pub async fn roster() -> Result<Vec<Enterprise>, StoreError> {
    let all = get_all(ROSTER).await?;
    Ok(all
        .iter()
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect())
}

/// A named value (cursor, cached list), or `None` when never set.
pub async fn value<T: DeserializeOwned>(name: &str) -> Result<Option<T>, StoreError> {
    Ok(get(VALUES, name)
        .await?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

pub async fn set_value<T: Serialize>(name: &str, value: &T) -> Result<(), StoreError> {
    put_all(VALUES, vec![(name.to_string(), to_json(value)?)]).await
}

/// Keeps evidence bytes under their SHA-256; storing the same bytes twice keeps one copy.
pub async fn save_blob(sha256: &str, bytes: &[u8], mime: &str) -> Result<(), StoreError> {
    let object = js_sys::Object::new();
    let buffer = js_sys::Uint8Array::from(bytes).buffer();
    for (key, value) in [
        ("id", JsValue::from(sha256)),
        ("bytes", buffer.into()),
        ("type", mime.into()),
    ] {
        js_sys::Reflect::set(&object, &key.into(), &value)
            .map_err(|_| StoreError::Failed("record".into()))?;
    }
    let database = open().await?;
    let transaction = database.transaction(&[BLOBS], TransactionMode::ReadWrite)?;
    transaction
        .object_store(BLOBS)?
        .put(&object.into(), None)?
        .await?;
    commit(transaction).await
}

/// The bytes and media type kept under a SHA-256.
pub async fn blob(sha256: &str) -> Result<Option<(Vec<u8>, String)>, StoreError> {
    let database = open().await?;
    let transaction = database.transaction(&[BLOBS], TransactionMode::ReadOnly)?;
    let value = transaction
        .object_store(BLOBS)?
        .get(Query::Key(sha256.into()))?
        .await?;
    transaction.await?;
    Ok(value.and_then(|value| {
        let bytes = js_sys::Reflect::get(&value, &"bytes".into()).ok()?;
        let mime = js_sys::Reflect::get(&value, &"type".into())
            .ok()?
            .as_string()?;
        Some((js_sys::Uint8Array::new(&bytes).to_vec(), mime))
    }))
}

/// Deletes the stored bytes among `candidates` that no draft names any more (as a photo or a
/// signature), after a photo or a draft was deleted. `unsaved` are copies of drafts newer than
/// the phone's, which stand in for them.
pub async fn delete_unreferenced_blobs(
    candidates: Vec<String>,
    unsaved: &[Inspection],
) -> Result<(), StoreError> {
    for sha256 in unreferenced(candidates, &drafts().await?, unsaved) {
        delete(BLOBS, &sha256).await?;
    }
    Ok(())
}

/// The `candidates` that no draft names, each stored draft taken as its copy in `unsaved` where
/// there is one.
fn unreferenced(
    candidates: Vec<String>,
    stored: &[Inspection],
    unsaved: &[Inspection],
) -> Vec<String> {
    let superseded = |draft: &&Inspection| unsaved.iter().any(|copy| copy.id == draft.id);
    let referenced: Vec<String> = stored
        .iter()
        .filter(|draft| !superseded(draft))
        .chain(unsaved)
        .flat_map(Inspection::evidence)
        .collect();
    candidates
        .into_iter()
        .filter(|sha256| !referenced.contains(sha256))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::sync::tests::inspection;
    use crate::model::inspection::DraftStatus;

    fn signed(id: u128, signature: &str) -> Inspection {
        let mut draft = inspection(id, DraftStatus::Draft);
        draft.signature = Some(signature.into());
        draft
    }

    #[test]
    fn bytes_go_only_when_no_draft_names_them_on_the_phone_or_in_the_page() {
        let stored = [signed(1, "a"), signed(2, "b")];
        let candidates = || vec!["a".to_string(), "b".to_string(), "c".to_string()];
        assert_eq!(unreferenced(candidates(), &stored, &[]), ["c"]);
        // Draft 1 let go of "a" in a change the phone does not hold yet; draft 3, not yet
        // stored at all, names "c".
        let mut changed = stored[0].clone();
        changed.signature = None;
        assert_eq!(
            unreferenced(candidates(), &stored, &[changed, signed(3, "c")]),
            ["a"]
        );
    }

    #[test]
    fn a_refused_change_counts_until_the_phone_holds_it_or_a_later_one() {
        let stored = inspection(1, DraftStatus::Draft);
        let mut submitted = stored.clone();
        submitted.status = DraftStatus::Outbox;
        submitted.revision += 1;

        let (latest, caught_up) = newest_copy(stored.clone(), Some(submitted.clone()));
        assert_eq!((latest, caught_up), (submitted.clone(), false));
        let (latest, caught_up) = newest_copy(submitted.clone(), Some(submitted.clone()));
        assert_eq!((latest, caught_up), (submitted.clone(), true));
        assert_eq!(newest_copy(stored.clone(), None), (stored, false));
    }
}
