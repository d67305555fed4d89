//! The demo data a fresh local platform starts with: two dealerships, each
//! with an admin, a manager, two sales reps, opening hours and some cars.

use chrono::{DateTime, Utc};
use norvalt_core::ports::RouteKind;
use rust_decimal::Decimal;

use norvalt_core::model::dealership::{NewDealership, SubscriptionTier};
use norvalt_core::model::{FuelType, NewRule, NewUser, NewVehicle, OpeningHours, VehicleStatus};
use norvalt_core::service::provisioning::{self, PlatformSettings};
use norvalt_core::{DomainResult, Role, Stores};

struct Demo {
    name: &'static str,
    slug: &'static str,
    email: &'static str,
    phone: &'static str,
    address: &'static str,
    /// The dealership's website (allowed form origin, thank-you page).
    website: &'static str,
    /// A demo Facebook page connected to the dealership.
    facebook_page: &'static str,
    team: [(&'static str, &'static str, Role); 4],
    cars: &'static [(
        &'static str,
        &'static str,
        i64,
        FuelType,
        i64,
        i64,
        VehicleStatus,
    )],
}

const DEMOS: [Demo; 2] = [
    Demo {
        name: "Bilsenteret Drammen",
        slug: "bilsenteret-drammen",
        website: "https://www.bilsenteret-drammen.no",
        facebook_page: "104233998877665",
        email: "post@bilsenteret-drammen.no",
        phone: "32 21 00 00",
        address: "Tordenskioldsgate 70, 3044 Drammen",
        team: [
            ("Ingrid Haugen", "ingrid", Role::Admin),
            ("Per Østby", "per", Role::Manager),
            ("Sofie Bråten", "sofie", Role::SalesRep),
            ("Magnus Løvås", "magnus", Role::SalesRep),
        ],
        cars: &[
            (
                "Toyota",
                "RAV4 Plug-in Hybrid",
                2025,
                FuelType::Hybrid,
                529_900,
                0,
                VehicleStatus::Available,
            ),
            (
                "Toyota",
                "bZ4X",
                2024,
                FuelType::Electric,
                449_900,
                8_500,
                VehicleStatus::Available,
            ),
            (
                "Toyota",
                "Corolla Touring Sports",
                2022,
                FuelType::Hybrid,
                319_000,
                41_000,
                VehicleStatus::Reserved,
            ),
            (
                "Toyota",
                "Hilux",
                2021,
                FuelType::Diesel,
                489_000,
                62_000,
                VehicleStatus::Sold,
            ),
        ],
    },
    Demo {
        name: "Fjord Bil Bergen",
        slug: "fjord-bil-bergen",
        website: "https://www.fjordbil.no",
        facebook_page: "204233998877666",
        email: "salg@fjordbil.no",
        phone: "55 30 40 50",
        address: "Kanalveien 11, 5068 Bergen",
        team: [
            ("Kari Vik", "kari", Role::Admin),
            ("Øyvind Aase", "oyvind", Role::Manager),
            ("Åse Nygård", "ase", Role::SalesRep),
            ("Jonas Ødegård", "jonas", Role::SalesRep),
        ],
        cars: &[
            (
                "Volkswagen",
                "ID.4 Pro",
                2025,
                FuelType::Electric,
                489_900,
                0,
                VehicleStatus::Available,
            ),
            (
                "Volkswagen",
                "ID.Buzz",
                2024,
                FuelType::Electric,
                679_000,
                3_200,
                VehicleStatus::DemoOnly,
            ),
            (
                "Volkswagen",
                "Golf Variant",
                2020,
                FuelType::Bensin,
                229_000,
                78_000,
                VehicleStatus::Available,
            ),
        ],
    },
];

pub const DEMO_SLUGS: [&str; 2] = ["bilsenteret-drammen", "fjord-bil-bergen"];

/// Clerk ids of the seeded organisation and users are derived from the slug,
/// so tokens can be minted for them without a lookup table.
pub fn demo_org_id(slug: &str) -> String {
    format!("org_demo_{}", slug.replace('-', "_"))
}

