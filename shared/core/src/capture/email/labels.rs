//! The generic Norwegian label parser: `Label: value` lines, as importer
//! notices write them, whatever the template. Labels are matched after
//! folding (case, spaces, hyphens, a trailing `*` or `:`), so `E-post`,
//! `Epost`, `E-postadresse` and `E-POST :` are the same label.

/// What a label means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    Vehicle,
    Make,
    Message,
    Postcode,
    Place,
    WantedDate,
    TradeIn,
    FormType,
    Dealer,
    /// Mail header lines quoted in a forwarded notice (From, Til, Emne …).
    Header,
}

/// Folded label → meaning. Folded means lower-case with spaces, hyphens,
/// dots and underscores removed.
const LABELS: &[(&str, Label)] = &[
    ("navn", Label::Name),
    ("fulltnavn", Label::Name),
    ("kunde", Label::Name),
    ("kundenavn", Label::Name),
    ("kundensnavn", Label::Name),
    ("kontaktperson", Label::Name),
    ("name", Label::Name),
    ("fullname", Label::Name),
    ("fornavn", Label::FirstName),
    ("firstname", Label::FirstName),
    ("etternavn", Label::LastName),
    ("lastname", Label::LastName),
    ("surname", Label::LastName),
    ("epost", Label::Email),
    ("epostadresse", Label::Email),
    ("email", Label::Email),
    ("emailadresse", Label::Email),
    ("emailaddress", Label::Email),
    ("mail", Label::Email),
    ("kundensepost", Label::Email),
    ("telefon", Label::Phone),
    ("telefonnummer", Label::Phone),
    ("telefonnr", Label::Phone),
    ("tlf", Label::Phone),
    ("tlfnr", Label::Phone),
    ("mobil", Label::Phone),
    ("mobilnummer", Label::Phone),
    ("mobilnr", Label::Phone),
    ("mobiltelefon", Label::Phone),
    ("phone", Label::Phone),
    ("mobile", Label::Phone),
    ("phonenumber", Label::Phone),
    ("modell", Label::Vehicle),
    ("bilmodell", Label::Vehicle),
    ("ønsketmodell", Label::Vehicle),
    ("ønsketbil", Label::Vehicle),
    ("interesse", Label::Vehicle),
    ("interessert", Label::Vehicle),
    ("interessertibil", Label::Vehicle),
    ("bil", Label::Vehicle),
    ("kjøretøy", Label::Vehicle),
    ("vehicle", Label::Vehicle),
    ("model", Label::Vehicle),
    ("merke", Label::Make),
    ("bilmerke", Label::Make),
    ("make", Label::Make),
    ("melding", Label::Message),
    ("kommentar", Label::Message),
    ("kommentarer", Label::Message),
    ("beskjed", Label::Message),
    ("spørsmål", Label::Message),
    ("tilleggsinformasjon", Label::Message),
    ("kundensmelding", Label::Message),
    ("message", Label::Message),
    ("comments", Label::Message),
    ("comment", Label::Message),
    ("postnummer", Label::Postcode),
    ("postnr", Label::Postcode),
    ("zip", Label::Postcode),
    ("poststed", Label::Place),
    ("sted", Label::Place),
    ("ønsketdato", Label::WantedDate),
    ("ønsketdatoforprøvekjøring", Label::WantedDate),
    ("datoforprøvekjøring", Label::WantedDate),
    ("foretrukketdato", Label::WantedDate),
    ("ønskettidspunkt", Label::WantedDate),
    ("ønsketleveringsdato", Label::WantedDate),
    ("innbytte", Label::TradeIn),
    ("innbyttebil", Label::TradeIn),
    ("byttebil", Label::TradeIn),
    ("tradein", Label::TradeIn),
    ("typehenvendelse", Label::FormType),
    ("henvendelsestype", Label::FormType),
    ("typeforespørsel", Label::FormType),
    ("skjema", Label::FormType),
    ("forhandler", Label::Dealer),
    ("from", Label::Header),
    ("fra", Label::Header),
    ("to", Label::Header),
    ("til", Label::Header),
    ("subject", Label::Header),
    ("emne", Label::Header),
    ("date", Label::Header),
    ("dato", Label::Header),
    ("sent", Label::Header),
    ("sendt", Label::Header),
    ("cc", Label::Header),
    ("replyto", Label::Header),
    ("svartil", Label::Header),
];

/// Lower-case, without separators, `*`, `(valgfritt)` and the like.
pub fn fold_label(label: &str) -> String {
    let label = label.split('(').next().unwrap_or(label);
    label
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '_' | '*' | ':' | '\u{a0}' | '\''))
        .flat_map(char::to_lowercase)
        .collect()
}

