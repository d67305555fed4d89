//! What a model's reply must pass before a customer sees it. Each check is
//! cheap and deterministic; a reply that fails any is replaced by the
//! template fallback and the rejection is counted.

use std::collections::HashSet;

use super::context::ReplyContext;
use super::language::ReplyLanguage;
use crate::search::fold;

pub const MIN_CHARS: usize = 60;
pub const MAX_CHARS: usize = 1500;
/// Three SMS segments at most.
pub const MAX_SMS_CHARS: usize = 450;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("reply is {0} characters (allowed {1}–{2})")]
    Length(usize, usize, usize),
    #[error("reply contains a placeholder or template marker: {0}")]
    Placeholder(String),
    #[error("reply contains a number that is not in the context: {0}")]
    InventedNumber(String),
    #[error("reply is not in {0}")]
    WrongLanguage(&'static str),
    #[error("reply contains contact details that are not this customer's or the dealership's: {0}")]
    ForeignContact(String),
    #[error("reply was cut off by the model's length limit")]
    Truncated,
    #[error("reply links to a site that is not the dealership's or a listed car's: {0}")]
    ForeignLink(String),
    #[error("reply commits to what only a salesperson may: {0}")]
    Commitment(&'static str),
}

pub fn check(reply: &str, ctx: &ReplyContext) -> Result<(), Rejection> {
    check_from(reply, ctx, MIN_CHARS)
}

/// A turn in a conversation may be short ("Ja, den har hengerfeste."); the
/// rest of the checks are the same.
pub const MIN_TURN_CHARS: usize = 15;

pub fn check_turn(reply: &str, ctx: &ReplyContext) -> Result<(), Rejection> {
    check_from(reply, ctx, MIN_TURN_CHARS)
}

fn check_from(reply: &str, ctx: &ReplyContext, min: usize) -> Result<(), Rejection> {
    let chars = reply.chars().count();
    let max = if ctx.is_sms() {
        MAX_SMS_CHARS
    } else {
        MAX_CHARS
    };
    if !(min..=max).contains(&chars) {
        return Err(Rejection::Length(chars, min, max));
    }
    placeholders(reply)?;
    let facts = ctx.facts();
    numbers(reply, &facts)?;
    language(reply, ctx.language)?;
    contacts(reply, &facts)?;
    links(reply, &ctx.trusted_link_sources())?;
    commitments(reply)?;
    Ok(())
}

/// Promises the model must leave to a person: a discount or a better price,
/// a value for the customer's trade-in, financing terms, a delivery date,
/// or that a car is reserved. Stating a listed price is fine; offering a
/// lower one is not.
fn commitments(reply: &str) -> Result<(), Rejection> {
    let text = fold(reply);
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric() && c != '/')
        .filter(|w| !w.is_empty())
        .collect();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    // A sum of money, not a year or a model number: kroner named, or a
    // number of five digits or more, or written in groups ("85 000").
    let digits = |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_digit());
    let amount = text.contains(",-")
        || words.iter().any(|w| matches!(*w, "kr" | "kroner" | "nok"))
        || words.iter().any(|w| digits(w) && w.len() >= 5)
        || words
            .windows(2)
            .any(|p| digits(p[0]) && p[0].len() <= 3 && digits(p[1]) && p[1].len() == 3);
    if has(&[
        "rabatt",
        "avslag",
        "bedre pris",
        "senke prisen",
        "sette ned prisen",
        "setter ned prisen",
        "redusere prisen",
        "prisreduksjon",
        "spesialpris",
    ]) {
        return Err(Rejection::Commitment("a discount or a better price"));
    }
    if has(&["innbytte", "bilen din", "bytte inn"]) && amount {
        return Err(Rejection::Commitment("a value for the trade-in"));
    }
    let financing_terms = words.iter().any(|w| w.starts_with("rente"))
        || has(&["nedbetaling", "egenkapital", "lånetilbud"])
        || (amount
            && has(&[
                "per måned",
                "pr. mnd",
                "pr mnd",
                "/mnd",
                "i måneden",
                "månedlig",
            ]));
    if financing_terms {
        return Err(Rejection::Commitment("financing terms"));
    }
    let delivery = words.iter().any(|w| w.starts_with("lever"))
        && (words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()))
            || has(&["innen", "uke", "i morgen", "neste"])
            || has(&crate::booking::when::MONTHS));
    if delivery {
        return Err(Rejection::Commitment("a delivery date"));
    }
    // A time can be set aside for the customer; a car cannot be promised.
    if has(&[
        "reservert",
        "reserverer",
        "holder av bilen",
        "holde av bilen",
        "holdt av bilen",
        "holder bilen av",
        "holder den av",
        "bilen er din",
    ]) {
        return Err(Rejection::Commitment("that a car is reserved"));
    }
    Ok(())
}

