//! Unified social credit code (统一社会信用代码) validation per GB 32100-2015.
//!
//! Layout of the 18 characters:
//! 1 registration authority, 2 organisation category, 3-8 region (GB/T 2260),
//! 9-17 organisation code (GB 11714, its own check digit at 17), 18 check character.

/// The GB 32100 character set; a character's index is its value in the check sum.
/// I, O, Z, S and V are left out because they are easily misread as 1, 0, 2, 5 and U.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100 weights for positions 1-17: 3^i mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 weights for the eight-character organisation code body.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Registration authority codes (登记管理部门代码). GB 32100-2015 names 1 机构编制,
/// 5 民政, 9 工商 and Y 其他; the table in use since then adds 2 外交, 3 司法行政,
/// 4 文化, 6 旅游, 7 宗教, 8 工会, A 中央军委改革和编制办公室 and N 农业. All twelve
/// are accepted so that a genuine code from any authority passes.
const REGISTRATION_AUTHORITIES: &[u8] = b"123456789ANY";

/// Why a unified social credit code was refused; each variant names the rule that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreditCodeError {
    /// Nothing was entered.
    Empty,
    /// The code must be 18 characters long.
    Length { found: usize },
    /// A character outside 0-9 and A-Z without I, O, Z, S, V; `position` is 1-based
    /// and counts characters of the normalised code.
    InvalidCharacter { position: usize, found: char },
    /// The first character is not a registration authority code.
    RegistrationAuthority { found: char },
    /// Characters 3-8 must be a six-digit administrative region code.
    RegionCode { found: String },
    /// Character 17 does not match the GB 11714 check digit over characters 9-16.
    OrganisationCheckDigit { expected: char, found: char },
    /// Character 18 does not match the GB 32100 check character.
    CheckCharacter { expected: char, found: char },
}

impl CreditCodeError {
    /// Translation key for this error, e.g. "credit_code.length".
    pub fn message_key(&self) -> &'static str {
        match self {
            Self::Empty => "credit_code.empty",
            Self::Length { .. } => "credit_code.length",
            Self::InvalidCharacter { .. } => "credit_code.invalid_character",
            Self::RegistrationAuthority { .. } => "credit_code.registration_authority",
            Self::RegionCode { .. } => "credit_code.region_code",
            Self::OrganisationCheckDigit { .. } => "credit_code.organisation_check_digit",
            Self::CheckCharacter { .. } => "credit_code.check_character",
        }
    }

    /// Named values the translated message interpolates, e.g. [("found", "17")].
    pub fn params(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Empty => Vec::new(),
            Self::Length { found } => vec![("found", found.to_string())],
            Self::InvalidCharacter { position, found } => {
                vec![
                    ("position", position.to_string()),
                    ("found", found.to_string()),
                ]
            }
            Self::RegistrationAuthority { found } => vec![("found", found.to_string())],
            Self::RegionCode { found } => vec![("found", found.clone())],
            Self::OrganisationCheckDigit { expected, found }
            | Self::CheckCharacter { expected, found } => {
                vec![
                    ("expected", expected.to_string()),
                    ("found", found.to_string()),
                ]
            }
        }
    }
}

/// Normalises (trim, remove inner spaces, uppercase, full-width ASCII to half-width)
/// and validates; returns the normalised code.
pub fn validate_credit_code(raw: &str) -> Result<String, CreditCodeError> {
    let code = normalise(raw);
    let chars: Vec<char> = code.chars().collect();
    if chars.is_empty() {
        return Err(CreditCodeError::Empty);
    }
    if chars.len() != 18 {
        return Err(CreditCodeError::Length { found: chars.len() });
    }
    let mut values = [0u32; 18];
    for (i, &c) in chars.iter().enumerate() {
        values[i] = value_of(c).ok_or(CreditCodeError::InvalidCharacter {
            position: i + 1,
            found: c,
        })?;
    }
    // Every char is now in ALPHABET, hence ASCII, so byte slicing below is safe.
    let bytes = code.as_bytes();
    if !REGISTRATION_AUTHORITIES.contains(&bytes[0]) {
        return Err(CreditCodeError::RegistrationAuthority { found: chars[0] });
    }
    if !bytes[2..8].iter().all(u8::is_ascii_digit) {
        return Err(CreditCodeError::RegionCode {
            found: code[2..8].to_string(),
        });
    }
    let org_expected = organisation_check_digit(&bytes[8..16]);
    if chars[16] != org_expected {
        return Err(CreditCodeError::OrganisationCheckDigit {
            expected: org_expected,
            found: chars[16],
        });
    }
    let expected = check_from_values(&values[..17]);
    if chars[17] != expected {
        return Err(CreditCodeError::CheckCharacter {
            expected,
            found: chars[17],
        });
    }
    Ok(code)
}

