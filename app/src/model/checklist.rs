//! The campaign checklist, kept as data in `checklist/checklist.json` (versioned; every
//! inspection records the version it used) and selected per enterprise kind and licence.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::enterprise::EnterpriseKind;
use crate::i18n::Lang;

/// Which part of the work plan an item comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Production,
    Licence,
    Circulation,
}

impl Section {
    pub fn label_key(self) -> &'static str {
        match self {
            Section::Production => "checklist.section.production",
            Section::Licence => "checklist.section.licence",
            Section::Circulation => "checklist.section.circulation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChecklistItem {
    pub code: String,
    pub section: Section,
    pub zh: String,
    pub en: String,
    pub applies_to: Vec<EnterpriseKind>,
    /// Items on licence conditions apply only to holders of a production licence.
    pub licence_holders_only: bool,
    /// Whether the inspector is expected to photograph evidence for this item.
    pub photo_expected: bool,
}

impl ChecklistItem {
    pub fn text(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    pub fn applies(&self, kind: EnterpriseKind, holds_licence: bool) -> bool {
        self.applies_to.contains(&kind) && (holds_licence || !self.licence_holders_only)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checklist {
    pub version: String,
    pub source: String,
    pub items: Vec<ChecklistItem>,
}

impl Checklist {
    /// The checklist this build carries.
    pub fn current() -> &'static Checklist {
        static CURRENT: OnceLock<Checklist> = OnceLock::new();
        CURRENT.get_or_init(|| {
            // The file is part of the build and checked by the tests below.
            serde_json::from_str(include_str!("../../checklist/checklist.json")).unwrap_or(
                Checklist {
                    version: String::new(),
                    source: String::new(),
                    items: Vec::new(),
                },
            )
        })
    }

    /// The items an enterprise of this kind must be checked on, in checklist order.
    pub fn items_for(
        &self,
        kind: EnterpriseKind,
        holds_licence: bool,
    ) -> impl Iterator<Item = &ChecklistItem> {
        self.items
            .iter()
            .filter(move |item| item.applies(kind, holds_licence))
    }

    pub fn item(&self, code: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|item| item.code == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn codes(kind: EnterpriseKind, licence: bool) -> Vec<&'static str> {
        Checklist::current()
            .items_for(kind, licence)
            .map(|item| item.code.as_str())
            .collect()
    }

    #[test]
    fn the_data_file_parses_with_unique_codes_and_both_languages() {
        let parsed: Checklist =
            serde_json::from_str(include_str!("../../checklist/checklist.json"))
                .expect("checklist.json parses");
        assert!(!parsed.version.is_empty());
        let unique: HashSet<_> = parsed.items.iter().map(|item| &item.code).collect();
        assert_eq!(unique.len(), parsed.items.len(), "codes are unique");
        for item in &parsed.items {
            assert!(
                !item.zh.is_empty() && !item.en.is_empty(),
                "{} needs both languages",
                item.code
            );
            assert!(
                !item.applies_to.is_empty(),
                "{} applies to some kind",
                item.code
            );
        }
    }

    #[test]
    fn steel_makers_with_a_licence_get_production_and_licence_items() {
        let found = codes(EnterpriseKind::SteelMaking, true);
        assert!(
            found.contains(&"P01") && found.contains(&"L08"),
            "{found:?}"
        );
        assert!(
            !found.contains(&"P05"),
            "billet source is for rolling-only mills"
        );
        assert!(!found.iter().any(|code| code.starts_with('C')), "{found:?}");
    }

    #[test]
    fn licence_items_need_a_licence() {
        let found = codes(EnterpriseKind::OtherProduction, false);
        assert!(found.contains(&"P02"));
        assert!(!found.iter().any(|code| code.starts_with('L')), "{found:?}");
    }

    #[test]
    fn rolling_only_mills_are_asked_for_billet_sources() {
        assert!(codes(EnterpriseKind::RollingOnly, false).contains(&"P05"));
    }

    #[test]
    fn markets_and_sellers_get_only_circulation_items() {
        for kind in [EnterpriseKind::WholesaleMarket, EnterpriseKind::Seller] {
            assert_eq!(codes(kind, false), ["C01", "C02", "C03", "C04"]);
            assert_eq!(
                codes(kind, true),
                ["C01", "C02", "C03", "C04"],
                "a licence adds nothing"
            );
        }
    }
}
