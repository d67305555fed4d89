use super::*;

fn parse_csv(text: &str) -> ParsedFeed {
    parse(text.as_bytes(), None, &BTreeMap::new()).unwrap()
}

#[test]
fn a_norwegian_excel_export_with_semicolons_is_read() {
    let feed = "Merke;Modell;Variant;Årsmodell;Pris;Km;Drivstoff;Farge;Lagernummer;Chassisnummer;Lenke;Bilder\n\
        Toyota;RAV4;Plug-in Hybrid AWD;2023;\"449 900,-\";\"12 500 km\";Ladbar hybrid;Grå;T-1042;JTMW43FV10D123456;https://bil.no/t-1042;https://img.no/1.jpg|https://img.no/2.jpg\n\
        Škoda;Enyaq;80;2022;kr 389.900;31000;Elektrisk;Hvit;S-77;;;\n";
    let parsed = parse_csv(feed);
    assert_eq!(parsed.refused, []);
    assert_eq!(parsed.cars.len(), 2);
    let rav = &parsed.cars[0];
    assert_eq!((rav.make.as_str(), rav.model.as_str()), ("Toyota", "RAV4"));
    assert_eq!(rav.variant.as_deref(), Some("Plug-in Hybrid AWD"));
    assert_eq!(rav.year, Some(2023));
    assert_eq!(rav.price, Some(Decimal::from(449_900)));
    assert_eq!(rav.mileage, Some(12_500));
    assert_eq!(rav.fuel_type, Some(FuelType::Hybrid));
    assert_eq!(rav.colour.as_deref(), Some("Grå"));
    assert_eq!(rav.stock_number.as_deref(), Some("T-1042"));
    assert_eq!(rav.vin.as_deref(), Some("JTMW43FV10D123456"));
    assert_eq!(rav.images, ["https://img.no/1.jpg", "https://img.no/2.jpg"]);
    let enyaq = &parsed.cars[1];
    assert_eq!(enyaq.price, Some(Decimal::from(389_900)));
    assert_eq!(enyaq.fuel_type, Some(FuelType::Electric));
    assert_eq!(enyaq.vin, None);
}

#[test]
fn latin1_and_commas_and_a_bom_are_read_too() {
    let utf8 = "\u{feff}make,model,year,price,stock number\nVolvo,XC40,2021,\"299,900.00\",V-1\n";
    let parsed = parse_csv(utf8);
    assert_eq!(parsed.cars[0].price, Some(Decimal::new(29_990_000, 2)));
    let latin1: Vec<u8> = "Merke;Modell;Lagernr\nCitroën;Ë-C4;C-9\n"
        .chars()
        .map(|c| c as u8)
        .collect();
    let parsed = parse(&latin1, Some(FeedFormat::Csv), &BTreeMap::new()).unwrap();
    assert_eq!(parsed.cars[0].make, "Citroën");
}

#[test]
fn a_row_is_refused_with_its_reason_and_a_bad_value_left_out() {
    let feed = "make;model;stock;vin;year;price\n\
        Toyota;;A-1;;2020;100000\n\
        Toyota;Yaris;;NOTAVIN;2020;100000\n\
        Toyota;Corolla;A-3;;tjue;gratis\n";
    let parsed = parse_csv(feed);
    assert_eq!(parsed.cars.len(), 1);
    assert_eq!(
        parsed
            .refused
            .iter()
            .map(|r| (r.row, r.reason.as_str()))
            .collect::<Vec<_>>()[0],
        (1, "mangler modell")
    );
    assert_eq!(parsed.refused[1].row, 2);
    assert!(
        parsed.refused[1].reason.contains("mangler lagernummer"),
        "{:?}",
        parsed.refused
    );
    let corolla = &parsed.cars[0];
    assert_eq!((corolla.year, corolla.price), (None, None));
    let noted: Vec<_> = parsed.notes.iter().map(|n| (n.row, n.field)).collect();
    assert!(noted.contains(&(2, Some(FeedField::Vin))));
    assert!(noted.contains(&(3, Some(FeedField::Year))));
    assert!(noted.contains(&(3, Some(FeedField::Price))));
}

#[test]
fn a_dealership_s_own_column_names_are_used_first() {
    let mapping = BTreeMap::from([
        (FeedField::StockNumber, "Internnr".to_string()),
        (FeedField::Make, "Produsent".to_string()),
    ]);
    let parsed = parse(
        b"Produsent,Modell,Internnr\nMazda,CX-5,M-5\n",
        None,
        &mapping,
    )
    .unwrap();
    assert_eq!(parsed.cars[0].make, "Mazda");
    assert_eq!(parsed.cars[0].stock_number.as_deref(), Some("M-5"));
    assert_eq!(
        parse(b"Produsent,Modell\nMazda,CX-5\n", None, &BTreeMap::new()),
        Err(FeedError::MissingColumn("merke"))
    );
    // A file without the mapped column falls back to the common names.
    let parsed = parse(
        "Merke,Modell,Lagernummer\nMazda,CX-30,M-30\n".as_bytes(),
        None,
        &mapping,
    )
    .unwrap();
    assert_eq!(parsed.cars[0].stock_number.as_deref(), Some("M-30"));
}

#[test]
fn an_xml_feed_finds_its_cars_wherever_they_sit() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
        <forhandler><biler>
          <bil><merke>Volkswagen</merke><modell>ID.4</modell><årsmodell>2024</årsmodell>
               <pris>419900</pris><lagernummer>VW-4</lagernummer>
               <bilder><bilde>https://img.no/a.jpg</bilde><bilde>https://img.no/b.jpg</bilde></bilder></bil>
          <bil><merke>Volkswagen</merke><modell>Golf</modell></bil>
        </biler></forhandler>"#;
    let parsed = parse(xml.as_bytes(), None, &BTreeMap::new()).unwrap();
    assert_eq!(parsed.cars.len(), 1);
    assert_eq!(parsed.cars[0].images.len(), 2);
    assert_eq!(parsed.cars[0].year, Some(2024));
    assert_eq!(parsed.refused.len(), 1, "the Golf has no key");
    assert!(matches!(
        parse(b"<oops", None, &BTreeMap::new()),
        Err(FeedError::Unreadable(_))
    ));
}

#[test]
fn a_feed_too_large_or_empty_is_refused_whole() {
    assert_eq!(
        parse(b"  \n", None, &BTreeMap::new()),
        Err(FeedError::Empty)
    );
    let huge = vec![b'a'; MAX_FEED_BYTES + 1];
    assert_eq!(
        parse(&huge, None, &BTreeMap::new()),
        Err(FeedError::TooLarge)
    );
}
