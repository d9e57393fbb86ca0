//! Where photo and signature bytes live, behind one interface: files under the data directory by
//! default, or an S3-compatible bucket when configured — both through `object_store`.
//!
//! Photos arrive in chunks (`PATCH /api/v1/photos/{sha256}`), possibly over several connections
//! and days. The chunks are appended to a staging file on local disk; only when the last byte has
//! arrived and the SHA-256 of the whole file matches its name is the photo copied, streamed, into
//! the store. A photo in the store is therefore always whole and verified.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use futures::{Stream, StreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest, Sha256};
use tokio::fs::{self, File, OpenOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Photos over this size are refused unless configured otherwise.
pub const DEFAULT_MAX_PHOTO_BYTES: u64 = 20 * 1024 * 1024;
/// How long `HEAD` waits for a chunk still being written: 100 × 20 ms.
const SETTLE_POLLS: u32 = 100;
const SETTLE_POLL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(20);
/// How much of a file is read at a time when hashing or copying it into the store.
const COPY_BUFFER_BYTES: usize = 256 * 1024;
/// A chunk whose bytes stop coming for this long has ended. A phone that loses its signal often
/// leaves its connection open with nothing on it, and the photo would stay busy for every later
/// request until the server restarted.
const DEFAULT_CHUNK_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The bytes store and the staging folder for uploads in progress. Cheap to clone.
#[derive(Clone)]
pub struct PhotoStore {
    objects: Arc<dyn ObjectStore>,
    staging: PathBuf,
    max_bytes: u64,
    /// Photos with a request writing to their staging file right now.
    busy: Arc<Mutex<HashSet<String>>>,
    /// Photos with chunks on their way, counted from the moment each request arrives.
    incoming: Arc<Mutex<HashMap<String, usize>>>,
    chunk_idle_timeout: std::time::Duration,
}

/// How far the upload of one photo has come, from the staging folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partial {
    pub received: u64,
    pub length: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("another request is uploading this photo")]
    Busy,
    #[error("the chunk starts at {sent}, the server holds {held} bytes")]
    WrongOffset { sent: u64, held: u64 },
    #[error("declared length {declared} differs from the upload's {staged}")]
    LengthChanged { declared: u64, staged: u64 },
    #[error("the photo is larger than {limit} bytes")]
    TooLarge { limit: u64 },
    #[error("more bytes than the declared length")]
    Overrun,
    #[error("the bytes do not match their SHA-256")]
    HashMismatch,
    #[error("neither a JPEG nor a PNG")]
    NotAnImage,
    #[error("the connection ended during the chunk")]
    Interrupted { held: u64 },
    #[error("staging: {0}")]
    Io(#[from] std::io::Error),
    #[error("object store: {0}")]
    Objects(#[from] object_store::Error),
}

/// What an accepted chunk led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// More bytes are expected; the server now holds this many.
    Partial(u64),
    /// The last byte arrived and the hash matched: the photo is in the store.
    Complete { media_type: &'static str },
}

impl PhotoStore {
    pub fn new(objects: Arc<dyn ObjectStore>, staging: PathBuf, max_bytes: u64) -> Self {
        PhotoStore {
            objects,
            staging,
            max_bytes,
            busy: Arc::default(),
            incoming: Arc::default(),
            chunk_idle_timeout: DEFAULT_CHUNK_IDLE_TIMEOUT,
        }
    }

    /// How long a chunk may send nothing before it counts as cut (tests wait less than 30 s).
    #[cfg(test)]
    fn with_chunk_idle_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.chunk_idle_timeout = timeout;
        self
    }

    /// Files under `data_dir/photos`, staging in `data_dir/uploads`.
    pub fn in_data_dir(data_dir: &Path, max_bytes: u64) -> std::io::Result<Self> {
        let photos = data_dir.join("photos");
        std::fs::create_dir_all(&photos)?;
        let objects = LocalFileSystem::new_with_prefix(&photos).map_err(std::io::Error::other)?;
        Ok(Self::new(
            Arc::new(objects),
            data_dir.join("uploads"),
            max_bytes,
        ))
    }

    /// An S3-compatible bucket, configured by the standard `AWS_*` variables (endpoint, region,
    /// keys); staging stays in `data_dir/uploads`.
    pub fn in_bucket(data_dir: &Path, bucket: &str, max_bytes: u64) -> object_store::Result<Self> {
        let objects = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()?;
        Ok(Self::new(
            Arc::new(objects),
            data_dir.join("uploads"),
            max_bytes,
        ))
    }

    /// Kept in memory (tests of the object-store path).
    pub fn in_memory(staging: PathBuf, max_bytes: u64) -> Self {
        Self::new(Arc::new(InMemory::new()), staging, max_bytes)
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// Counts a chunk of this photo as on its way until the returned guard is dropped. Taken as
    /// its request arrives, before the caller is checked: a chunk cut a moment after it was sent
    /// is still in that step when the phone asks where to resume.
    pub fn incoming(&self, sha256: &str) -> IncomingChunk {
        *lock(&self.incoming).entry(sha256.to_string()).or_default() += 1;
        IncomingChunk {
            incoming: self.incoming.clone(),
            sha256: sha256.to_string(),
        }
    }

    /// Waits (a little) for requests still bringing or writing this photo, typically one whose
    /// connection was just cut and has not noticed yet: asked too early, the offset would be too
    /// low and the phone would send a chunk again for nothing.
    pub async fn settled(&self, sha256: &str) {
        for _ in 0..SETTLE_POLLS {
            let active =
                lock(&self.busy).contains(sha256) || lock(&self.incoming).contains_key(sha256);
            if !active {
                return;
            }
            tokio::time::sleep(SETTLE_POLL_INTERVAL).await;
        }
    }

    /// The upload in progress for a photo, if any.
    pub async fn partial(&self, sha256: &str) -> Result<Option<Partial>, StoreError> {
        let received = match fs::metadata(self.staged(sha256)).await {
            Ok(meta) => meta.len(),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error.into()),
        };
        let length = fs::read_to_string(self.declared(sha256))
            .await?
            .trim()
            .parse()
            .map_err(std::io::Error::other)?;
        Ok(Some(Partial { received, length }))
    }

    /// Appends a chunk that starts at `offset` of a photo of `length` bytes, streaming it to the
    /// staging file. Bytes received before a dropped connection are kept, so the phone resumes
    /// from where they end.
    pub async fn append<S, E>(
        &self,
        sha256: &str,
        offset: u64,
        length: u64,
        chunk: S,
    ) -> Result<Appended, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        if length > self.max_bytes {
            return Err(StoreError::TooLarge {
                limit: self.max_bytes,
            });
        }
        let _writing = BusyGuard::take(&self.busy, sha256)?;
        let held = self.start_or_continue(sha256, offset, length).await?;
        let received = self.write_chunk(sha256, held, length, chunk).await?;
        if received < length {
            return Ok(Appended::Partial(received));
        }
        let media_type = self.finish(sha256).await?;
        Ok(Appended::Complete { media_type })
    }

    /// Checks the chunk fits the upload in progress (or starts one), returning the bytes held.
    async fn start_or_continue(
        &self,
        sha256: &str,
        offset: u64,
        length: u64,
    ) -> Result<u64, StoreError> {
        match self.partial(sha256).await? {
            Some(partial) if partial.length != length => Err(StoreError::LengthChanged {
                declared: length,
                staged: partial.length,
            }),
            Some(partial) if partial.received != offset => Err(StoreError::WrongOffset {
                sent: offset,
                held: partial.received,
            }),
            Some(partial) => Ok(partial.received),
            None if offset != 0 => Err(StoreError::WrongOffset {
                sent: offset,
                held: 0,
            }),
            None => {
                fs::create_dir_all(&self.staging).await?;
                fs::write(self.declared(sha256), length.to_string()).await?;
                File::create(self.staged(sha256)).await?;
                Ok(0)
            }
        }
    }

    async fn write_chunk<S, E>(
        &self,
        sha256: &str,
        mut held: u64,
        length: u64,
        mut chunk: S,
    ) -> Result<u64, StoreError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        let mut file = OpenOptions::new()
            .append(true)
            .open(self.staged(sha256))
            .await?;
        while let Some(piece) = self.next_piece(&mut chunk).await {
            let Ok(piece) = piece else {
                file.flush().await?;
                return Err(StoreError::Interrupted { held });
            };
            if held + piece.len() as u64 > length {
                // Keep the upload as it was before this chunk: the phone's bytes are wrong.
                file.set_len(held).await?;
                return Err(StoreError::Overrun);
            }
            file.write_all(&piece).await?;
            held += piece.len() as u64;
        }
        file.flush().await?;
        Ok(held)
    }

    /// The chunk's next bytes; a silence longer than the idle timeout counts as a cut connection.
    async fn next_piece<S, E>(&self, chunk: &mut S) -> Option<Result<Bytes, ()>>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
    {
        match tokio::time::timeout(self.chunk_idle_timeout, chunk.next()).await {
            Ok(piece) => piece.map(|piece| piece.map_err(drop)),
            Err(_silent) => Some(Err(())),
        }
    }

    /// Re-hashes the whole staged file; a match goes into the store, anything else is discarded.
    async fn finish(&self, sha256: &str) -> Result<&'static str, StoreError> {
        let staged = self.staged(sha256);
        let (digest, media_type) = hash_and_sniff(&staged).await?;
        let outcome = match media_type {
            _ if digest != sha256 => Err(StoreError::HashMismatch),
            None => Err(StoreError::NotAnImage),
            Some(media_type) => self
                .copy_into_store(sha256, &staged)
                .await
                .map(|()| media_type),
        };
        self.discard(sha256).await?;
        outcome
    }

    async fn copy_into_store(&self, sha256: &str, file: &Path) -> Result<(), StoreError> {
        let mut upload =
            WriteMultipart::new(self.objects.put_multipart(&object_path(sha256)).await?);
        let mut file = File::open(file).await?;
        let mut buffer = vec![0; COPY_BUFFER_BYTES];
        loop {
            let read = file.read(&mut buffer).await?;
            if read == 0 {
                break;
            }
            upload.wait_for_capacity(2).await?;
            upload.write(&buffer[..read]);
        }
        upload.finish().await?;
        Ok(())
    }

    async fn discard(&self, sha256: &str) -> std::io::Result<()> {
        for path in [self.staged(sha256), self.declared(sha256)] {
            match fs::remove_file(path).await {
                Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error),
                _ => {}
            }
        }
        Ok(())
    }

    /// The stored bytes of a photo, as a stream.
    pub async fn read(
        &self,
        sha256: &str,
    ) -> Result<impl Stream<Item = object_store::Result<Bytes>>, StoreError> {
        Ok(self.objects.get(&object_path(sha256)).await?.into_stream())
    }

    fn staged(&self, sha256: &str) -> PathBuf {
        self.staging.join(format!("{sha256}.part"))
    }

    fn declared(&self, sha256: &str) -> PathBuf {
        self.staging.join(format!("{sha256}.length"))
    }
}

