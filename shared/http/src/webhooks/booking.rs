//! The customer's booking page, `GET|POST /book/{token}` and
//! `POST /book/{token}/cancel`: a signed per-lead link, no login, plain
//! HTML forms that work on a phone and without JavaScript. It lists the
//! free times of the next days, books one (or moves the customer's
//! appointment there), and cancels. The work is `BookingDesk`'s; this
//! only reads forms and writes HTML.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use norvalt_core::Stores;
use norvalt_core::ai::opening::oslo_text;
use norvalt_core::booking::slots::{AppointmentKind, Slot};
use norvalt_core::ids::{AppointmentId, DealershipId, LeadId};
use norvalt_core::outbound::links::{BookingLinks, verify_booking};
use norvalt_core::queue::Queue;
use norvalt_core::service::booking::customer::{Booked, BookingDesk, BookingPage};

/// A form is a few fields; anything larger is not ours.
const MAX_FORM_BYTES: usize = 4 * 1024;

#[derive(Clone)]
pub struct BookingPageState {
    pub stores: Stores,
    /// The send queue: confirmations and the rep's notice.
    pub queue: Arc<dyn Queue>,
    pub links: BookingLinks,
    pub mail_domain: String,
}

impl BookingPageState {
    fn desk(&self) -> BookingDesk<'_> {
        BookingDesk {
            stores: &self.stores,
            queue: self.queue.as_ref(),
            links: &self.links,
            mail_domain: &self.mail_domain,
        }
    }

    fn verify(&self, token: &str) -> Option<(DealershipId, LeadId)> {
        verify_booking(&self.links.key, token)
    }
}

pub fn router(state: BookingPageState) -> axum::Router {
    axum::Router::new()
        .route("/book/{token}", get(page).post(book))
        .route("/book/{token}/cancel", post(cancel))
        .with_state(state)
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    kind: Option<String>,
    /// Moving this appointment: the page offers times to move it to.
    #[serde(rename = "move")]
    moving: Option<String>,
}

fn kind_of(name: Option<&str>) -> Option<AppointmentKind> {
    [
        AppointmentKind::TestDrive,
        AppointmentKind::Viewing,
        AppointmentKind::TradeInValuation,
    ]
    .into_iter()
    .find(|k| Some(k.as_str()) == name)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

const STYLE: &str = "body{font-family:Arial,Helvetica,sans-serif;max-width:560px;margin:0 auto;padding:16px;color:#1f2933;line-height:1.5}\
h1{font-size:22px}h2{font-size:17px;margin:20px 0 8px}\
.times{display:flex;flex-wrap:wrap;gap:8px}\
button,.button{font-size:16px;padding:10px 14px;min-width:88px;border:1px solid #0b5cad;border-radius:8px;background:#fff;color:#0b5cad;cursor:pointer;text-decoration:none;display:inline-block}\
button.primary{background:#0b5cad;color:#fff}\
nav a{margin-right:12px}nav a[aria-current]{font-weight:bold}\
.box{border:1px solid #d0d7de;border-radius:8px;padding:12px;margin:12px 0}";

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    (
        status,
        [("cache-control", "no-store")],
        Html(format!(
            "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <meta name=\"robots\" content=\"noindex\">\
             <title>{title}</title><style>{STYLE}</style></head><body><main>\
             <h1>{title}</h1>{body}</main></body></html>",
            title = escape(title)
        )),
    )
        .into_response()
}

fn invalid() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "Ugyldig lenke",
        "<p>Lenken er ikke gyldig lenger. Svar på meldingen du fikk, så hjelper vi deg med en tid.</p>",
    )
}

fn unavailable() -> Response {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        "Prøv igjen",
        "<p>Noe gikk galt hos oss. Prøv igjen om litt.</p>",
    )
}

/// "torsdag 10.12.2026" and "17:00" of a slot's start.
fn day_and_time(at: DateTime<Utc>) -> (String, String) {
    let text = oslo_text(at);
    match text.split_once(" kl. ") {
        Some((day, time)) => (day.to_string(), time.to_string()),
        None => (text, String::new()),
    }
}

