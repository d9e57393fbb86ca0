//! Integration tests of the whole server: every endpoint, the authorization matrix, the command
//! line and the rendered site. One test binary (linking once) that runs each test on a fresh
//! database: SQLite by default, PostgreSQL when `STEELCHECK_TEST_POSTGRES` is set.
#![allow(clippy::unwrap_used)]

mod common;

mod auth;
mod authorization;
mod cli;
mod enterprises;
mod roster_import;
mod site;
mod sync;
