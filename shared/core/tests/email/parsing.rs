//! Every mail under `tests/fixtures/emails/` through the parser, with what a
//! sales rep would expect to see; then the parser under random mutation.

use norvalt_core::capture::LeadCandidate;
use norvalt_core::capture::email::{MailKind, ParsedMail, parse};
use rand::{Rng, SeedableRng, rngs::StdRng};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/emails/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn lead(name: &str) -> (ParsedMail, LeadCandidate) {
    let parsed = parse(&fixture(name));
    match parsed.kind.clone() {
        MailKind::Lead(c) => (parsed, c),
        other => panic!("{name}: expected a lead, got {other:?}"),
    }
}

fn meta<'a>(c: &'a LeadCandidate, key: &str) -> &'a str {
    c.metadata
        .get(key)
        .and_then(|v| v.as_str())
        .unwrap_or_else(|| panic!("no {key} in {:?}", c.metadata))
}

#[test]
fn toyota_contact_request() {
    let (mail, c) = lead("toyota-no-contact-request.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Kari Nordmann"));
    assert_eq!(
        c.customer_email.as_deref(),
        Some("kari.nordmann@example.no")
    );
    assert_eq!(c.customer_phone.as_deref(), Some("+4791234567"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Toyota bZ4X"));
    let message = c.message.as_deref().unwrap();
    assert!(message.starts_with("Hei! Jeg lurer på om dere har bZ4X"));
    assert!(message.ends_with("prøvekjøring neste uke?"), "{message:?}");
    assert_eq!(meta(&c, "importer"), "Toyota Norge");
    assert_eq!(meta(&c, "form_type"), "Kontakt forhandler");
    assert_eq!(meta(&c, "postcode"), "3015");
    assert_eq!(
        mail.message_id.as_deref(),
        Some("20261116094105.7f3a9c@toyota.no")
    );
    assert_eq!(mail.recipients, ["leads@bilsenteret-drammen.norvalt.no"]);
}

#[test]
fn volkswagen_test_drive_in_quoted_printable() {
    let (mail, c) = lead("vw-no-test-drive.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Ola Bjørnstad"));
    assert_eq!(
        c.customer_email.as_deref(),
        Some("ola.bjornstad@example.com")
    );
    assert_eq!(c.customer_phone.as_deref(), Some("+4748211903"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Volkswagen ID.4 Pro"));
    assert_eq!(
        c.message.as_deref(),
        Some("Har en Golf fra 2017 som jeg vurderer å bytte inn.")
    );
    assert_eq!(meta(&c, "wanted_date"), "24.11.2026");
    assert_eq!(meta(&c, "importer"), "Volkswagen Norge");
    assert_eq!(
        mail.subject.as_deref(),
        Some("Prøvekjøring bestilt: ID.4 Pro")
    );
}

#[test]
fn adf_inline() {
    let (_, c) = lead("adf-xml-lead.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Ingrid Haugen"));
    assert_eq!(
        c.customer_email.as_deref(),
        Some("ingrid.haugen@example.net")
    );
    assert_eq!(c.customer_phone.as_deref(), Some("+4799887766"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Skoda Elroq 85 (2025)"));
    assert_eq!(
        c.message.as_deref(),
        Some("Ønsker tilbud med finansiering over 5 år.")
    );
    assert_eq!(meta(&c, "lead_format"), "adf");
}

#[test]
fn adf_as_an_attachment() {
    let (_, c) = lead("adf-attachment.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Øystein Bråten"));
    assert_eq!(c.customer_phone.as_deref(), Some("+4722113344"));
    assert_eq!(
        c.vehicle_interest.as_deref(),
        Some("Volkswagen ID.7 Tourer (2026)")
    );
    assert_eq!(meta(&c, "vehicle_intent"), "test-drive");
}

#[test]
fn html_only_in_latin1() {
    let (_, c) = lead("audi-no-html-only-latin1.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Bjørn Ødegård"));
    assert_eq!(
        c.customer_email.as_deref(),
        Some("bjorn.odegard@example.no")
    );
    assert_eq!(c.customer_phone.as_deref(), Some("+4741522333"));
    assert_eq!(
        c.vehicle_interest.as_deref(),
        Some("Audi Q4 e-tron Sportback")
    );
    assert_eq!(
        c.message.as_deref(),
        Some("Ønsker tilbud på leasing, gjerne i mørk grå.")
    );
    assert_eq!(meta(&c, "form_type"), "Be om tilbud");
    assert_eq!(meta(&c, "postcode"), "0567");
}

#[test]
fn windows_1252_in_base64_without_spaces_after_colons() {
    let (_, c) = lead("skoda-no-win1252-base64.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Åse Lønnå"));
    assert_eq!(c.customer_email.as_deref(), Some("ase.lonna@example.no"));
    assert_eq!(c.customer_phone.as_deref(), Some("+4799887766"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Skoda Enyaq Coupé RS"));
    assert_eq!(meta(&c, "trade_in"), "Skoda Octavia 2014");
    assert_eq!(meta(&c, "wanted_date"), "02.12.2026");
}

#[test]
fn forwarded_inline_takes_the_customer_not_the_forwarder() {
    let (_, c) = lead("forwarded-inline-gmail.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Henrik Aas"));
    assert_eq!(c.customer_email.as_deref(), Some("henrik.aas@example.com"));
    assert_eq!(c.customer_phone.as_deref(), Some("+4792611223"), "{c:?}");
    assert_eq!(c.vehicle_interest.as_deref(), Some("Toyota C-HR Hybrid"));
    assert_eq!(c.message.as_deref(), Some("Kan jeg prøvekjøre på lørdag?"));
    assert_eq!(meta(&c, "importer"), "Toyota Norge");
    assert_eq!(meta(&c, "forwarded"), "inline");
}

#[test]
fn forwarded_as_an_attachment() {
    let (_, c) = lead("forwarded-as-attachment.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Ola Bjørnstad"));
    assert_eq!(
        c.customer_email.as_deref(),
        Some("ola.bjornstad@example.com")
    );
    assert_eq!(c.vehicle_interest.as_deref(), Some("Volkswagen ID.4 Pro"));
    assert_eq!(meta(&c, "forwarded"), "attachment");
}

