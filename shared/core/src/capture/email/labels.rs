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
    /// What the customer wants ("Henvendelsen gjelder: Prøvekjøring",
    /// "Ønsker: Tilbud"): fed to the lead analysis.
    Intent,
    /// A marketplace ad the message is about ("Annonse: Toyota RAV4 …
    /// (FINN-kode 345678901)").
    Listing,
    /// A FINN code on a line of its own.
    FinnCode,
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
    ("customername", Label::Name),
    ("navnpåkunde", Label::Name),
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
    ("telephone", Label::Phone),
    ("mobilephone", Label::Phone),
    ("mobilenumber", Label::Phone),
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
    ("modelofinterest", Label::Vehicle),
    ("interestedin", Label::Vehicle),
    ("modellavinteresse", Label::Vehicle),
    ("aktuellmodell", Label::Vehicle),
    ("aktuellbil", Label::Vehicle),
    ("ønsketbilmodell", Label::Vehicle),
    ("car", Label::Vehicle),
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
    ("henvendelse", Label::Message),
    ("dinhenvendelse", Label::Message),
    ("kommentarfrakunde", Label::Message),
    ("meldingfrakjøper", Label::Message),
    ("meldingfrakunde", Label::Message),
    ("meldingfrainteressent", Label::Message),
    ("spørsmålfrakjøper", Label::Message),
    ("dittspørsmål", Label::Message),
    ("kundenskommentar", Label::Message),
    ("dinmelding", Label::Message),
    ("fritekst", Label::Message),
    ("yourmessage", Label::Message),
    ("questions", Label::Message),
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
    ("henvendelsengjelder", Label::Intent),
    ("gjelder", Label::Intent),
    ("hvagjelderhenvendelsen", Label::Intent),
    ("ønsker", Label::Intent),
    ("kundenønsker", Label::Intent),
    ("ønskerå", Label::Intent),
    ("forespørsel", Label::Intent),
    ("annonse", Label::Listing),
    ("annonsen", Label::Listing),
    ("finnannonse", Label::Listing),
    ("finnkode", Label::FinnCode),
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
    let find = |folded: &str| {
        LABELS
            .iter()
            .find(|(name, _)| *name == folded)
            .map(|(_, l)| *l)
    };
    // "Kundens telefon", "Customer email", "Ditt navn": the owner in front
    // does not change what the field is.
    find(&folded).or_else(|| {
        ["kundens", "customer", "ditt", "din", "your"]
            .iter()
            .find_map(|owner| folded.strip_prefix(owner))
            .filter(|rest| !rest.is_empty())
            .and_then(find)
    })
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

/// A line of a template without colons: `Label<TAB>value`, `Label   value`
/// (columns aligned with spaces), or a known label alone on its line with
/// the value below it. Only known labels count, so ordinary prose is never
/// taken for a field.
fn split_loose(line: &str) -> Option<(&str, &str)> {
    if line.contains(':') {
        return None;
    }
    let column = line
        .find('\t')
        .map(|at| (at, at + 1))
        .or_else(|| line.find(" = ").map(|at| (at, at + 3)))
        .or_else(|| line.find("   ").map(|at| (at, at + 3)));
    if let Some((end, start)) = column {
        let (label, value) = (line[..end].trim(), line[start..].trim());
        return meaning(label).is_some().then_some((label, value));
    }
    let label = line.trim();
    match meaning(label) {
        Some(Label::Header) | None => None,
        Some(_) => Some((label, "")),
    }
}

/// `key: value` lines from a JSON lead: the scalar members of every object
/// at any depth, and `{"name": …, "values": […]}` pairs as Meta and several
/// portals write them. Keys go through the same label folding.
pub fn json_lines(value: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => Some(s.replace(['\r', '\n'], " ")),
            Value::Number(n) => Some(n.to_string()),
            Value::Array(items) => {
                let parts: Vec<String> = items.iter().filter_map(scalar).collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }
            _ => None,
        }
    }
    fn walk(v: &Value, out: &mut Vec<String>, depth: usize) {
        if depth > 8 || out.len() > 500 {
            return;
        }
        match v {
            Value::Object(map) => {
                let pair = map.get("name").and_then(Value::as_str).zip(
                    map.get("values")
                        .or_else(|| map.get("value"))
                        .and_then(scalar),
                );
                if let Some((name, value)) = pair {
                    out.push(format!("{name}: {value}"));
                    return;
                }
                for (key, member) in map {
                    match scalar(member) {
                        Some(text) if !text.trim().is_empty() => out.push(format!("{key}: {text}")),
                        _ => walk(member, out, depth + 1),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out, depth + 1)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut out, 0);
    out
}

/// A line that starts a new field (with or without a colon).
fn starts_field(line: &str) -> bool {
    split_line(line).is_some_and(|(l, _)| meaning_of_known(l)) || split_loose(line).is_some()
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
        let Some((label, value)) = split_line(line).or_else(|| split_loose(line)) else {
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
                if starts_field(next) {
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
mod tests;