pub fn meaning(label: &str) -> Option<Label> {
    let folded = fold_label(label);
    LABELS
        .iter()
        .find(|(name, _)| name.to_lowercase() == folded)
        .map(|(_, l)| *l)
}

/// One `label: value` found in the text, with the label as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub label: String,
    pub meaning: Option<Label>,
    pub value: String,
}

/// Splits a line into label and value when it looks like `Label: value`
/// (label short, at most five words, no URL before the colon).
fn split_line(line: &str) -> Option<(&str, &str)> {
    let colon = line.find(':')?;
    let label = line[..colon].trim().trim_matches('*').trim();
    let value = line[colon + 1..].trim().trim_matches('*').trim();
    let words = label.split_whitespace().count();
    if label.is_empty()
        || label.chars().count() > 40
        || words > 5
        || label.contains("http")
        || label.contains('@')
        || value.starts_with("//")
    {
        return None;
    }
    Some((label, value))
}

/// Strips quoting, list bullets and bold markers that templates put around
/// their lines.
fn clean(line: &str) -> &str {
    line.trim()
        .trim_start_matches(['>', '*', '•', '-', '·'])
        .trim()
        .trim_matches('*')
        .trim()
}

/// Every labelled field in `lines`, in order. A label with its value on the
/// next line(s) is understood; a message runs until a blank line or the next
/// known label.
pub fn fields(lines: &[String]) -> Vec<Field> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = clean(&lines[i]);
        i += 1;
        let Some((label, value)) = split_line(line) else {
            continue;
        };
        let meaning = meaning(label);
        if meaning.is_none() && value.is_empty() {
            continue;
        }
        let mut value = value.to_string();
        if value.is_empty() || meaning == Some(Label::Message) {
            // The value continues on the following lines.
            let mut skipped_blank = false;
            while i < lines.len() {
                let next = clean(&lines[i]);
                if next.is_empty() {
                    if value.is_empty() && !skipped_blank {
                        skipped_blank = true;
                        i += 1;
                        continue;
                    }
                    break;
                }
                if split_line(next).is_some_and(|(l, _)| meaning_of_known(l)) {
                    break;
                }
                if meaning != Some(Label::Message) && !value.is_empty() {
                    break;
                }
                if !value.is_empty() {
                    value.push('\n');
                }
                value.push_str(next);
                i += 1;
            }
        }
        if !value.trim().is_empty() {
            out.push(Field {
                label: label.to_string(),
                meaning,
                value: value.trim().to_string(),
            });
        }
    }
    out
}

fn meaning_of_known(label: &str) -> bool {
    meaning(label).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn label_variants_fold_together() {
        for l in [
            "E-post",
            "Epost",
            "E-postadresse",
            "E-POST ",
            "e-post*",
            "E-mail",
            "Email (valgfritt)",
        ] {
            assert_eq!(meaning(l), Some(Label::Email), "{l}");
        }
        for l in [
            "Tlf.",
            "Telefon",
            "Mobil",
            "Mobilnummer",
            "Tlf nr",
            "Mobiltelefon",
        ] {
            assert_eq!(meaning(l), Some(Label::Phone), "{l}");
        }
        for l in [
            "Modell",
            "Bilmodell",
            "Ønsket modell",
            "Interesse",
            "Bil",
            "ØNSKET MODELL",
        ] {
            assert_eq!(meaning(l), Some(Label::Vehicle), "{l}");
        }
        assert_eq!(meaning("Hei Bilsenteret Drammen,"), None);
    }

    #[test]
    fn values_on_the_same_or_the_next_line() {
        let f = fields(&lines(
            "Navn:Kari Nordmann\nTelefon :  912 34 567\nE-post:\nkari@example.no\n\nMelding:\nHei!\nKan jeg komme?\n\nKunden har samtykket.",
        ));
        let got: Vec<_> = f.iter().map(|f| (f.meaning, f.value.as_str())).collect();
        assert_eq!(
            got,
            [
                (Some(Label::Name), "Kari Nordmann"),
                (Some(Label::Phone), "912 34 567"),
                (Some(Label::Email), "kari@example.no"),
                (Some(Label::Message), "Hei!\nKan jeg komme?"),
            ]
        );
    }

    #[test]
    fn a_message_stops_at_the_next_label_and_urls_are_not_labels() {
        let f = fields(&lines(
            "Kommentar: Har en Golf\nsom jeg vil bytte inn.\nPostnummer: 3015\nSe https://toyota.no/x for mer",
        ));
        assert_eq!(f[0].value, "Har en Golf\nsom jeg vil bytte inn.");
        assert_eq!(f[1].meaning, Some(Label::Postcode));
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn quoted_and_bulleted_lines_are_read() {
        let f = fields(&lines("> **Navn:** Per\n> - Mobil: 48211903"));
        assert_eq!(f[0].value, "Per");
        assert_eq!(f[1].value, "48211903");
    }
}
