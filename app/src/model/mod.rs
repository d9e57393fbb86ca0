//! Domain types both sides share: what travels over `/api/v1` and what both validate.

pub mod account;
pub mod checklist;
pub mod credit_code;
pub mod enterprise;
pub mod error;
pub mod inspection;
pub mod sync;

pub use account::{Me, Office, Role};
pub use enterprise::{
    Enterprise, EnterpriseInput, EnterpriseKind, EnterprisePage, ImportReport, LicenceState,
    Location, OperatingStatus,
};
pub use error::{ApiErrorBody, FieldError, Violation};