fn placeholders(reply: &str) -> Result<(), Rejection> {
    const MARKERS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "<navn",
        "<name",
        "xx",
        "lorem",
        "todo",
        "placeholder",
        "plassholder",
        "kundens navn",
        "[navn]",
        "(navn)",
    ];
    let folded = fold(reply);
    MARKERS
        .iter()
        .find(|m| {
            if **m == "xx" {
                folded
                    .split(|c: char| !c.is_alphanumeric())
                    .any(|w| w == "xx" || w == "xxx")
            } else {
                folded.contains(*m)
            }
        })
        .map_or(Ok(()), |m| Err(Rejection::Placeholder(m.to_string())))
}

/// Digit runs with their separators removed: "450 000" and "450.000" are
/// one number, "09:00" is "0900".
fn number_tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            current.push(c);
            continue;
        }
        // A space, dot, comma or colon between digits keeps the number going.
        let joins = matches!(c, ' ' | '.' | ',' | ':' | '\u{a0}')
            && !current.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if !joins && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn numbers(reply: &str, facts: &str) -> Result<(), Rejection> {
    let known: HashSet<String> = number_tokens(facts).into_iter().collect();
    let known_text: String = known.iter().cloned().collect::<Vec<_>>().join(" ");
    for n in number_tokens(reply) {
        // Small counts ("1 bil", "2 dager") carry no invented facts; a year,
        // price, time or phone number must come from the context.
        if n.len() <= 1 {
            continue;
        }
        if !known.contains(&n) && !known_text.contains(&n) {
            return Err(Rejection::InventedNumber(n));
        }
    }
    Ok(())
}

fn language(reply: &str, language: ReplyLanguage) -> Result<(), Rejection> {
    if super::language::is_written_in(reply, language) {
        Ok(())
    } else {
        Err(Rejection::WrongLanguage(language.prompt_name()))
    }
}

/// Email addresses and phone-like numbers in the reply must be in the context.
fn contacts(reply: &str, facts: &str) -> Result<(), Rejection> {
    let facts_folded = fold(facts);
    for word in reply.split_whitespace() {
        let word = word.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '.');
        let word = word.trim_end_matches('.');
        if word.contains('@') && !facts_folded.contains(&fold(word)) {
            return Err(Rejection::ForeignContact(word.to_string()));
        }
    }
    Ok(())
}

/// Top-level domains a bare word (no scheme, `www.` or path) is read as a
/// domain by. Mail clients link such words; car names like "ID.Buzz" must
/// still pass, so the list is the common ones rather than every TLD.
const BARE_TLDS: &[&str] = &[
    "no", "com", "net", "org", "io", "se", "dk", "fi", "de", "eu", "uk", "nl", "ly", "co", "me",
    "info", "biz", "app", "xyz", "online", "site", "shop", "link", "click", "top", "ru", "cn",
    "tk", "ml", "ga", "cf", "gq", "example", "page", "to", "gl", "gd", "us",
];