fn slot_buttons(
    token: &str,
    kind: AppointmentKind,
    moving: Option<&str>,
    slots: &[Slot],
) -> String {
    let mut out = String::new();
    let mut day = String::new();
    for slot in slots {
        let (d, time) = day_and_time(slot.start);
        if d != day {
            if !day.is_empty() {
                out.push_str("</div></form>");
            }
            out.push_str(&format!(
                "<h2>{}</h2><form method=\"post\" action=\"/book/{token}\">\
                 <input type=\"hidden\" name=\"kind\" value=\"{}\">{}<div class=\"times\">",
                escape(&d),
                kind.as_str(),
                moving
                    .map(|m| format!(
                        "<input type=\"hidden\" name=\"move\" value=\"{}\">",
                        escape(m)
                    ))
                    .unwrap_or_default(),
            ));
            day = d;
        }
        out.push_str(&format!(
            "<button type=\"submit\" name=\"start\" value=\"{}\" data-start=\"{}\">{}</button>",
            slot.start.to_rfc3339(),
            slot.start.to_rfc3339(),
            escape(&time)
        ));
    }
    if !day.is_empty() {
        out.push_str("</div></form>");
    }
    out
}

fn render(token: &str, p: &BookingPage, moving: Option<&str>) -> Response {
    let d = &p.dealership;
    let hello = escape(&p.lead.hello());
    let mut body = format!(
        "<p>{hello} Velg en tid hos {} som passer deg. Du får en bekreftelse med en gang.</p>",
        escape(&d.name)
    );
    if let Some(address) = &d.address {
        body.push_str(&format!("<p>Adresse: {}</p>", escape(address)));
    }
    for a in &p.upcoming {
        body.push_str(&format!(
            "<div class=\"box\" data-appointment=\"{id}\"><p><strong>Din avtale:</strong> {} {}</p>\
             <form method=\"post\" action=\"/book/{token}/cancel\"><input type=\"hidden\" name=\"appointment\" value=\"{id}\">\
             <button type=\"submit\">Avbestill</button> <a class=\"button\" href=\"/book/{token}?kind={}&amp;move={id}\">Flytt</a></form></div>",
            escape(a.kind.label()),
            escape(&oslo_text(a.start)),
            a.kind.as_str(),
            id = a.id,
        ));
    }
    if moving.is_some() {
        body.push_str("<p><strong>Velg en ny tid for avtalen din.</strong></p>");
    }
    if p.kinds.len() > 1 && moving.is_none() {
        body.push_str("<nav aria-label=\"Type avtale\">");
        for k in &p.kinds {
            let current = if *k == p.kind {
                " aria-current=\"page\""
            } else {
                ""
            };
            body.push_str(&format!(
                "<a href=\"/book/{token}?kind={}\"{current}>{}</a>",
                k.as_str(),
                escape(k.label())
            ));
        }
        body.push_str("</nav>");
    }
    if p.free.is_empty() {
        body.push_str(&format!(
            "<p>Ingen ledige tider de neste dagene. Ring oss{} eller svar på meldingen du fikk.</p>",
            d.phone
                .as_deref()
                .map(|ph| format!(" på {}", escape(&norvalt_core::phone::readable(ph))))
                .unwrap_or_default()
        ));
    } else {
        body.push_str(&slot_buttons(token, p.kind, moving, &p.free));
    }
    html(
        StatusCode::OK,
        &format!("{} hos {}", p.kind.label(), d.name),
        &body,
    )
}

async fn page(
    State(state): State<BookingPageState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let Some((dealership, lead)) = state.verify(&token) else {
        return invalid();
    };
    match state
        .desk()
        .page(
            dealership,
            lead,
            kind_of(q.kind.as_deref()),
            norvalt_core::time::now(),
        )
        .await
    {
        Ok(Some(p)) => render(&token, &p, q.moving.as_deref()),
        Ok(None) => invalid(),
        Err(e) => {
            tracing::error!(error = %e, "booking page failed");
            unavailable()
        }
    }
}

