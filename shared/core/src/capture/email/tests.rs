use super::*;

#[test]
fn addresses_are_found_in_header_like_values() {
    assert_eq!(
        address_in("Toyota Norge <No-Reply@toyota.no>").as_deref(),
        Some("no-reply@toyota.no")
    );
    assert_eq!(
        address_in("kari@example.no").as_deref(),
        Some("kari@example.no")
    );
    assert_eq!(address_in("<selger@x.no>,").as_deref(), Some("selger@x.no"));
    assert_eq!(address_in("ingen adresse"), None);
}

#[test]
fn robots_are_not_customers() {
    assert!(is_robot("no-reply@toyota.no"));
    assert!(is_robot("MAILER-DAEMON@x.no"));
    assert!(!is_robot("kari.nordmann@example.no"));
}

#[test]
fn an_inline_forward_splits_into_headers_and_body() {
    let lines: Vec<String> = "FYI\n\n-----Original Message-----\n> From: A <a@toyota.no>\n> Subject: x\n>\n> Navn: Per\n"
        .lines()
        .map(str::to_string)
        .collect();
    let (headers, body) = split_inline_forward(&lines).unwrap();
    assert_eq!(headers.len(), 2);
    assert!(body.iter().any(|l| l == "Navn: Per"));
}

#[test]
fn own_words_drop_quotes_and_signatures() {
    let lines: Vec<String> = "Hei\n> sitat\nEr den ledig?\n-- \nsignatur"
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(own_words(&lines), "Hei\nEr den ledig?");
}