/// The host of each link or bare domain in the text (`https://x.no/a`,
/// `www.x.no`, `bit.ly/abc`, `x.no`), lower-cased and without `www.`.
/// Email addresses are the contact check's. A domain needs two letters in
/// every label's end, so Norwegian abbreviations ("f.eks.", "bl.a.") are
/// not read as one.
fn hosts(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '(' | ')'))
    {
        if word.contains('@') {
            continue;
        }
        let word = word
            .trim_matches(|c: char| matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*'));
        let rest = word
            .split_once("://")
            .map_or(word, |(_, rest)| rest)
            .to_lowercase();
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        let labels: Vec<&str> = host.split('.').collect();
        let is_domain = labels.len() >= 2
            && labels.iter().all(|l| {
                l.chars().count() >= 2 && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            && labels
                .last()
                .is_some_and(|tld| tld.chars().all(char::is_alphabetic));
        let is_address = labels.len() == 4 && labels.iter().all(|l| l.parse::<u8>().is_ok());
        let linked = word.contains("://") || host.starts_with("www.") || rest.len() > host.len();
        let bare_known = labels.last().is_some_and(|tld| BARE_TLDS.contains(tld));
        if (is_domain && (linked || bare_known)) || is_address {
            found.push(host.trim_start_matches("www.").to_string());
        }
    }
    found
}

/// Links and domains in a reply must be the dealership's or a listed car's:
/// a customer's message (prompt injection) cannot put its own link in a
/// reply sent under the dealership's name.
fn links(reply: &str, trusted: &str) -> Result<(), Rejection> {
    let trusted_hosts = hosts(&trusted.replace('@', " "));
    for host in hosts(reply) {
        let known = !host.is_empty()
            && trusted_hosts.iter().any(|t| {
                *t == host || t.ends_with(&format!(".{host}")) || host.ends_with(&format!(".{t}"))
            });
        if !known {
            return Err(Rejection::ForeignLink(host));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_found_and_abbreviations_are_not() {
        assert_eq!(
            hosts(
                "Se https://www.Bilsenteret-Drammen.no/bil/1 eller bit.ly/x, f.eks. bl.a. kl. 09.00."
            ),
            ["bilsenteret-drammen.no", "bit.ly"]
        );
        assert_eq!(hosts("Skriv til post@bil.no i dag."), Vec::<String>::new());
        assert_eq!(hosts("Gå til http://10.0.0.1:8080/x"), ["10.0.0.1"]);
        assert_eq!(
            hosts("Volkswagen ID.Buzz og ID.4 er klare; se evil.buzz/x"),
            ["evil.buzz"]
        );
    }

    #[test]
    fn only_the_dealerships_and_the_cars_links_pass() {
        let trusted = "post@bilsenteret-drammen.no\nhttps://www.bilsenteret-drammen.no\nhttps://www.finn.no/car/used/ad.html?finnkode=123";
        assert!(links("Se bilen på https://www.finn.no/car/used/ad.html?finnkode=123 eller bilsenteret-drammen.no.", trusted).is_ok());
        for bad in [
            "Betal depositum på https://evil.example/pay i dag.",
            "Les mer på bit.ly/abc",
            "Gå til bilsenteret-drammen.no.evil.example for tilbud.",
            "Trykk her: http://192.168.1.1/login",
        ] {
            assert!(
                matches!(links(bad, trusted), Err(Rejection::ForeignLink(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn numbers_are_read_across_separators() {
        assert_eq!(
            number_tokens("pris 450 000 kr, kl. 09:00 og 2 dager"),
            ["450000", "0900", "2"]
        );
        assert_eq!(number_tokens("tlf 22 33 44 55."), ["22334455"]);
    }

    #[test]
    fn the_reply_must_be_in_the_chosen_language() {
        let english =
            "Hello Kari, thank you for your interest in the car. We would love to see you.";
        let bokmal = "Hei Kari, takk for at du tok kontakt med oss om bilen. Vi har gjerne en prøvetur klar for deg.";
        assert!(language(english, ReplyLanguage::Bokmal).is_err());
        assert!(language(bokmal, ReplyLanguage::Bokmal).is_ok());
        assert!(language(english, ReplyLanguage::English).is_ok());
        assert_eq!(
            language(bokmal, ReplyLanguage::English),
            Err(Rejection::WrongLanguage("engelsk (kunden skriver engelsk)"))
        );
    }

    #[test]
    fn promises_only_a_salesperson_may_make_are_refused() {
        let refused = [
            (
                "Vi kan gi deg 10 000 kr i rabatt på bZ4X-en.",
                "a discount or a better price",
            ),
            (
                "Jeg skal se om vi kan sette ned prisen litt for deg.",
                "a discount or a better price",
            ),
            (
                "For Passaten din kan vi gi 85 000 kr i innbytte.",
                "a value for the trade-in",
            ),
            (
                "Vi gir deg 120 000 for bilen din.",
                "a value for the trade-in",
            ),
            (
                "Med 20 % egenkapital blir det omtrent slik.",
                "financing terms",
            ),
            (
                "Du får den for 4 990 kr/mnd over fem år.",
                "financing terms",
            ),
            ("Effektiv rente er 6,9 %.", "financing terms"),
            ("Bilen kan leveres neste uke.", "a delivery date"),
            ("Levering 15. januar passer fint.", "a delivery date"),
            (
                "Jeg har reservert bilen til deg til lørdag.",
                "that a car is reserved",
            ),
            (
                "Vi holder av bilen for deg til fredag.",
                "that a car is reserved",
            ),
        ];
        for (reply, kind) in refused {
            assert_eq!(
                commitments(reply),
                Err(Rejection::Commitment(kind)),
                "{reply}"
            );
        }
        let allowed = [
            "Prisen på bilen er 349 900 kr, slik den står i annonsen.",
            "Vi ser gjerne på Passaten fra 2016 som innbytte.",
            "Vi ser gjerne på Passaten din som innbytte når du kommer.",
            "En selger ringer deg om finansiering og innbytte i morgen.",
            "Spørsmål om levering tar selgeren med deg.",
            "Bilen står klar til prøvekjøring lørdag kl. 11.",
            "Vi har et bredere utvalg enn konkurrenten, og vi holder av en time til deg.",
        ];
        for reply in allowed {
            assert_eq!(commitments(reply), Ok(()), "{reply}");
        }
    }

    #[test]
    fn placeholders_are_caught() {
        assert!(placeholders("Hei {{navn}}, takk").is_err());
        assert!(placeholders("Hei [Navn], takk").is_err());
        assert!(placeholders("Prisen er XX kroner").is_err());
        assert!(placeholders("Hei Kari, takk for henvendelsen.").is_ok());
    }
}
