//! The SteelCheck server: HTTP API, pages, storage and the admin command line.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod http;
pub mod photo_store;
pub mod roster_import;
pub mod sync;
