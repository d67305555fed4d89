//! Norwegian phone numbers, as customers type them and as Norvalt stores,
//! shows and texts them. Every caller (form, Meta, importer mail, SMS
//! routing, settings, follow-ups, the reply writer) goes through here, so a
//! number is read the same way wherever it arrives.
//!
//! Norway's numbers are eight digits with no trunk prefix; the country code
//! is 47 (`+47`, `0047`). Mobiles begin with 4 or 9 (Nkom's plan), and 59 is
//! allocated to mobile operators too. So "47 65 43 21" is a Norwegian mobile,
//! not a country code followed by six digits.
//!
//! Why not the `phonenumber` crate alone: with Norway as the default region,
//! `phonenumber` 0.3.10 (metadata 9.0.33) strips a leading 47 from an
//! eight-digit number as if it were the country code, so `47123456` becomes
//! `+47 123456` and is rejected; and its metadata lists 59 as neither fixed
//! nor mobile, which refuses Twilio's Norwegian numbers (`+47 59 44 00 00`).
//! Norwegian numbers are therefore read by the rules below, and the crate
//! reads every other country's numbers.

/// The shortest and longest raw text read as a phone number.
const MAX_RAW_LEN: usize = 32;

/// What a Norwegian number is for: whether it can receive an SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NorwegianKind {
    Mobile,
    Fixed,
    /// 800 free phone, 810 shared cost, 82x premium, 85x VoIP, 880 personal.
    Service,
}

/// The number in E.164 (`+4791234567`), or `None` when it is not a number
/// anyone can call. Numbers without a country code are Norwegian; `+`, `00`
/// and a bare `47` before eight Norwegian digits are understood; spaces,
/// dots, dashes, slashes and parentheses are ignored.
pub fn parse(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_RAW_LEN {
        return None;
    }
    let mut digits = String::with_capacity(raw.len());
    let mut plus = false;
    for c in raw.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !plus => plus = true,
            ' ' | '\u{a0}' | '.' | '-' | '/' | '(' | ')' => {}
            _ => return None,
        }
    }
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    match international {
        Some(number) => match number.strip_prefix("47") {
            Some(national) => norwegian(national),
            None => foreign(number),
        },
        None => match digits.len() {
            8 => norwegian(&digits),
            // "47 912 34 567": the country code without its plus.
            10 => digits.strip_prefix("47").and_then(norwegian),
            _ => None,
        },
    }
}

/// A Norwegian mobile (which can receive an SMS), or any foreign number in
/// E.164 (we cannot tell foreign mobiles from landlines; Twilio refuses the
/// latter and the send fails visibly).
pub fn is_mobile(e164: &str) -> bool {
    match e164.strip_prefix("+47") {
        Some(national) => kind(national) == Some(NorwegianKind::Mobile),
        None => e164.starts_with('+'),
    }
}

/// The country calling code of an E.164 number as digits ("47", "46",
/// "358"), for the countries a dealership allows automatic SMS to.
pub fn country_code(e164: &str) -> Option<String> {
    // Norwegian numbers, nearly all of them, never load libphonenumber's
    // metadata (about 45 ms of CPU the first time, docs/benchmarks.md).
    if e164.strip_prefix("+47").is_some_and(|n| kind(n).is_some()) {
        return Some("47".into());
    }
    let number = phonenumber::parse(None, e164).ok()?;
    Some(number.code().value().to_string())
}

/// A +47 number as Norwegians write it: "912 34 567" for mobiles,
/// "32 21 00 00" for landlines, "800 12 345" for service numbers; other
/// numbers unchanged.
pub fn readable(e164: &str) -> String {
    let Some(n) = e164.strip_prefix("+47") else {
        return e164.to_string();
    };
    match kind(n) {
        Some(NorwegianKind::Mobile | NorwegianKind::Service) => {
            format!("{} {} {}", &n[..3], &n[3..5], &n[5..])
        }
        Some(NorwegianKind::Fixed) => {
            format!("{} {} {} {}", &n[..2], &n[2..4], &n[4..6], &n[6..])
        }
        None => e164.to_string(),
    }
}

fn norwegian(national: &str) -> Option<String> {
    kind(national).map(|_| format!("+47{national}"))
}

/// Nkom's eight-digit plan. 58 is twelve-digit machine-to-machine, so an
/// eight-digit 58 number is a typo; 0 and 1 begin short codes only.
fn kind(national: &str) -> Option<NorwegianKind> {
    if national.len() != 8 || !national.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let b = national.as_bytes();
    match (b[0], b[1], b[2]) {
        (b'4' | b'9', _, _) | (b'5', b'9', _) => Some(NorwegianKind::Mobile),
        (b'5', b'8', _) => None,
        (b'2' | b'3' | b'5' | b'6' | b'7', _, _) => Some(NorwegianKind::Fixed),
        (b'8', b'0', b'0' | b'1') | (b'8', b'1', _) | (b'8', b'2', b'0' | b'9') => {
            Some(NorwegianKind::Service)
        }
        (b'8', b'5', _) | (b'8', b'8', b'0') => Some(NorwegianKind::Service),
        _ => None,
    }
}

