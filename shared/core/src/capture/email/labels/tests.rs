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
fn labels_without_colons_tabs_columns_and_values_below() {
    let f = fields(&lines(
        "Navn\nPer Hansen\n\nE-post\n\nper@example.no\nMobil\t(+47) 41234567\nModell      Volvo EX30\nMelding\nHar dere den?\nMvh Per\n\nBil\nModell: Toyota bZ4X",
    ));
    let got: Vec<_> = f.iter().map(|f| (f.meaning, f.value.as_str())).collect();
    assert_eq!(
        got,
        [
            (Some(Label::Name), "Per Hansen"),
            (Some(Label::Email), "per@example.no"),
            (Some(Label::Phone), "(+47) 41234567"),
            (Some(Label::Vehicle), "Volvo EX30"),
            (Some(Label::Message), "Har dere den?\nMvh Per"),
            (Some(Label::Vehicle), "Toyota bZ4X"),
        ],
        "a section heading (Bil) above a labelled line is not a field"
    );
}

#[test]
fn json_leads_become_labelled_lines() {
    let value = serde_json::json!({
        "lead": {"first_name": "Siri", "last_name": "Moe", "contact": {"email": "siri@example.no"}},
        "field_data": [{"name": "phone_number", "values": ["+4799990000"]}],
        "score": 7,
        "ignored": null
    });
    let f = fields(&json_lines(&value));
    let got: Vec<_> = f.iter().map(|f| (f.meaning, f.value.as_str())).collect();
    assert!(got.contains(&(Some(Label::FirstName), "Siri")), "{got:?}");
    assert!(got.contains(&(Some(Label::LastName), "Moe")), "{got:?}");
    assert!(
        got.contains(&(Some(Label::Email), "siri@example.no")),
        "{got:?}"
    );
    assert!(
        got.contains(&(Some(Label::Phone), "+4799990000")),
        "{got:?}"
    );
}

#[test]
fn equals_signs_separate_like_colons() {
    let f = fields(&lines("Navn = Rune Bakke\nTelefon = 97000111"));
    assert_eq!(f[0].value, "Rune Bakke");
    assert_eq!(f[1].meaning, Some(Label::Phone));
}

#[test]
fn prose_without_colons_is_not_a_field() {
    let f = fields(&lines(
        "Hei Bilsenteret Drammen\nDu har mottatt en ny henvendelse   via toyota.no\nMed vennlig hilsen\nToyota Norge AS",
    ));
    assert!(f.is_empty(), "{f:?}");
}

#[test]
fn owners_in_front_of_labels_are_ignored() {
    assert_eq!(meaning("Kundens telefon"), Some(Label::Phone));
    assert_eq!(meaning("Customer email"), Some(Label::Email));
    assert_eq!(meaning("Ditt navn"), Some(Label::Name));
    assert_eq!(meaning("Kommentar fra kunde"), Some(Label::Message));
    assert_eq!(meaning("Model of interest"), Some(Label::Vehicle));
    assert_eq!(meaning("Kundens"), None);
}

#[test]
fn quoted_and_bulleted_lines_are_read() {
    let f = fields(&lines("> **Navn:** Per\n> - Mobil: 48211903"));
    assert_eq!(f[0].value, "Per");
    assert_eq!(f[1].value, "48211903");
}
