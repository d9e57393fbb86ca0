//! One file per page.

pub mod enterprise;
pub mod enterprise_form;
pub mod field;
pub mod inspect;
mod item_photos;
pub mod login;
pub mod needs_network;
pub mod not_found;
pub mod roster;
pub mod roster_import;
pub mod split;