#[test]
fn forwarded_by_outlook_in_norwegian_with_quotes() {
    let (_, c) = lead("forwarded-outlook-norsk.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Camilla Strand"));
    assert_eq!(c.customer_phone.as_deref(), Some("+4792011223"));
    assert_eq!(c.customer_email, None);
    assert_eq!(c.vehicle_interest.as_deref(), Some("Kia EV3 Long Range"));
    assert_eq!(c.message.as_deref(), Some("Når kan jeg få levert bilen?"));
}

#[test]
fn the_customer_only_in_reply_to() {
    let (_, c) = lead("reply-to-only.eml");
    assert_eq!(c.customer_email.as_deref(), Some("tone.vik@example.no"));
    assert_eq!(c.customer_name.as_deref(), Some("Tone Vik"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Hyundai Ioniq 5 N"));
    assert_eq!(c.message.as_deref(), Some("Er denne på lager i Drammen?"));
}

#[test]
fn an_unknown_template() {
    let (_, c) = lead("unknown-template-no-space.eml");
    assert_eq!(c.customer_name.as_deref(), Some("Linn Kristiansen"));
    assert_eq!(c.customer_email.as_deref(), Some("linn.k@example.no"));
    assert_eq!(c.customer_phone.as_deref(), Some("+46701234567"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Polestar 4 Long range"));
    assert_eq!(
        c.message.as_deref(),
        Some("Har dere en demobil?\nKan jeg ringes opp i morgen?")
    );
    assert_eq!(meta(&c, "place"), "Drammen");
}

#[test]
fn a_customer_writing_directly() {
    let (_, c) = lead("direct-customer.eml");
    assert_eq!(c.customer_email.as_deref(), Some("gunnar.lie@example.no"));
    assert_eq!(c.customer_name.as_deref(), Some("Gunnar Lie"));
    let message = c.message.as_deref().unwrap();
    assert!(message.contains("Tesla Model Y") && !message.contains("iPhone"));
}

#[test]
fn machine_generated_notices_with_a_lead_are_leads() {
    let (_, c) = lead("auto-generated-importer.eml");
    assert_eq!(c.customer_phone.as_deref(), Some("+4740000001"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Nissan Ariya"));
}

#[test]
fn delivered_to_is_a_recipient_and_bold_labels_read() {
    let (mail, c) = lead("delivered-to-only.eml");
    assert!(
        mail.recipients
            .contains(&"leads@fjord-bil-bergen.norvalt.no".to_string())
    );
    assert_eq!(c.customer_name.as_deref(), Some("Jonas Eide"));
    assert_eq!(c.vehicle_interest.as_deref(), Some("Ford Explorer EV"));
}

#[test]
fn auto_replies_and_bounces_are_not_leads() {
    for name in [
        "autoreply-auto-submitted.eml",
        "out-of-office-subject.eml",
        "newsletter-bulk.eml",
    ] {
        assert!(
            matches!(parse(&fixture(name)).kind, MailKind::AutoReply(_)),
            "{name}"
        );
    }
    for name in ["bounce-multipart-report.eml", "bounce-mailer-daemon.eml"] {
        assert!(
            matches!(parse(&fixture(name)).kind, MailKind::Bounce(_)),
            "{name}"
        );
    }
}

#[test]
fn incomplete_and_broken_mails_are_kept_for_review() {
    match parse(&fixture("needs-review-no-contact.eml")).kind {
        MailKind::NeedsReview { candidate, .. } => {
            assert_eq!(candidate.customer_name.as_deref(), Some("Anonym Kunde"));
            assert_eq!(candidate.vehicle_interest.as_deref(), Some("Toyota Aygo X"));
        }
        other => panic!("{other:?}"),
    }
    for raw in [&b""[..], b"\x00\xff\xfe garbage", b"Subject: x\r\n\r\n"] {
        assert!(matches!(parse(raw).kind, MailKind::NeedsReview { .. }));
    }
    // A mail cut in half still yields something, never a panic.
    let truncated = parse(&fixture("truncated-multipart.eml"));
    assert!(matches!(
        truncated.kind,
        MailKind::NeedsReview { .. } | MailKind::Lead(_)
    ));
}

/// Importer templates the dedicated parsers do not know, in the layouts
/// seen across brands: values below their labels, tab- and space-aligned
/// columns, `<th>` tables, `<strong>` labels in paragraphs, `<dl>` lists,
/// label/value `<div>`s, `<br>` lines, `=` separators, shouted names, JSON
/// bodies, English labels, `(+47)` and `0047` numbers. Each must come out
/// whole.
#[test]
fn unknown_templates_in_common_layouts() {
    type Expected = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
        Option<&'static str>,
    );
    let cases: &[Expected] = &[
        (
            "layout-nextline.eml",
            "Per Hansen",
            Some("per.hansen@example.no"),
            "+4792211333",
            "Hyundai IONIQ 5",
            Some("Jeg vil gjerne prøvekjøre bilen på lørdag."),
        ),
        (
            "layout-english.eml",
            "Lise Berg",
            Some("lise.berg@example.no"),
            "+4798765432",
            "EQE SUV",
            Some("Interessert i leasing, ring meg etter kl 16."),
        ),
        (
            "layout-tabs.eml",
            "Trond Øvrebø",
            Some("trond.ovrebo@example.no"),
            "+4741234567",
            "Volvo EX30",
            Some("Har dere EX30 Ultra på lager?"),
        ),
        (
            "layout-th-table.eml",
            "Marte Kirkerud",
            Some("marte@example.no"),
            "+4792211333",
            "Kia EV3",
            Some("Vil ha tilbud på EV3 med innbytte av en Golf 2015."),
        ),
        (
            "layout-strong-p.eml",
            "Jonas Aas",
            Some("jonas.aas@example.no"),
            "+4797766555",
            "BMW i4 eDrive40",
            Some("Kan jeg komme torsdag?"),
        ),
        (
            "layout-td-colon.eml",
            "Silje Nygård",
            Some("silje.nygard@example.no"),
            "+4790011222",
            "Ford Explorer EV",
            Some("Pris?"),
        ),
        (
            "layout-multiline-msg.eml",
            "Eirik Solberg",
            None,
            "+4795554433",
            "Nissan Ariya",
            Some("Hei,\njeg har noen spørsmål om rekkevidde.\nKan noen ringe meg?\nMvh Eirik"),
        ),
        (
            "layout-phone-only.eml",
            "Hanne Lie",
            None,
            "+4748123456",
            "Peugeot e-2008",
            None,
        ),
        (
            "layout-dl.eml",
            "Anne Holm",
            Some("anne.holm@example.no"),
            "+4793456789",
            "Polestar 4",
            None,
        ),
        (
            "layout-divs.eml",
            "Ola Dunk",
            None,
            "+4740001234",
            "Model Y",
            None,
        ),
        (
            "layout-br.eml",
            "Kristin Dahl",
            Some("kristin.dahl@example.no"),
            "+4791000001",
            "Mazda CX-60",
            Some("Ønsker tilbud."),
        ),
        (
            "layout-upper.eml",
            "Geir Olsen",
            None,
            "+4792929292",
            "SUZUKI VITARA",
            None,
        ),
        (
            "layout-json.eml",
            "Siri Moe",
            Some("siri.moe@example.no"),
            "+4799990000",
            "Skoda Enyaq",
            Some("Hei, er den ledig?"),
        ),
        (
            "layout-kv-semicolon.eml",
            "Rune Bakke",
            Some("rune.bakke@example.no"),
            "+4797000111",
            "Opel Frontera",
            None,
        ),
    ];
    for (file, name, email, phone, vehicle, message) in cases {
        let (_, c) = lead(file);
        assert_eq!(c.customer_name.as_deref(), Some(*name), "{file}");
        assert_eq!(c.customer_email.as_deref(), *email, "{file}");
        assert_eq!(c.customer_phone.as_deref(), Some(*phone), "{file}");
        let got_vehicle = c.vehicle_interest.as_deref().unwrap_or_default();
        assert!(got_vehicle.ends_with(vehicle), "{file}: {got_vehicle:?}");
        assert_eq!(c.message.as_deref(), *message, "{file}");
    }
}

/// Random mutations of every fixture (bytes flipped, cut, duplicated,
/// boundaries broken) must never panic the parser. Bounded: a fixed seed and
/// a fixed number of rounds.
#[test]
fn the_parser_never_panics_on_mutated_mail() {
    let dir = format!("{}/tests/fixtures/emails", env!("CARGO_MANIFEST_DIR"));
    let mut rng = StdRng::seed_from_u64(0x6e6f7276616c74);
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    let specials: &[&[u8]] = &[
        b"\r\n",
        b"--",
        b":",
        b"=",
        b"<",
        b"</td>",
        b"=?utf-8?q?",
        b"\xc3",
        b"<adf>",
        b"boundary=\"\"",
        b"&#",
    ];
    for round in 0..3000 {
        let mut mail = seeds[round % seeds.len()].clone();
        for _ in 0..rng.gen_range(1..8) {
            if mail.is_empty() {
                break;
            }
            let at = rng.gen_range(0..mail.len());
            match rng.gen_range(0..5) {
                0 => mail[at] = rng.r#gen(),
                1 => mail.truncate(at),
                2 => {
                    let s = specials[rng.gen_range(0..specials.len())];
                    mail.splice(at..at, s.iter().copied());
                }
                3 => {
                    let end = (at + rng.gen_range(1..200)).min(mail.len());
                    let chunk = mail[at..end].to_vec();
                    mail.splice(at..at, chunk);
                }
                _ => {
                    let end = (at + rng.gen_range(1..50)).min(mail.len());
                    mail.drain(at..end);
                }
            }
        }
        let _ = parse(&mail);
    }
}
