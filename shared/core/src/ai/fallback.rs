//! The branded template reply: what the customer gets when no model is
//! configured, the model is down or slow, or its answer fails a guardrail.
//! Still specific — first name, car, dealership, a next step that fits the
//! opening hours and what the customer asked for.

use super::analysis::{Intent, analyse};
use super::context::ReplyContext;
use super::opening;

pub const TEMPLATE_VERSION: &str = "template/2026-11-25.1";

pub fn first_reply(ctx: &ReplyContext) -> String {
    let d = &ctx.dealership;
    let greeting = match ctx.first_name() {
        Some(name) => format!("Hei {name}!"),
        None => "Hei!".to_string(),
    };
    let about = match ctx.vehicle_label() {
        Some(v) => format!("Takk for at du tok kontakt med {} om {v}.", d.name),
        None => format!("Takk for at du tok kontakt med {}.", d.name),
    };
    let intents = analyse(&ctx.lead).intents;
    let car = ctx.vehicle_label().unwrap_or_else(|| "bilen".to_string());
    // Up to two of the customer's questions, most decisive first.
    let has = |i: Intent| intents.contains(&i);
    let mut answers: Vec<String> = Vec::new();
    if has(Intent::Availability) {
        answers.push(format!(
            "En selger sjekker om {car} er tilgjengelig og svarer deg på det."
        ));
    }
    if has(Intent::TestDrive) {
        answers.push(format!(
            "Vi setter gjerne av tid til en prøvekjøring av {car}."
        ));
    }
    if has(Intent::Offer) || has(Intent::Financing) {
        answers.push(
            "En av våre selgere setter opp et konkret tilbud til deg, med pris og eventuelle finansieringsmuligheter."
                .to_string(),
        );
    }
    if has(Intent::TradeIn) {
        answers.push("Vi ser gjerne på innbyttebilen din og gir deg et tilbud.".to_string());
    }
    if answers.is_empty() {
        answers.push(
            "En av våre selgere ser på henvendelsen din og følger deg opp personlig.".to_string(),
        );
    }
    answers.truncate(if ctx.is_sms() { 1 } else { 2 });
    let answer = answers.join(" ");
    let next = if ctx.open_now() {
        match d.phone.as_deref().map(crate::phone::readable) {
            Some(phone) => format!(
                "Vi har åpent nå – ring oss gjerne på {phone}, eller svar på denne meldingen med når det passer for deg."
            ),
            None => "Vi har åpent nå – svar gjerne på denne meldingen med når det passer for deg."
                .to_string(),
        }
    } else {
        match ctx.next_opening_text() {
            Some(next) => format!(
                "Vi åpner igjen {next}. Svar gjerne på denne meldingen med et tidspunkt som passer, så tar vi kontakt."
            ),
            None => {
                "Svar gjerne på denne meldingen med et tidspunkt som passer, så tar vi kontakt."
                    .to_string()
            }
        }
    };
    if ctx.is_sms() {
        // One or two segments: no opening hours, the next step in short.
        let next = match d.phone.as_deref().map(crate::phone::readable) {
            Some(phone) => format!("Svar på denne SMS-en eller ring {phone}."),
            None => "Svar gjerne på denne SMS-en.".to_string(),
        };
        return format!("{greeting} {about} {answer} {next}");
    }
    let hours = opening::describe(&d.opening_hours);
    format!("{greeting}\n\n{about} {answer}\n\n{next}\n\nÅpningstider: {hours}.")
}

/// The template follow-up to a customer who has not answered: short, about
/// their car, with one easy way to answer.
pub fn follow_up(ctx: &ReplyContext) -> String {
    let d = &ctx.dealership;
    let greeting = match ctx.first_name() {
        Some(name) => format!("Hei {name}!"),
        None => "Hei!".to_string(),
    };
    let car = ctx.vehicle_label().unwrap_or_else(|| "bilen".to_string());
    let phone = d.phone.as_deref().map(crate::phone::readable);
    if ctx.is_sms() {
        let next = match phone {
            Some(phone) => format!("Svar på denne SMS-en eller ring {phone}."),
            None => "Svar gjerne på denne SMS-en.".to_string(),
        };
        return format!(
            "{greeting} Vi i {} ville høre om du fortsatt er interessert i {car}. {next}",
            d.name
        );
    }
    let next = match phone {
        Some(phone) => format!(
            "Svar gjerne på denne e-posten med et tidspunkt som passer for en prat eller en prøvekjøring, eller ring oss på {phone}."
        ),
        None => "Svar gjerne på denne e-posten med et tidspunkt som passer for en prat eller en prøvekjøring.".to_string(),
    };
    format!(
        "{greeting}\n\nVi ville bare høre om du fortsatt er interessert i {car}. Har du spørsmål, hjelper vi deg gjerne videre.\n\n{next}"
    )
}
