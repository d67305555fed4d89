//! SMS out: the port and segment counting. Norwegian text is GSM-7 (æøå
//! included); one character outside it (an emoji, a curly quote) makes the
//! whole message UCS-2, with fewer characters per segment.

use async_trait::async_trait;

use super::{Receipt, SendError};

#[derive(Debug, Clone, PartialEq)]
pub struct OutboundSms {
    pub send_key: String,
    /// E.164.
    pub to: String,
    /// The dealership's own number, when it has one; else the provider's
    /// configured sender.
    pub from: Option<String>,
    pub body: String,
}

#[async_trait]
pub trait SmsSender: Send + Sync {
    async fn send_sms(&self, sms: &OutboundSms) -> Result<Receipt, SendError>;
    /// Whether the message with this send key went out; `None` when the
    /// provider cannot tell.
    async fn was_sent(&self, send_key: &str) -> Option<bool>;
}

const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED: &str = "^{}\\[~]|€\u{c}";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// The encoding and the number of segments a body is billed as.
pub fn segments(body: &str) -> (Encoding, usize) {
    let gsm = body
        .chars()
        .all(|c| GSM7_BASIC.contains(c) || GSM7_EXTENDED.contains(c));
    if gsm {
        // Extended characters take two septets.
        let septets: usize = body
            .chars()
            .map(|c| if GSM7_EXTENDED.contains(c) { 2 } else { 1 })
            .sum();
        let n = if septets <= 160 {
            1
        } else {
            septets.div_ceil(153)
        };
        (Encoding::Gsm7, n.max(1))
    } else {
        let units: usize = body.chars().map(char::len_utf16).sum();
        let n = if units <= 70 { 1 } else { units.div_ceil(67) };
        (Encoding::Ucs2, n.max(1))
    }
}

/// `metadata.kind` of the message that confirms an SMS opt-out: the one
/// message sent to a number after it opted out.
pub const OPT_OUT_CONFIRMATION: &str = "sms_opt_out_confirmation";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
}

/// Opt-out and opt-in words, Norwegian and English, alone in the message
/// (any case, trailing punctuation ignored).
pub fn keyword(body: &str) -> Option<Keyword> {
    let word: String = body.trim().trim_end_matches(['.', '!']).to_uppercase();
    match word.as_str() {
        "STOPP" | "STOP" | "AVSLUTT" | "AVMELD" | "UNSUBSCRIBE" | "END" | "QUIT" | "CANCEL"
        | "STOPALL" => Some(Keyword::Stop),
        "START" | "START IGJEN" | "UNSTOP" | "YES" => Some(Keyword::Start),
        _ => None,
    }
}

/// Where no SMS provider is configured: every send is refused for good, so
/// the job lands on the DLQ with a reason instead of retrying.
pub struct SmsDisabled;

#[async_trait]
impl SmsSender for SmsDisabled {
    async fn send_sms(&self, _: &OutboundSms) -> Result<Receipt, SendError> {
        Err(SendError::Permanent("no SMS provider is configured".into()))
    }
    async fn was_sent(&self, _: &str) -> Option<bool> {
        Some(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_letters_stay_in_gsm7() {
        assert_eq!(
            segments("Hei Åse! Vi ses på lørdag, hilsen Ærlig Bil"),
            (Encoding::Gsm7, 1)
        );
        assert_eq!(segments(&"ø".repeat(160)), (Encoding::Gsm7, 1));
        assert_eq!(segments(&"ø".repeat(161)), (Encoding::Gsm7, 2));
        assert_eq!(
            segments(&"€".repeat(80)),
            (Encoding::Gsm7, 1),
            "€ takes two septets"
        );
    }

    #[test]
    fn opt_out_words_alone_count_and_sentences_do_not() {
        for w in ["STOPP", "stopp", " Stop. ", "AVSLUTT", "avmeld!"] {
            assert_eq!(keyword(w), Some(Keyword::Stop), "{w}");
        }
        assert_eq!(keyword("start"), Some(Keyword::Start));
        assert_eq!(keyword("Stopp, jeg vil heller ha e-post"), None);
        assert_eq!(keyword("Når kan jeg starte?"), None);
    }

    #[test]
    fn one_emoji_makes_it_ucs2() {
        assert_eq!(segments("Hei 🙂"), (Encoding::Ucs2, 1));
        assert_eq!(
            segments(&format!("{}🙂", "a".repeat(69))),
            (Encoding::Ucs2, 2)
        );
        assert_eq!(segments("“sitat”"), (Encoding::Ucs2, 1));
    }
}