/// Seeds whichever demo dealership is missing; returns how many it created.
pub async fn seed_demo(
    stores: &Stores,
    settings: &PlatformSettings,
    now: DateTime<Utc>,
) -> DomainResult<usize> {
    let mut created = 0;
    for demo in &DEMOS {
        if provisioning::find_by_slug(stores, demo.slug)
            .await?
            .is_some()
        {
            continue;
        }
        let input = NewDealership {
            name: demo.name.into(),
            slug: demo.slug.into(),
            email: demo.email.into(),
            phone: Some(demo.phone.into()),
            address: Some(demo.address.into()),
            clerk_org_id: Some(demo_org_id(demo.slug)),
            subscription_tier: Some(SubscriptionTier::Professional),
            opening_hours: Some(OpeningHours::typical()),
        };
        let (tenant, mut dealership) =
            provisioning::create_dealership(stores, settings, input, now).await?;
        dealership.capture.allowed_origins = vec![demo.website.to_string()];
        dealership.capture.thank_you_url = Some(format!("{}/takk", demo.website));
        dealership.capture.facebook_pages = vec![demo.facebook_page.to_string()];
        stores
            .dealerships
            .update_dealership(&tenant, &dealership)
            .await?;
        stores
            .routes
            .claim_route(RouteKind::FacebookPage, demo.facebook_page, &tenant)
            .await?;
        let domain = dealership
            .email
            .split('@')
            .nth(1)
            .unwrap_or("example.no")
            .to_string();
        for (name, handle, role) in demo.team {
            let user = NewUser {
                clerk_user_id: format!("user_demo_{}_{handle}", demo.slug.replace('-', "_")),
                email: format!("{handle}@{domain}"),
                name: Some(name.into()),
                role,
            };
            provisioning::add_user(stores, &tenant, user, now).await?;
        }
        for (make, model, year, fuel, price, mileage, status) in demo.cars {
            let vehicle = NewVehicle {
                make: (*make).into(),
                model: (*model).into(),
                year: Some(*year),
                status: Some(*status),
                price: Some(Decimal::from(*price)),
                mileage: Some(*mileage),
                fuel_type: Some(*fuel),
                ..Default::default()
            }
            .into_vehicle(tenant.dealership_id(), now)?;
            stores.vehicles.insert_vehicle(&tenant, &vehicle).await?;
        }
        for rule in follow_up_rules() {
            let rule = rule.into_rule(tenant.dealership_id(), &[], now)?;
            stores.rules.insert_rule(&tenant, &rule).await?;
        }
        created += 1;
    }
    Ok(created)
}

/// The follow-ups every demo dealership starts with: a customer who has not
/// answered in 24 hours gets a short reminder on the channel our reply
/// went by (email when they left an address, else SMS), and two days later
/// their rep is asked to call.
pub fn follow_up_rules() -> [NewRule; 2] {
    let notify = serde_json::json!({"delay_minutes": 2 * 24 * 60, "action": {"type": "notify",
        "note": "Kunden har ikke svart på tre dager. Ring kunden, eller sett leaden til tapt."}});
    let rules = [
        serde_json::json!({
            "name": "Ingen svar etter 24 timer (e-post)",
            "trigger": {"type": "no_response", "hours": 24},
            "conditions": {"has_email": true},
            "steps": [
                {"delay_minutes": 0, "action": {"type": "send_email", "template": {
                    "subject": "{bil} – fortsatt interessert?",
                    "body": "Hei {fornavn}!\n\nVi ville bare høre om du fortsatt er interessert i {bil}. Svar gjerne på denne e-posten med et tidspunkt som passer for en prat eller en prøvekjøring, så ordner vi resten."
                }}},
                notify.clone()
            ]
        }),
        serde_json::json!({
            "name": "Ingen svar etter 24 timer (SMS)",
            "trigger": {"type": "no_response", "hours": 24},
            "conditions": {"has_email": false, "has_phone": true},
            "steps": [
                {"delay_minutes": 0, "action": {"type": "send_sms",
                    "template": "Hei {fornavn}! Fortsatt interessert i {bil}? Svar på denne SMS-en, så tar vi kontakt. Hilsen {forhandler}"}},
                notify
            ]
        }),
    ];
    rules.map(|r| serde_json::from_value(r).expect("the demo rules are well-formed"))
}