/// Another country's number (digits after the calling code's `+`), checked
/// against libphonenumber's metadata.
fn foreign(digits: &str) -> Option<String> {
    let number = phonenumber::parse(None, format!("+{digits}")).ok()?;
    phonenumber::is_valid(&number)
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every Norwegian range in the forms people type, and the neighbours.
    #[test]
    fn norwegian_numbers_in_every_form() {
        let cases: &[(&str, Option<&str>)] = &[
            // Mobiles that begin with 47: the country code's digits.
            ("47 65 43 21", Some("+4747654321")),
            ("476 54 321", Some("+4747654321")),
            ("4712 3456", Some("+4747123456")),
            ("47123456", Some("+4747123456")),
            ("478 12 345", Some("+4747812345")),
            ("+47 47 65 43 21", Some("+4747654321")),
            ("0047 476 54 321", Some("+4747654321")),
            ("47 47 65 43 21", Some("+4747654321")),
            ("4747654321", Some("+4747654321")),
            ("+47-476-54-321", Some("+4747654321")),
            ("(+47) 476 54 321", Some("+4747654321")),
            // Other mobiles: 4x, 9x, and 59.
            ("912 34 567", Some("+4791234567")),
            ("91234567", Some("+4791234567")),
            ("912.34.567", Some("+4791234567")),
            ("912-34-567", Some("+4791234567")),
            ("(912) 34 567", Some("+4791234567")),
            ("912 34 567 ", Some("+4791234567")),
            ("+47 912 34 567", Some("+4791234567")),
            ("+4791234567", Some("+4791234567")),
            ("0047 913 22 044", Some("+4791322044")),
            ("47 91 32 20 44", Some("+4791322044")),
            ("4791322044", Some("+4791322044")),
            ("40 61 23 45", Some("+4740612345")),
            ("41 00 00 00", Some("+4741000000")),
            ("45 12 34 56", Some("+4745123456")),
            ("46 12 34 56", Some("+4746123456")),
            ("48 21 19 03", Some("+4748211903")),
            ("99 88 77 66", Some("+4799887766")),
            ("59 44 00 00", Some("+4759440000")),
            ("+4759440000", Some("+4759440000")),
            ("912\u{a0}34\u{a0}567", Some("+4791234567")),
            ("912/34567", Some("+4791234567")),
            // Landlines 2x–7x.
            ("22 33 44 55", Some("+4722334455")),
            ("2233 4455", Some("+4722334455")),
            ("32 21 00 00", Some("+4732210000")),
            ("0047 32 21 00 00", Some("+4732210000")),
            ("+47 51 23 45 67", Some("+4751234567")),
            ("55 12 34 56", Some("+4755123456")),
            ("61 23 45 67", Some("+4761234567")),
            ("73 12 34 56", Some("+4773123456")),
            ("77 12 34 56", Some("+4777123456")),
            ("47 22 33 44 55", Some("+4722334455")),
            // Service numbers.
            ("800 12 345", Some("+4780012345")),
            ("810 12 345", Some("+4781012345")),
            ("+47 850 12 345", Some("+4785012345")),
            // Neighbours keep their country.
            ("+46 70 123 45 67", Some("+46701234567")),
            ("0046 70 123 45 67", Some("+46701234567")),
            ("+45 20 12 34 56", Some("+4520123456")),
            ("0045 20123456", Some("+4520123456")),
            ("+358 40 123 4567", Some("+358401234567")),
            ("+44 7911 123456", Some("+447911123456")),
            ("0044 7911 123456", Some("+447911123456")),
            // Not numbers anyone can call.
            ("", None),
            ("abc", None),
            ("123", None),
            ("12345678", None),
            ("02000", None),
            ("58 12 34 56", None),
            ("+47 12", None),
            ("+47 12345678", None),
            ("+47 912 34 5678", None),
            ("912 34 56", None),
            ("4712345678", None),
            ("912 34 567 ext 2", None),
            ("91234567\r\nBcc: x@y.no", None),
            ("++4791234567", None),
            ("91+234567", None),
            ("+46 1", None),
            ("9123456789012345678901234567890123", None),
        ];
        let wrong: Vec<String> = cases
            .iter()
            .filter(|(raw, want)| parse(raw).as_deref() != *want)
            .map(|(raw, want)| format!("{raw:?}: got {:?}, want {want:?}", parse(raw)))
            .collect();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn mobiles_are_told_from_landlines() {
        for m in ["+4747654321", "+4791234567", "+4740612345", "+4759440000"] {
            assert!(is_mobile(m), "{m}");
        }
        for f in [
            "+4722334455",
            "+4732210000",
            "+4780012345",
            "+4758123456",
            "+47912",
        ] {
            assert!(!is_mobile(f), "{f}");
        }
        assert!(is_mobile("+46701234567"));
        assert!(!is_mobile("91234567"));
    }

    #[test]
    fn numbers_are_written_the_norwegian_way() {
        assert_eq!(readable("+4791234567"), "912 34 567");
        assert_eq!(readable("+4747654321"), "476 54 321");
        assert_eq!(readable("+4732210000"), "32 21 00 00");
        assert_eq!(readable("+4780012345"), "800 12 345");
        assert_eq!(readable("+46701234567"), "+46701234567");
    }

    #[test]
    fn country_codes() {
        assert_eq!(country_code("+4747654321").as_deref(), Some("47"));
        assert_eq!(country_code("+46701234567").as_deref(), Some("46"));
        assert_eq!(country_code("+358401234567").as_deref(), Some("358"));
        assert_eq!(country_code("nonsense"), None);
    }
}