/// `ab/abcdef…`: a folder per first byte keeps directories small on the file store.
fn object_path(sha256: &str) -> object_store::path::Path {
    object_store::path::Path::from(format!("{}/{sha256}", &sha256[..2]))
}

/// The file's SHA-256, and its media type by its first bytes (photos are JPEG, signatures PNG).
async fn hash_and_sniff(path: &Path) -> std::io::Result<(String, Option<&'static str>)> {
    let mut file = File::open(path).await?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; COPY_BUFFER_BYTES];
    let mut media_type = None;
    let mut first = true;
    loop {
        let read = file.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        if first {
            media_type = sniff(&buffer[..read]);
            first = false;
        }
        hasher.update(&buffer[..read]);
    }
    Ok((hex(&hasher.finalize()), media_type))
}

fn sniff(start: &[u8]) -> Option<&'static str> {
    if start.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if start.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else {
        None
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A lock whose holder panicked still guards a consistent set: every change is one call.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Marks a photo as being written for as long as it lives; a second writer is refused.
struct BusyGuard {
    busy: Arc<Mutex<HashSet<String>>>,
    sha256: String,
}

impl BusyGuard {
    fn take(busy: &Arc<Mutex<HashSet<String>>>, sha256: &str) -> Result<Self, StoreError> {
        if !lock(busy).insert(sha256.to_string()) {
            return Err(StoreError::Busy);
        }
        Ok(BusyGuard {
            busy: busy.clone(),
            sha256: sha256.to_string(),
        })
    }
}

impl Drop for BusyGuard {
    fn drop(&mut self) {
        lock(&self.busy).remove(&self.sha256);
    }
}

/// A chunk on its way (see [`PhotoStore::incoming`]), counted for as long as it lives.
pub struct IncomingChunk {
    incoming: Arc<Mutex<HashMap<String, usize>>>,
    sha256: String,
}

impl Drop for IncomingChunk {
    fn drop(&mut self) {
        let mut incoming = lock(&self.incoming);
        if let Some(count) = incoming.get_mut(&self.sha256) {
            *count -= 1;
            if *count == 0 {
                incoming.remove(&self.sha256);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(bytes: &[u8]) -> String {
        hex(&Sha256::digest(bytes))
    }

    /// Bytes that start like a JPEG.
    fn jpeg(length: usize) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF];
        bytes.extend((3..length).map(|n| (n % 251) as u8));
        bytes
    }

    fn chunk(bytes: &[u8]) -> impl Stream<Item = Result<Bytes, std::io::Error>> + Unpin {
        futures::stream::iter(vec![Ok(Bytes::copy_from_slice(bytes))])
    }

    /// The photo the interruption tests cut after its first 4 bytes, and its SHA-256.
    fn ten_byte_photo() -> (Vec<u8>, String) {
        let photo = jpeg(10);
        let sha256 = sha(&photo);
        (photo, sha256)
    }

    const FOUR_OF_TEN: Partial = Partial {
        received: 4,
        length: 10,
    };

    async fn stored(store: &PhotoStore, sha256: &str) -> Vec<u8> {
        let mut stream = Box::pin(store.read(sha256).await.expect("stored"));
        let mut bytes = Vec::new();
        while let Some(piece) = stream.next().await {
            bytes.extend_from_slice(&piece.expect("readable"));
        }
        bytes
    }

    fn stores(dir: &tempfile::TempDir) -> [PhotoStore; 2] {
        [
            PhotoStore::in_data_dir(&dir.path().join("files"), 1000).expect("file store"),
            PhotoStore::in_memory(dir.path().join("memory-staging"), 1000),
        ]
    }

    #[tokio::test]
    async fn chunks_in_order_make_the_photo_on_both_stores() {
        let dir = tempfile::tempdir().expect("temp dir");
        let photo = jpeg(600);
        let sha256 = sha(&photo);
        for store in stores(&dir) {
            let first = store.append(&sha256, 0, 600, chunk(&photo[..256])).await;
            assert_eq!(first.expect("first chunk"), Appended::Partial(256));
            assert_eq!(
                store.partial(&sha256).await.expect("readable"),
                Some(Partial {
                    received: 256,
                    length: 600
                })
            );
            let wrong = store.append(&sha256, 0, 600, chunk(&photo[..256])).await;
            assert!(matches!(
                wrong,
                Err(StoreError::WrongOffset { sent: 0, held: 256 })
            ));
            let last = store.append(&sha256, 256, 600, chunk(&photo[256..])).await;
            assert_eq!(
                last.expect("last chunk"),
                Appended::Complete {
                    media_type: "image/jpeg"
                }
            );
            assert_eq!(stored(&store, &sha256).await, photo);
            assert_eq!(store.partial(&sha256).await.expect("readable"), None);
        }
    }

    #[tokio::test]
    async fn a_mismatch_discards_the_upload_and_an_overrun_keeps_what_was_there() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [store, _] = stores(&dir);
        let claimed = sha(b"the real photo");
        let result = store.append(&claimed, 0, 9, chunk(b"not it!!!")).await;
        assert!(matches!(result, Err(StoreError::HashMismatch)));
        assert_eq!(store.partial(&claimed).await.expect("readable"), None);

        store
            .append(&claimed, 0, 14, chunk(b"the "))
            .await
            .expect("first chunk");
        let overrun = store
            .append(&claimed, 4, 14, chunk(b"real photo and more"))
            .await;
        assert!(matches!(overrun, Err(StoreError::Overrun)));
        assert_eq!(
            store.partial(&claimed).await.expect("readable"),
            Some(Partial {
                received: 4,
                length: 14
            })
        );
    }

    #[tokio::test]
    async fn an_interrupted_chunk_keeps_the_bytes_that_arrived() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [store, _] = stores(&dir);
        let (photo, sha256) = ten_byte_photo();
        let dropped = futures::stream::iter(vec![
            Ok(Bytes::copy_from_slice(&photo[..4])),
            Err(std::io::Error::other("connection reset")),
        ]);
        let result = store.append(&sha256, 0, 10, dropped).await;
        assert!(matches!(result, Err(StoreError::Interrupted { held: 4 })));
        let rest = store.append(&sha256, 4, 10, chunk(&photo[4..])).await;
        assert!(matches!(rest, Ok(Appended::Complete { .. })));
        assert_eq!(stored(&store, &sha256).await, photo);
    }

    #[tokio::test]
    async fn a_chunk_that_goes_silent_ends_and_frees_the_photo() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [store, _] = stores(&dir);
        let store = store.with_chunk_idle_timeout(std::time::Duration::from_millis(100));
        let (photo, sha256) = ten_byte_photo();
        // Four bytes, then nothing, and no end either: a phone that lost its signal.
        let silent = chunk(&photo[..4]).chain(futures::stream::pending());
        let result = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            store.append(&sha256, 0, 10, silent),
        )
        .await
        .expect("a silent chunk must end, or the photo stays busy");
        assert!(matches!(result, Err(StoreError::Interrupted { held: 4 })));
        let rest = store.append(&sha256, 4, 10, chunk(&photo[4..])).await;
        assert!(matches!(rest, Ok(Appended::Complete { .. })));
        assert_eq!(stored(&store, &sha256).await, photo);
    }

    #[tokio::test]
    async fn bytes_that_are_no_image_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [store, _] = stores(&dir);
        let text = b"<html>not a photo</html>";
        let result = store.append(&sha(text), 0, 24, chunk(text)).await;
        assert!(matches!(result, Err(StoreError::NotAnImage)));
        assert_eq!(store.partial(&sha(text)).await.expect("readable"), None);
    }

    #[tokio::test]
    async fn the_offset_is_read_after_a_chunk_still_being_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [store, _] = stores(&dir);
        let (photo, sha256) = ten_byte_photo();
        let (sender, receiver) =
            futures::channel::mpsc::unbounded::<Result<Bytes, std::io::Error>>();
        let writer = {
            let (store, sha256) = (store.clone(), sha256.clone());
            tokio::spawn(async move { store.append(&sha256, 0, 10, receiver).await })
        };
        sender
            .unbounded_send(Ok(Bytes::copy_from_slice(&photo[..4])))
            .expect("chunk piece");
        tokio::task::yield_now().await;
        let closer = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            sender
                .unbounded_send(Err(std::io::Error::other("cut")))
                .expect("cut");
        });
        store.settled(&sha256).await;
        assert_eq!(
            store.partial(&sha256).await.expect("readable"),
            Some(FOUR_OF_TEN)
        );
        closer.await.expect("closer");
        assert!(matches!(
            writer.await.expect("writer"),
            Err(StoreError::Interrupted { held: 4 })
        ));
    }

    #[tokio::test]
    async fn the_offset_waits_for_a_chunk_whose_request_has_only_arrived() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [store, _] = stores(&dir);
        let (photo, sha256) = ten_byte_photo();
        let arrived = store.incoming(&sha256);
        // Requests are counted apart: another one ending does not settle this one.
        drop(store.incoming(&sha256));
        let writer = {
            let (store, sha256) = (store.clone(), sha256.clone());
            let first_bytes = photo[..4].to_vec();
            tokio::spawn(async move {
                // The caller's session is still being checked when the phone asks.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                let result = store.append(&sha256, 0, 10, chunk(&first_bytes)).await;
                drop(arrived);
                result
            })
        };
        store.settled(&sha256).await;
        assert_eq!(
            store.partial(&sha256).await.expect("readable"),
            Some(FOUR_OF_TEN)
        );
        assert!(matches!(
            writer.await.expect("writer"),
            Ok(Appended::Partial(4))
        ));
    }

    #[tokio::test]
    async fn over_the_limit_is_refused_before_reading() {
        let dir = tempfile::tempdir().expect("temp dir");
        let [store, _] = stores(&dir);
        let result = store.append(&sha(b"x"), 0, 1001, chunk(b"x")).await;
        assert!(matches!(result, Err(StoreError::TooLarge { limit: 1000 })));
    }
}
