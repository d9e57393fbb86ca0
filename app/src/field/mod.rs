//! What the phone keeps for work with no network: the local store (IndexedDB), the evidence in
//! it, and the sync loop that takes the outbox to the server and brings the roster back. Pages
//! read and write drafts only through here.

pub mod draft;
pub mod evidence;
pub mod photo;
pub mod store;
pub mod sync;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The phone's clock (chrono's own clock is not available in the browser build).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// A UUIDv7 made on the phone: time-ordered, with 74 random bits from the browser's CSPRNG.
pub fn new_id() -> Uuid {
    let mut random = [0u8; 10];
    if let Some(crypto) = web_sys::window().and_then(|window| window.crypto().ok()) {
        // Without a CSPRNG the ids would collide; every supported browser has one.
        let _ = crypto.get_random_values_with_u8_array(&mut random);
    }
    uuid::Builder::from_unix_timestamp_millis(now().timestamp_millis() as u64, &random).into_uuid()
}
