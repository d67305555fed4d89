//! Importer mail in the shapes that used to lose data (fixtures from
//! `tests/fixtures/make_capture_emails.py`): the customer's address only in
//! `Reply-To`, FINN.no message notices, free text under a heading, intent
//! fields, and Norwegian mobiles that begin with 47. Every field a rep needs
//! is checked, for every mail.

use norvalt_core::capture::LeadCandidate;
use norvalt_core::capture::email::{MailKind, parse};

fn lead(name: &str) -> LeadCandidate {
    let path = format!(
        "{}/tests/fixtures/emails/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    match parse(&raw).kind {
        MailKind::Lead(c) => c,
        other => panic!("{name}: expected a lead, got {other:?}"),
    }
}

/// What a rep must see of one mail; `None` where the mail has nothing.
struct Expected {
    file: &'static str,
    name: &'static str,
    email: Option<&'static str>,
    phone: Option<&'static str>,
    vehicle: Option<&'static str>,
    /// Words the customer's message must hold.
    message: Option<&'static str>,
    /// Metadata that must be there.
    metadata: &'static [(&'static str, &'static str)],
}

const EXPECTED: &[Expected] = &[
    Expected {
        file: "replyto-toyota-name-phone.eml",
        name: "Kari Nordmann",
        email: Some("kari.nordmann@example.no"),
        phone: Some("+4747654321"),
        vehicle: Some("Toyota bZ4X"),
        message: Some("hvitt på lager"),
        metadata: &[("importer", "Toyota Norge")],
    },
    Expected {
        file: "replyto-html-table.eml",
        name: "Ola Berg",
        email: Some("ola.berg@example.com"),
        phone: Some("+4747611222"),
        vehicle: Some("Volkswagen Passat Variant GTE"),
        message: Some("Ring meg etter kl. 16."),
        metadata: &[],
    },
    Expected {
        file: "replyto-latin1-qp-encoded-name.eml",
        name: "Åse Øvrebø",
        email: Some("ase.ovrebo@example.no"),
        phone: Some("+4741234567"),
        vehicle: Some("Skoda Elroq 85"),
        message: Some("tilbud med vinterhjul"),
        metadata: &[],
    },
    Expected {
        file: "replyto-forwarded-inline.eml",
        name: "Per Lien",
        email: Some("per.lien@example.no"),
        phone: Some("+4722334455"),
        vehicle: Some("Audi Q6 e-tron"),
        message: Some("prøvekjøring neste uke"),
        metadata: &[("forwarded", "inline"), ("importer", "Audi Norge")],
    },
    Expected {
        file: "finn-melding-plain.eml",
        name: "Ole Hansen",
        email: Some("ole.hansen@example.no"),
        phone: Some("+4747654321"),
        vehicle: Some("Toyota RAV4 2.5 Hybrid AWD 2021"),
        message: Some("fortsatt til salgs? Kan jeg se den på lørdag?"),
        metadata: &[("finn_code", "345678901"), ("importer", "FINN.no")],
    },
    Expected {
        file: "finn-melding-html.eml",
        name: "Lise Moe",
        email: Some("lise.moe@example.no"),
        phone: Some("+4790211334"),
        vehicle: Some("Toyota RAV4 2.5 Hybrid AWD 2021"),
        message: Some("fortsatt til salgs"),
        metadata: &[("finn_code", "345678901")],
    },
    Expected {
        file: "finn-melding-html-only.eml",
        name: "Geir Olsen",
        email: Some("geir.olsen@example.no"),
        phone: Some("+4747123456"),
        vehicle: Some("Tesla Model Y Long Range 2023"),
        message: Some("Tar dere innbytte?"),
        metadata: &[("finn_code", "345678903")],
    },
    Expected {
        file: "finn-melding-base64.eml",
        name: "Nora Dahl",
        email: Some("nora.dahl@example.no"),
        phone: Some("+4793210987"),
        vehicle: Some("Toyota RAV4 2.5 Hybrid AWD 2021"),
        message: Some("Kan jeg se den på lørdag?"),
        metadata: &[("finn_code", "345678904")],
    },
    Expected {
        file: "finn-melding-forwarded.eml",
        name: "Tor Vik",
        email: Some("tor.vik@example.no"),
        phone: Some("+4791555666"),
        vehicle: Some("Audi Q4 e-tron 2022"),
        message: Some("fortsatt til salgs"),
        metadata: &[("finn_code", "345678905"), ("forwarded", "inline")],
    },
    Expected {
        file: "heading-kommentar-nextline.eml",
        name: "Marius Strand",
        email: Some("marius.strand@example.no"),
        phone: None,
        vehicle: Some("Volkswagen ID.7 Tourer"),
        message: Some("rekkevidden om vinteren.\nHar dere en demobil?"),
        metadata: &[],
    },
    Expected {
        file: "heading-sporsmal.eml",
        name: "Ingrid Sæther",
        email: None,
        phone: Some("+4798765432"),
        vehicle: Some("Kia EV3"),
        message: Some("Hva er leveringstiden?"),
        metadata: &[],
    },
    Expected {
        file: "heading-melding-html-br.eml",
        name: "Jonas Lie",
        email: Some("jonas.lie@example.no"),
        phone: Some("+4740612345"),
        vehicle: Some("Polestar 4"),
        message: Some("prøvekjøre før jul"),
        metadata: &[],
    },
    Expected {
        file: "intent-henvendelsen-gjelder.eml",
        name: "Emil Bakke",
        email: Some("emil.bakke@example.no"),
        phone: None,
        vehicle: Some("Toyota C-HR"),
        message: None,
        metadata: &[("intent", "Prøvekjøring")],
    },
    Expected {
        file: "intent-onsker-tilbud-latin1.eml",
        name: "Sigrid Haugland",
        email: None,
        phone: Some("+4722334466"),
        vehicle: Some("Audi Q8 e-tron"),
        message: None,
        metadata: &[("intent", "Tilbud")],
    },
    Expected {
        file: "intent-gjelder-replyto.eml",
        name: "Leif Ås",
        email: Some("leif.as@example.no"),
        phone: Some("+4747600111"),
        vehicle: Some("Mazda CX-60"),
        message: None,
        metadata: &[
            ("intent", "Innbytte og tilbud"),
            ("trade_in", "Mazda 6 2015"),
        ],
    },
];