/// Computes the GB 32100 check character for the first 17 characters (used by tests
/// and demo data generation). Expects already-normalised input; returns `None` unless
/// it is exactly 17 characters of the code's character set.
pub fn check_character(first17: &str) -> Option<char> {
    let values = first17
        .chars()
        .map(value_of)
        .collect::<Option<Vec<u32>>>()?;
    (values.len() == 17).then(|| check_from_values(&values))
}

/// Applies the lenient input rules: clerks paste codes from PDFs, spreadsheets and
/// Chinese input methods, which bring stray spaces, full-width forms and lowercase.
fn normalise(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // Full-width forms U+FF01..U+FF5E mirror ASCII U+0021..U+007E.
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Value of `c` in the GB 32100 check sum, `None` if it is not in the character set.
fn value_of(c: char) -> Option<u32> {
    let byte = u8::try_from(c).ok()?;
    // The index is below 31, so the cast cannot truncate.
    ALPHABET.iter().position(|&a| a == byte).map(|i| i as u32)
}

/// GB 32100: C18 = 31 - (Σ value·weight mod 31), where 31 wraps to '0'.
fn check_from_values(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let index = (31 - sum % 31) % 31;
    char::from(ALPHABET[index as usize])
}

/// GB 11714: C9 = 11 - (Σ value·weight mod 11), with 10 → 'X' and 11 → '0'.
/// Letters count A=10 … Z=35 here, unlike in the GB 32100 sum.
fn organisation_check_digit(body: &[u8]) -> char {
    let sum: u32 = body
        .iter()
        .zip(ORG_WEIGHTS)
        .map(|(&b, w)| {
            let v = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                u32::from(b - b'A') + 10
            };
            v * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from(b'0' + d as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real codes published by their holders or in public records.
    const REAL_CODES: &[(&str, &str)] = &[
        // 华为技术有限公司 (Wikipedia infobox)
        ("914403001922038216", "Huawei"),
        // 中航重机股份有限公司 (Tianyancha API sample record)
        ("91520000214434146R", "AVIC Heavy Machinery"),
        // Tencent, as producer ID in its AIGC content labels
        ("91440300708461136T", "Tencent"),
        // 谷歌信息技术（中国）有限公司
        ("91110108795101314G", "Google China"),
        // 厦门象屿集团有限公司: organisation check digit 'X'
        ("9135020026015919XW", "Xiangyu Group"),
        // 北京弘利宜居房地产开发有限公司: org check 'X', and the 31 → '0' wrap
        ("91110109MA00GT10X0", "Beijing Hongli Yiju"),
        // GB 32100-2015 worked example
        ("91350100M000100Y43", "standard example"),
        // 个体工商户 (second character 2); the second has org check via 11 → '0'
        ("92110108MA00GTG727", "individual business, Haidian"),
        ("92110116MA00GT310K", "individual business, Huairou"),
        ("92420102MAKJME5F3R", "individual business, Wuhan"),
    ];

    #[test]
    fn accepts_real_codes() {
        for (code, holder) in REAL_CODES {
            assert_eq!(validate_credit_code(code).as_deref(), Ok(*code), "{holder}");
            assert_eq!(
                check_character(&code[..17]),
                code.chars().nth(17),
                "{holder}"
            );
        }
    }

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1;
        for weight in WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn normalises_case_spaces_and_full_width() {
        let expected = Ok("9135020026015919XW".to_string());
        assert_eq!(validate_credit_code("  9135020026015919xw \n"), expected);
        assert_eq!(validate_credit_code("913502 0026 015919 XW"), expected);
        assert_eq!(
            validate_credit_code("９１３５０２\u{3000}００２６０１５９１９ｘＷ"),
            expected
        );
    }

    #[test]
    fn rejects_empty_input() {
        assert_eq!(validate_credit_code(""), Err(CreditCodeError::Empty));
        assert_eq!(
            validate_credit_code(" \t\u{3000}"),
            Err(CreditCodeError::Empty)
        );
    }

    #[test]
    fn rejects_wrong_length() {
        assert_eq!(
            validate_credit_code("91440300192203821"),
            Err(CreditCodeError::Length { found: 17 })
        );
        // Old 9-character organisation code pasted by mistake.
        assert_eq!(
            validate_credit_code("19220382-1"),
            Err(CreditCodeError::Length { found: 10 })
        );
    }

    #[test]
    fn rejects_characters_outside_the_set() {
        assert_eq!(
            validate_credit_code("9144030019220382I6"),
            Err(CreditCodeError::InvalidCharacter {
                position: 17,
                found: 'I'
            })
        );
        assert_eq!(
            validate_credit_code("91440300192203821号"),
            Err(CreditCodeError::InvalidCharacter {
                position: 18,
                found: '号'
            })
        );
        assert_eq!(
            validate_credit_code("9144-300192203821X"),
            Err(CreditCodeError::InvalidCharacter {
                position: 5,
                found: '-'
            })
        );
    }

    #[test]
    fn rejects_unknown_registration_authority() {
        assert_eq!(
            validate_credit_code("014403001922038216"),
            Err(CreditCodeError::RegistrationAuthority { found: '0' })
        );
        assert_eq!(
            validate_credit_code("B14403001922038216"),
            Err(CreditCodeError::RegistrationAuthority { found: 'B' })
        );
    }

    #[test]
    fn rejects_non_numeric_region() {
        assert_eq!(
            validate_credit_code("9144A3001922038216"),
            Err(CreditCodeError::RegionCode {
                found: "44A300".to_string()
            })
        );
    }

    #[test]
    fn rejects_wrong_organisation_check_digit() {
        assert_eq!(
            validate_credit_code("914403001922038316"),
            Err(CreditCodeError::OrganisationCheckDigit {
                expected: 'X',
                found: '1'
            })
        );
    }

    #[test]
    fn rejects_wrong_check_character() {
        assert_eq!(
            validate_credit_code("914403001922038217"),
            Err(CreditCodeError::CheckCharacter {
                expected: '6',
                found: '7'
            })
        );
        // Early Xiamen pilot code, genuine but not conforming to GB 32100.
        assert_eq!(
            validate_credit_code("91350211M0000XUF46"),
            Err(CreditCodeError::CheckCharacter {
                expected: 'R',
                found: '6'
            })
        );
    }

    #[test]
    fn check_character_needs_17_valid_characters() {
        assert_eq!(check_character("91440300192203821"), Some('6'));
        assert_eq!(check_character("9144030019220382"), None);
        assert_eq!(check_character("914403001922038216"), None);
        assert_eq!(check_character("91440300192203821i"), None);
    }

    #[test]
    fn message_keys_and_params() {
        let err = CreditCodeError::Length { found: 17 };
        assert_eq!(err.message_key(), "credit_code.length");
        assert_eq!(err.params(), vec![("found", "17".to_string())]);

        let err = CreditCodeError::InvalidCharacter {
            position: 3,
            found: 'I',
        };
        assert_eq!(err.message_key(), "credit_code.invalid_character");
        assert_eq!(
            err.params(),
            vec![("position", "3".to_string()), ("found", "I".to_string())]
        );

        let err = CreditCodeError::CheckCharacter {
            expected: '6',
            found: '7',
        };
        assert_eq!(err.message_key(), "credit_code.check_character");
        assert_eq!(
            err.params(),
            vec![("expected", "6".to_string()), ("found", "7".to_string())]
        );

        assert_eq!(CreditCodeError::Empty.message_key(), "credit_code.empty");
        assert!(CreditCodeError::Empty.params().is_empty());
    }
}
