//! The enterprise roster: who the campaign must inspect.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::credit_code::validate_credit_code;
use super::error::Violation;

/// What an enterprise does, which decides the checklist items that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseKind {
    SteelMaking,
    RollingOnly,
    OtherProduction,
    WholesaleMarket,
    Seller,
}

impl EnterpriseKind {
    pub const ALL: [EnterpriseKind; 5] = [
        EnterpriseKind::SteelMaking,
        EnterpriseKind::RollingOnly,
        EnterpriseKind::OtherProduction,
        EnterpriseKind::WholesaleMarket,
        EnterpriseKind::Seller,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseKind::SteelMaking => "steel_making",
            EnterpriseKind::RollingOnly => "rolling_only",
            EnterpriseKind::OtherProduction => "other_production",
            EnterpriseKind::WholesaleMarket => "wholesale_market",
            EnterpriseKind::Seller => "seller",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            EnterpriseKind::SteelMaking => "kind.steel_making",
            EnterpriseKind::RollingOnly => "kind.rolling_only",
            EnterpriseKind::OtherProduction => "kind.other_production",
            EnterpriseKind::WholesaleMarket => "kind.wholesale_market",
            EnterpriseKind::Seller => "kind.seller",
        }
    }
}

/// Whether the enterprise is still producing or trading (the work plan tracks the ones that stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatingStatus {
    Operating,
    Suspended,
    Converted,
    Ceased,
}

impl OperatingStatus {
    pub const ALL: [OperatingStatus; 4] = [
        OperatingStatus::Operating,
        OperatingStatus::Suspended,
        OperatingStatus::Converted,
        OperatingStatus::Ceased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OperatingStatus::Operating => "operating",
            OperatingStatus::Suspended => "suspended",
            OperatingStatus::Converted => "converted",
            OperatingStatus::Ceased => "ceased",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == text)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            OperatingStatus::Operating => "status.operating",
            OperatingStatus::Suspended => "status.suspended",
            OperatingStatus::Converted => "status.converted",
            OperatingStatus::Ceased => "status.ceased",
        }
    }
}

/// A WGS 84 position, in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

/// An enterprise on the roster, as the API returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enterprise {
    pub id: Uuid,
    pub office_code: String,
    pub office_name: String,
    pub name: String,
    pub credit_code: String,
    pub address: String,
    pub kind: EnterpriseKind,
    pub licence_no: Option<String>,
    pub licence_scope: Option<String>,
    pub licence_expiry: Option<NaiveDate>,
    pub status: OperatingStatus,
    pub location: Option<Location>,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How a production licence stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceState {
    None,
    Valid,
    ExpiringSoon,
    Expired,
}

/// Licences expiring within this many days are flagged, so the office can act before they lapse.
pub const LICENCE_WARNING_DAYS: i64 = 30;

impl Enterprise {
    pub fn licence_state(&self, today: NaiveDate) -> LicenceState {
        match self.licence_expiry {
            None => LicenceState::None,
            Some(expiry) if expiry < today => LicenceState::Expired,
            Some(expiry) if (expiry - today).num_days() <= LICENCE_WARNING_DAYS => {
                LicenceState::ExpiringSoon
            }
            Some(_) => LicenceState::Valid,
        }
    }

    /// The editable fields, for prefilling the edit form.
    pub fn to_input(&self) -> EnterpriseInput {
        EnterpriseInput {
            office_code: Some(self.office_code.clone()),
            name: self.name.clone(),
            credit_code: self.credit_code.clone(),
            address: self.address.clone(),
            kind: self.kind,
            licence_no: self.licence_no.clone(),
            licence_scope: self.licence_scope.clone(),
            licence_expiry: self.licence_expiry,
            status: self.status,
            location: self.location,
            notes: self.notes.clone(),
        }
    }
}

/// What `POST /api/v1/enterprises` and `PUT /api/v1/enterprises/{id}` accept, and what an import row becomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterpriseInput {
    /// Which office supervises it; heads may leave it out (their own office is taken).
    #[serde(default)]
    pub office_code: Option<String>,
    pub name: String,
    pub credit_code: String,
    #[serde(default)]
    pub address: String,
    pub kind: EnterpriseKind,
    #[serde(default)]
    pub licence_no: Option<String>,
    #[serde(default)]
    pub licence_scope: Option<String>,
    #[serde(default)]
    pub licence_expiry: Option<NaiveDate>,
    #[serde(default = "operating")]
    pub status: OperatingStatus,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub notes: String,
}

fn operating() -> OperatingStatus {
    OperatingStatus::Operating
}

const MAX_NAME: usize = 200;
const MAX_ADDRESS: usize = 300;
const MAX_LICENCE_FIELD: usize = 200;
const MAX_NOTES: usize = 2000;

