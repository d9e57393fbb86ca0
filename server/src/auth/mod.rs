//! Who is calling: passwords, sessions and the login rate limit.

pub mod password;
pub mod rate_limit;
pub mod session;

pub use session::{CurrentUser, SESSION_COOKIE};
