//! Argon2id password hashes. Hashing is deliberately slow, so it runs off the async threads.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

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

pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|error| AppError::Internal(format!("hashing a password: {error}")))
    })
    .await
    .map_err(|error| AppError::Internal(format!("hashing task: {error}")))?
}

/// Whether `password` matches `stored`. With no stored hash (unknown user) a dummy hash is checked,
/// so the answer takes as long and does not reveal which usernames exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let stored = stored.unwrap_or_else(dummy_hash);
        let matches = PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        Ok(matches)
    })
    .await
    .map_err(|error| AppError::Internal(format!("verifying task: {error}")))?
}

fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(b"not a real password", &salt)
                .map(|hash| hash.to_string())
                .unwrap_or_default()
        })
        .clone()
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

    #[test]
    fn short_passwords_are_refused() {
        assert_eq!(check_new("1234567"), Err("password.too_short"));
        assert_eq!(check_new("12345678"), Ok(()));
    }
}