#[test]
fn every_shape_keeps_everything_a_rep_needs() {
    let mut wrong = Vec::new();
    for e in EXPECTED {
        let c = lead(e.file);
        let mut check = |what: &str, got: Option<&str>, want: Option<&str>| {
            if got != want {
                wrong.push(format!("{}: {what} is {got:?}, want {want:?}", e.file));
            }
        };
        check("name", c.customer_name.as_deref(), Some(e.name));
        check("email", c.customer_email.as_deref(), e.email);
        check("phone", c.customer_phone.as_deref(), e.phone);
        check("vehicle", c.vehicle_interest.as_deref(), e.vehicle);
        match (e.message, c.message.as_deref()) {
            (Some(words), Some(m)) if m.contains(words) => {}
            (None, _) => {}
            (want, got) => wrong.push(format!("{}: message {got:?}, want {want:?}", e.file)),
        }
        for (key, value) in e.metadata {
            let got = c.metadata.get(*key).and_then(|v| v.as_str());
            if got != Some(*value) {
                wrong.push(format!("{}: metadata {key} is {got:?}", e.file));
            }
        }
        for key in c.metadata.keys().filter(|k| k.starts_with("unparsed_")) {
            wrong.push(format!("{}: {key} = {}", e.file, c.metadata[key]));
        }
    }
    assert!(wrong.is_empty(), "\n{}", wrong.join("\n"));
}

/// The intent a portal names goes into the analysis.
#[test]
fn named_intents_reach_the_analysis() {
    use norvalt_core::DealershipId;
    use norvalt_core::ai::analysis::Intent;
    use norvalt_core::model::LeadSource;
    let now = norvalt_core::time::now();
    for (file, intent) in [
        ("intent-henvendelsen-gjelder.eml", Intent::TestDrive),
        ("intent-onsker-tilbud-latin1.eml", Intent::Offer),
        ("intent-gjelder-replyto.eml", Intent::TradeIn),
    ] {
        let lead = lead(file).to_new_lead(DealershipId::new_at(now), LeadSource::Email, "k", now);
        let intents = lead.analysis.unwrap().intents;
        assert!(intents.contains(&intent), "{file}: {intents:?}");
    }
}
