//! The error body every endpoint answers with, and the validation findings behind a 422.

use serde::{Deserialize, Serialize};

/// `{ "error": "<code>", "message": "<human sentence>" }`, plus per-field or per-row details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub error: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<FieldError>,
    /// Photos an inspection names that the server does not hold yet (409 `missing_photos`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_photos: Vec<String>,
}

/// One thing wrong with the input: which field (and row, for imports), and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<usize>,
    pub field: String,
    pub message: String,
}

/// A rule an input broke, before it is put into words: a translation key and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: &'static str,
    pub key: &'static str,
    pub params: Vec<(&'static str, String)>,
}

impl Violation {
    pub fn new(field: &'static str, key: &'static str) -> Self {
        Self {
            field,
            key,
            params: Vec::new(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl ToString) -> Self {
        self.params.push((name, value.to_string()));
        self
    }
}