/// Adds `count` leads with varied Norwegian names, numbers, cars,
/// messages, statuses, reps and answer times, spread over the last `days`
/// days, to the dealership `slug`. Follow-up rules for new leads are set
/// off as for real leads.
pub async fn seed_leads(
    stores: &Stores,
    slug: &str,
    count: usize,
    days: i64,
) -> DomainResult<usize> {
    use norvalt_core::model::LeadStatus;
    use norvalt_core::model::{LeadSource, NewLead};
    use norvalt_core::service::automation::triggers::{self, Event};
    const FIRST: [&str; 12] = [
        "Kari", "Ola", "Åse", "Bjørn", "Ingrid", "Pål", "Sigrid", "Ørjan", "Marte", "Jonas", "Æsa",
        "Håkon",
    ];
    const LAST: [&str; 10] = [
        "Nordmann",
        "Ødegård",
        "Hansen",
        "Bråten",
        "Løvås",
        "Johansen",
        "Æsøy",
        "Berg",
        "Dahl",
        "Haugen",
    ];
    const CARS: [&str; 8] = [
        "Toyota RAV4",
        "Toyota bZ4X",
        "VW ID.4",
        "VW Golf",
        "Tesla Model Y",
        "Skoda Enyaq",
        "Volvo XC40",
        "Hilux",
    ];
    const ASKS: [&str; 5] = [
        "Er bilen fortsatt ledig?",
        "Kan jeg prøvekjøre på lørdag?",
        "Hva får jeg for min gamle bil i innbytte?",
        "Har dere finansiering?",
        "Ring meg gjerne etter kl. 16.",
    ];
    let (tenant, _) = provisioning::find_by_slug(stores, slug)
        .await?
        .ok_or(norvalt_core::error::DEALERSHIP_NOT_FOUND)?;
    let sources = [
        LeadSource::Website,
        LeadSource::Email,
        LeadSource::Facebook,
        LeadSource::Manual,
    ];
    let now = norvalt_core::time::now();
    let start = now - chrono::Duration::days(days);
    let step_ms = (days * 24 * 3600 * 1000 / count.max(1) as i64).max(1);
    let statuses = [
        LeadStatus::New,
        LeadStatus::Contacted,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Won,
        LeadStatus::Lost,
    ];
    let mut reps: Vec<_> = stores
        .users
        .list_users(&tenant)
        .await?
        .into_iter()
        .filter(|u| u.role == Role::SalesRep)
        .map(|u| u.id)
        .collect();
    reps.sort();
    for i in 0..count {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let input = NewLead {
            customer_name: Some(format!("{first} {last}")),
            customer_email: (i % 3 != 0).then(|| format!("kunde{i}@example.no")),
            customer_phone: Some(format!("9{:07}", i % 10_000_000)),
            vehicle_interest: Some(CARS[i % CARS.len()].into()),
            initial_message: Some(ASKS[i % ASKS.len()].into()),
            lead_score: Some((i % 100 + 1) as i64),
            ..Default::default()
        };
        let at = start + chrono::Duration::milliseconds(step_ms * i as i64);
        let mut lead = input.into_lead(tenant.dealership_id(), sources[i % sources.len()], at)?;
        lead.set_status(statuses[i % statuses.len()], at);
        if lead.status != LeadStatus::New {
            // Mostly within the promised 90 s, some much later.
            lead.first_response_at =
                Some(at + chrono::Duration::seconds((i * 37 % 150) as i64 + 3));
        }
        if !reps.is_empty() && i % 4 != 0 {
            lead.assigned_to = Some(reps[i % reps.len()]);
        }
        stores.leads.insert_lead(&tenant, &lead).await?;
        triggers::fire(stores, &tenant, &lead, Event::NewLead, at, now).await?;
    }
    Ok(count)
}
