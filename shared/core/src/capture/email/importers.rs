//! Who sent a notice: the Norwegian importer portals by their sender domain,
//! and the make their notices are about (so `ID.4 Pro` from volkswagen.no is
//! stored as `Volkswagen ID.4 Pro`).

/// FINN.no's name: its message notices are read a little differently.
pub const FINN: &str = "FINN.no";

pub struct Importer {
    pub name: &'static str,
    pub make: &'static str,
}

/// Sender domain (or a parent of it) → importer.
const IMPORTERS: &[(&str, Importer)] = &[
    (
        "toyota.no",
        Importer {
            name: "Toyota Norge",
            make: "Toyota",
        },
    ),
    (
        "lexus.no",
        Importer {
            name: "Lexus Norge",
            make: "Lexus",
        },
    ),
    (
        "volkswagen.no",
        Importer {
            name: "Volkswagen Norge",
            make: "Volkswagen",
        },
    ),
    (
        "vw.no",
        Importer {
            name: "Volkswagen Norge",
            make: "Volkswagen",
        },
    ),
    (
        "audi.no",
        Importer {
            name: "Audi Norge",
            make: "Audi",
        },
    ),
    (
        "skoda.no",
        Importer {
            name: "Škoda Norge",
            make: "Skoda",
        },
    ),
    (
        "cupra.no",
        Importer {
            name: "Cupra Norge",
            make: "Cupra",
        },
    ),
    (
        "seat.no",
        Importer {
            name: "Seat Norge",
            make: "Seat",
        },
    ),
    (
        "harald-a-moller.no",
        Importer {
            name: "Møller Mobility Group",
            make: "",
        },
    ),
    (
        "mollerbil.no",
        Importer {
            name: "Møller Bil",
            make: "",
        },
    ),
    (
        "volvocars.com",
        Importer {
            name: "Volvo Car Norway",
            make: "Volvo",
        },
    ),
    (
        "volvocars.no",
        Importer {
            name: "Volvo Car Norway",
            make: "Volvo",
        },
    ),
    (
        "bmw.no",
        Importer {
            name: "BMW Norge",
            make: "BMW",
        },
    ),
    (
        "mercedes-benz.no",
        Importer {
            name: "Mercedes-Benz Norge",
            make: "Mercedes-Benz",
        },
    ),
    (
        "kia.no",
        Importer {
            name: "Kia Norge",
            make: "Kia",
        },
    ),
    (
        "hyundai.no",
        Importer {
            name: "Hyundai Norge",
            make: "Hyundai",
        },
    ),
    (
        "nissan.no",
        Importer {
            name: "Nissan Norge",
            make: "Nissan",
        },
    ),
    (
        "ford.no",
        Importer {
            name: "Ford Norge",
            make: "Ford",
        },
    ),
    (
        "peugeot.no",
        Importer {
            name: "Peugeot Norge",
            make: "Peugeot",
        },
    ),
    (
        "renault.no",
        Importer {
            name: "Renault Norge",
            make: "Renault",
        },
    ),
    (
        "mazda.no",
        Importer {
            name: "Mazda Norge",
            make: "Mazda",
        },
    ),
    (
        "subaru.no",
        Importer {
            name: "Subaru Norge",
            make: "Subaru",
        },
    ),
    (
        "polestar.com",
        Importer {
            name: "Polestar",
            make: "Polestar",
        },
    ),
    (
        "tesla.com",
        Importer {
            name: "Tesla",
            make: "Tesla",
        },
    ),
    (
        "finn.no",
        Importer {
            name: FINN,
            make: "",
        },
    ),
];

/// The importer behind a sender address, matching the domain or any parent
/// (`kontakt.volkswagen.no` → Volkswagen).
pub fn by_sender(address: &str) -> Option<&'static Importer> {
    let domain = address
        .rsplit('@')
        .next()?
        .trim()
        .trim_end_matches('>')
        .to_lowercase();
    IMPORTERS
        .iter()
        .find(|(d, _)| domain == *d || domain.ends_with(&format!(".{d}")))
        .map(|(_, i)| i)
}

/// `model` with the make in front unless it already names it.
pub fn with_make(make: &str, model: &str) -> String {
    let folded = model.to_lowercase();
    let make_folded = make.to_lowercase();
    if make.is_empty()
        || folded.starts_with(&make_folded)
        || (make_folded == "volkswagen" && folded.starts_with("vw "))
    {
        model.to_string()
    } else {
        format!("{make} {model}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomains_find_their_importer() {
        assert_eq!(
            by_sender("noreply@kontakt.volkswagen.no").unwrap().make,
            "Volkswagen"
        );
        assert_eq!(by_sender("no-reply@toyota.no").unwrap().make, "Toyota");
        assert!(by_sender("kari@nottoyota.no").is_none());
        assert!(by_sender("").is_none());
    }

    #[test]
    fn the_make_is_added_once() {
        assert_eq!(with_make("Volkswagen", "ID.4 Pro"), "Volkswagen ID.4 Pro");
        assert_eq!(with_make("Toyota", "Toyota bZ4X"), "Toyota bZ4X");
        assert_eq!(with_make("Volkswagen", "VW Golf"), "VW Golf");
        assert_eq!(with_make("", "Golf"), "Golf");
    }
}
