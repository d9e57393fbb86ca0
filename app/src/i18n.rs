//! Translations: every user-facing sentence lives in `locales/*.json`, keyed the same in each.
//! The server words its error messages with the same tables the pages use.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The interface language; Chinese first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The cookie that remembers the language switch, read by the server so it renders the same.
pub const LANG_COOKIE: &str = "lang";

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        let code = code.trim().to_ascii_lowercase();
        if code.starts_with("zh") {
            Some(Lang::Zh)
        } else if code.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language of an `Accept-Language` header, in the client's order.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .find_map(Lang::from_code)
    }

    /// The language a `Cookie` header chose with the switch, if any.
    pub fn from_cookie_header(header: &str) -> Option<Lang> {
        header.split(';').find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == LANG_COOKIE)
                .then(|| Lang::from_code(value))
                .flatten()
        })
    }

    fn table(self) -> &'static HashMap<String, String> {
        static ZH: OnceLock<HashMap<String, String>> = OnceLock::new();
        static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
        match self {
            Lang::Zh => ZH.get_or_init(|| parse(include_str!("../locales/zh-CN.json"))),
            Lang::En => EN.get_or_init(|| parse(include_str!("../locales/en.json"))),
        }
    }

    /// The sentence for `key`; the key itself when a translation is missing, so nothing goes blank.
    pub fn t(self, key: &str) -> &'static str {
        match self.table().get(key) {
            Some(text) => text.as_str(),
            None => leak_key(key),
        }
    }

    /// The sentence for `key` with `{name}` placeholders filled in.
    pub fn format(self, key: &str, params: &[(&str, String)]) -> String {
        params
            .iter()
            .fold(self.t(key).to_string(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

/// Whether `text` names the thing `key` stands for: by its code, or in either language by its
/// label or one of the `|`-separated words under `<key>.aliases` (what clerks write in files).
pub fn names(text: &str, key: &str, code: &str) -> bool {
    let text = text.trim();
    let aliases = format!("{key}.aliases");
    text.eq_ignore_ascii_case(code)
        || Lang::ALL.into_iter().any(|lang| {
            text.eq_ignore_ascii_case(lang.t(key))
                || lang
                    .t(&aliases)
                    .split('|')
                    .any(|alias| text.eq_ignore_ascii_case(alias))
        })
}

fn parse(json: &str) -> HashMap<String, String> {
    // The locale files are part of the build and checked by the tests below.
    serde_json::from_str(json).unwrap_or_default()
}

/// Missing keys are rare and fixed once seen; keeping each one costs a few bytes for the process's life.
fn leak_key(key: &str) -> &'static str {
    static MISSING: OnceLock<std::sync::Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut missing = MISSING
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    missing
        .entry(key.to_string())
        .or_insert_with(|| Box::leak(key.to_string().into_boxed_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_parse_and_have_the_same_keys() {
        let zh: HashMap<String, String> =
            serde_json::from_str(include_str!("../locales/zh-CN.json")).expect("zh-CN.json parses");
        let en: HashMap<String, String> =
            serde_json::from_str(include_str!("../locales/en.json")).expect("en.json parses");
        let mut missing_in_en: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        let mut missing_in_zh: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        missing_in_en.sort();
        missing_in_zh.sort();
        assert!(missing_in_en.is_empty(), "missing in en: {missing_in_en:?}");
        assert!(
            missing_in_zh.is_empty(),
            "missing in zh-CN: {missing_in_zh:?}"
        );
    }

    #[test]
    fn accept_language_picks_the_first_supported() {
        assert_eq!(
            Lang::from_accept_language("fr-FR,en-US;q=0.8,zh;q=0.5"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9"), Some(Lang::Zh));
        assert_eq!(Lang::from_accept_language("fr"), None);
    }

    #[test]
    fn cookie_header_names_the_switch() {
        assert_eq!(
            Lang::from_cookie_header("a=1; lang=en; b=2"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_cookie_header("slang=en"), None);
    }

    #[test]
    fn names_accepts_codes_labels_and_aliases_in_both_languages() {
        for text in [
            "rolling_only",
            "无炼钢能力轧钢",
            "轧钢",
            "Rolling only",
            "rolling mill",
        ] {
            assert!(names(text, "kind.rolling_only", "rolling_only"), "{text}");
        }
        assert!(!names("炼钢", "kind.rolling_only", "rolling_only"));
    }

    #[test]
    fn format_fills_placeholders_and_missing_keys_fall_back() {
        assert_eq!(Lang::En.t("no.such.key"), "no.such.key");
        let text = Lang::En.format("validation.too_long", &[("max", "200".into())]);
        assert!(text.contains("200"), "{text}");
    }
}