/// The form's fields; a repeated field keeps its first value.
fn fields(body: &[u8]) -> Option<Vec<(String, String)>> {
    if body.len() > MAX_FORM_BYTES {
        return None;
    }
    Some(form_urlencoded::parse(body).into_owned().collect())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn bad_form() -> Response {
    html(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Noe mangler",
        "<p>Vi forsto ikke valget. Gå tilbake og velg en tid på nytt.</p>",
    )
}

/// What the customer sees after an action; `kind` and `moving` carry a
/// refused time's alternatives on as the same request.
fn result(
    token: &str,
    kind: AppointmentKind,
    moving: Option<AppointmentId>,
    outcome: Booked,
    cancelled: bool,
) -> Response {
    let back =
        format!("<p><a class=\"button\" href=\"/book/{token}\">Tilbake til bookingsiden</a></p>");
    match outcome {
        Booked::Done(a) if cancelled => html(
            StatusCode::OK,
            "Avtalen er avbestilt",
            &format!(
                "<p>{} {} er avbestilt. Du får en bekreftelse.</p>{back}",
                escape(a.kind.label()),
                escape(&oslo_text(a.start))
            ),
        ),
        Booked::Done(a) => html(
            StatusCode::OK,
            "Du er booket!",
            &format!(
                "<p data-booked=\"{}\"><strong>{}</strong> {}.</p><p>Du får en bekreftelse med tid og adresse. Velkommen!</p>{back}",
                a.start.to_rfc3339(),
                escape(a.kind.label()),
                escape(&oslo_text(a.start))
            ),
        ),
        Booked::Taken(nearest) if nearest.is_empty() => html(
            StatusCode::CONFLICT,
            "Tiden er ikke ledig",
            &format!(
                "<p>Noen kom deg i forkjøpet, og det er ingen ledige tider i nærheten.</p>{back}"
            ),
        ),
        Booked::Taken(nearest) => html(
            StatusCode::CONFLICT,
            "Tiden er ikke ledig",
            &format!(
                "<p>Noen kom deg i forkjøpet. Disse tidene er ledige i nærheten:</p>{}{back}",
                slot_buttons(
                    token,
                    kind,
                    moving.map(|m| m.to_string()).as_deref(),
                    &nearest
                )
            ),
        ),
        Booked::Refused => invalid(),
    }
}

async fn book(
    State(state): State<BookingPageState>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some((dealership, lead)) = state.verify(&token) else {
        return invalid();
    };
    let Some(form) = fields(&body) else {
        return bad_form();
    };
    let (Some(kind), Some(start)) = (
        kind_of(field(&form, "kind")),
        field(&form, "start").and_then(|s| DateTime::parse_from_rfc3339(s).ok()),
    ) else {
        return bad_form();
    };
    let moving = match field(&form, "move") {
        None | Some("") => None,
        Some(m) => match m.parse::<AppointmentId>() {
            Ok(id) => Some(id),
            Err(_) => return bad_form(),
        },
    };
    let outcome = state
        .desk()
        .book(
            dealership,
            lead,
            kind,
            start.to_utc(),
            moving,
            norvalt_core::time::now(),
        )
        .await;
    match outcome {
        Ok(outcome) => result(&token, kind, moving, outcome, false),
        Err(e) => {
            tracing::error!(error = %e, "booking failed");
            unavailable()
        }
    }
}

async fn cancel(
    State(state): State<BookingPageState>,
    Path(token): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Some((dealership, lead)) = state.verify(&token) else {
        return invalid();
    };
    let Some(id) = fields(&body)
        .as_deref()
        .and_then(|f| field(f, "appointment"))
        .and_then(|a| a.parse::<AppointmentId>().ok())
    else {
        return bad_form();
    };
    match state
        .desk()
        .cancel(dealership, lead, id, norvalt_core::time::now())
        .await
    {
        Ok(outcome) => result(&token, AppointmentKind::TestDrive, None, outcome, true),
        Err(e) => {
            tracing::error!(error = %e, "cancelling failed");
            unavailable()
        }
    }
}