impl EnterpriseInput {
    /// Trims every text, normalises the credit code and blank optionals, then checks every rule;
    /// all broken rules are reported together so the clerk can fix them in one pass.
    pub fn validated(mut self) -> Result<Self, Vec<Violation>> {
        let mut violations = Vec::new();
        self.name = self.name.trim().to_string();
        self.address = self.address.trim().to_string();
        self.notes = self.notes.trim().to_string();
        self.office_code = non_blank(self.office_code);
        self.licence_no = non_blank(self.licence_no);
        self.licence_scope = non_blank(self.licence_scope);

        if self.name.is_empty() {
            violations.push(Violation::new("name", "validation.required"));
        }
        check_length(&mut violations, "name", &self.name, MAX_NAME);
        check_length(&mut violations, "address", &self.address, MAX_ADDRESS);
        check_length(&mut violations, "notes", &self.notes, MAX_NOTES);
        for (field, value) in [
            ("licence_no", &self.licence_no),
            ("licence_scope", &self.licence_scope),
        ] {
            if let Some(value) = value {
                check_length(&mut violations, field, value, MAX_LICENCE_FIELD);
            }
        }
        match validate_credit_code(&self.credit_code) {
            Ok(code) => self.credit_code = code,
            Err(error) => violations.push(Violation {
                field: "credit_code",
                key: error.message_key(),
                params: error.params(),
            }),
        }
        if self.licence_expiry.is_some() && self.licence_no.is_none() {
            violations.push(Violation::new(
                "licence_no",
                "validation.licence_no_for_expiry",
            ));
        }
        if let Some(location) = self.location {
            let on_earth =
                (-90.0..=90.0).contains(&location.lat) && (-180.0..=180.0).contains(&location.lng);
            if !on_earth {
                violations.push(Violation::new("location", "validation.location"));
            }
        }
        if violations.is_empty() {
            Ok(self)
        } else {
            Err(violations)
        }
    }
}

fn non_blank(value: Option<String>) -> Option<String> {
    value
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
}

fn check_length(violations: &mut Vec<Violation>, field: &'static str, value: &str, max: usize) {
    let length = value.chars().count();
    if length > max {
        violations.push(Violation::new(field, "validation.too_long").with("max", max));
    }
}

/// One page of `GET /api/v1/enterprises`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnterprisePage {
    pub items: Vec<Enterprise>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// What a successful roster import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub created: usize,
    pub updated: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real, published code (Huawei Technologies Co., Ltd.).
    const VALID_CODE: &str = "914403001922038216";

    fn input() -> EnterpriseInput {
        EnterpriseInput {
            office_code: Some(" XL01 ".into()),
            name: "  Example Steel  ".into(),
            credit_code: format!(" {} ", VALID_CODE.to_lowercase()),
            address: "1 Road".into(),
            kind: EnterpriseKind::SteelMaking,
            licence_no: Some("  ".into()),
            licence_scope: None,
            licence_expiry: None,
            status: OperatingStatus::Operating,
            location: None,
            notes: String::new(),
        }
    }

    #[test]
    fn validation_trims_and_normalises() {
        let clean = input().validated().expect("input is valid");
        assert_eq!(clean.name, "Example Steel");
        assert_eq!(clean.credit_code, VALID_CODE);
        assert_eq!(clean.office_code.as_deref(), Some("XL01"));
        assert_eq!(clean.licence_no, None);
    }

    #[test]
    fn validation_reports_every_broken_rule() {
        let mut bad = input();
        bad.name = " ".into();
        bad.credit_code = "123".into();
        bad.licence_expiry = NaiveDate::from_ymd_opt(2030, 1, 1);
        bad.location = Some(Location {
            lat: 120.0,
            lng: 30.0,
        });
        let violations = bad.validated().expect_err("input is invalid");
        let fields: Vec<_> = violations.iter().map(|v| v.field).collect();
        assert_eq!(fields, ["name", "credit_code", "licence_no", "location"]);
    }

    #[test]
    fn licence_state_flags_expiry_within_thirty_days() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date");
        let mut enterprise = Enterprise {
            id: Uuid::nil(),
            office_code: "XL01".into(),
            office_name: "Office".into(),
            name: "E".into(),
            credit_code: String::new(),
            address: String::new(),
            kind: EnterpriseKind::Seller,
            licence_no: None,
            licence_scope: None,
            licence_expiry: None,
            status: OperatingStatus::Operating,
            location: None,
            notes: String::new(),
            created_at: DateTime::<Utc>::MIN_UTC,
            updated_at: DateTime::<Utc>::MIN_UTC,
        };
        assert_eq!(enterprise.licence_state(today), LicenceState::None);
        for (days, state) in [
            (-1, LicenceState::Expired),
            (0, LicenceState::ExpiringSoon),
            (30, LicenceState::ExpiringSoon),
            (31, LicenceState::Valid),
        ] {
            enterprise.licence_expiry = Some(today + chrono::Duration::days(days));
            assert_eq!(enterprise.licence_state(today), state, "{days} days");
        }
    }
}
