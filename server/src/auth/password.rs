//! Argon2id password hashes. Hashing is deliberately slow and needs 19 MiB of working memory,
//! so it runs on one thread of its own that keeps that memory for every hash. Allocated per hash
//! on the blocking pool, the allocator kept each thread's 19 MiB: the server held 250 MB after
//! the 13 demo accounts and 407 MB after 8 concurrent logins (measured 2026-11-28). Bursts of
//! logins queue instead.

use std::sync::mpsc::Sender;
use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::AppError;

pub const MIN_LENGTH: usize = 8;

/// Checks a new password before it is hashed; the error is a translation key.
pub fn check_new(password: &str) -> Result<(), &'static str> {
    if password.chars().count() < MIN_LENGTH {
        Err("password.too_short")
    } else {
        Ok(())
    }
}

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) for a new password.
pub async fn hash(password: String) -> Result<String, AppError> {
    on_hashing_thread(move |memory| {
        let salt = SaltString::generate(&mut OsRng);
        phc_string(&password, &salt, memory)
            .map_err(|error| AppError::Internal(format!("hashing a password: {error}")))
    })
    .await?
}

/// Whether `password` matches `stored`. With no stored hash (unknown user) a dummy hash is checked,
/// so the answer takes as long and does not reveal which usernames exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    let stored = match stored {
        Some(stored) => stored,
        None => dummy_hash().await?,
    };
    on_hashing_thread(move |memory| matches(&password, &stored, memory)).await
}

fn phc_string(
    password: &str,
    salt: &SaltString,
    memory: &mut Vec<Block>,
) -> argon2::password_hash::Result<String> {
    let params = Params::default();
    let output = compute(password, salt.as_salt(), &params, Version::V0x13, memory)?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Recomputes the hash with the stored salt and parameters; `Output` compares in constant time.
/// A stored value that is not an Argon2id hash matches nothing.
fn matches(password: &str, stored: &str, memory: &mut Vec<Block>) -> bool {
    let mut recomputed = || {
        let phc = PasswordHash::new(stored).ok()?;
        if Algorithm::try_from(phc.algorithm).ok()? != Algorithm::Argon2id {
            return Some(false);
        }
        let version = phc.version.map(Version::try_from).transpose().ok()?;
        let params = Params::try_from(&phc).ok()?;
        let output = compute(
            password,
            phc.salt?,
            &params,
            version.unwrap_or_default(),
            memory,
        );
        Some(output.ok()? == phc.hash?)
    };
    recomputed().unwrap_or(false)
}

/// Argon2id of `password`, in `memory` (grown once to what the parameters need).
fn compute(
    password: &str,
    salt: argon2::password_hash::Salt,
    params: &Params,
    version: Version,
    memory: &mut Vec<Block>,
) -> argon2::password_hash::Result<Output> {
    if memory.len() < params.block_count() {
        memory.resize(params.block_count(), Block::default());
    }
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(Algorithm::Argon2id, version, params.clone());
    let length = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    Output::init_with(length, |out| {
        argon2
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                out,
                &mut memory[..params.block_count()],
            )
            .map_err(Into::into)
    })
}

type HashingJob = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Runs `work` on the password-hashing thread, with its memory, and waits without blocking.
async fn on_hashing_thread<T: Send + 'static>(
    work: impl FnOnce(&mut Vec<Block>) -> T + Send + 'static,
) -> Result<T, AppError> {
    static WORKER: OnceLock<Sender<HashingJob>> = OnceLock::new();
    let worker = WORKER.get_or_init(|| {
        let (sender, jobs) = std::sync::mpsc::channel::<HashingJob>();
        // Should the thread fail to start, `jobs` is dropped and every send below fails.
        let _ = std::thread::Builder::new()
            .name("password-hashing".into())
            .spawn(move || {
                let mut memory = Vec::new();
                jobs.into_iter().for_each(|job| job(&mut memory));
            });
        sender
    });
    let (reply, answer) = tokio::sync::oneshot::channel();
    worker
        .send(Box::new(move |memory| {
            // The caller may have gone (a dropped request); the result is then not needed.
            let _ = reply.send(work(memory));
        }))
        .map_err(|_| AppError::Internal("the password-hashing thread is not running".into()))?;
    answer
        .await
        .map_err(|_| AppError::Internal("the password-hashing thread stopped".into()))
}

/// A hash of no one's password, made once, for checks of unknown usernames.
async fn dummy_hash() -> Result<String, AppError> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    DUMMY
        .get_or_try_init(|| hash("not a real password".to_string()))
        .await
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let stored = hash("correct horse".into()).await.expect("hashes");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(verify("correct horse".into(), Some(stored.clone()))
            .await
            .expect("verifies"));
        assert!(!verify("wrong horse".into(), Some(stored))
            .await
            .expect("verifies"));
        assert!(!verify("anything".into(), None).await.expect("verifies"));
    }

    #[tokio::test]
    async fn hashes_made_by_the_argon2_crate_itself_verify() {
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut OsRng);
        let stored = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .expect("hashes")
            .to_string();
        assert!(verify("correct horse".into(), Some(stored.clone()))
            .await
            .expect("verifies"));
        assert!(!verify("correct hors".into(), Some(stored))
            .await
            .expect("verifies"));
        assert!(!verify("x".into(), Some("not a hash".into()))
            .await
            .expect("verifies"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(check_new("1234567"), Err("password.too_short"));
        assert_eq!(check_new("12345678"), Ok(()));
    }
}
