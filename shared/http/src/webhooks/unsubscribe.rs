//! `GET|POST /unsubscribe/{token}`: the link in every email's footer and
//! `List-Unsubscribe` header. GET shows a Norwegian page with one button
//! (mail scanners follow links, so GET alone changes nothing); POST — the
//! button, or a mail client's RFC 8058 one-click — puts the address on the
//! dealership's suppression list. The token is signed, so it can only ever
//! unsubscribe the lead it was made for.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use norvalt_core::Stores;
use norvalt_core::outbound::links::verify_unsubscribe;
use norvalt_core::outbound::suppression;
use norvalt_core::tenancy::TenantId;

#[derive(Clone)]
pub struct UnsubscribeState {
    pub stores: Stores,
    pub link_key: Vec<u8>,
}

pub fn router(state: UnsubscribeState) -> axum::Router {
    axum::Router::new()
        .route("/unsubscribe/{token}", get(page).post(unsubscribe))
        .with_state(state)
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    (
        status,
        Html(format!(
            "<!doctype html><html lang=\"nb\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
             <title>{title}</title></head><body style=\"font-family:Arial,sans-serif;max-width:480px;margin:48px auto;padding:0 16px\">\
             <h1 style=\"font-size:22px\">{title}</h1>{body}</body></html>"
        )),
    )
        .into_response()
}

fn invalid() -> Response {
    html(
        StatusCode::NOT_FOUND,
        "Ugyldig lenke",
        "<p>Lenken er ikke gyldig. Svar på e-posten du fikk, så hjelper vi deg.</p>",
    )
}

async fn page(State(state): State<UnsubscribeState>, Path(token): Path<String>) -> Response {
    if verify_unsubscribe(&state.link_key, &token).is_none() {
        return invalid();
    }
    html(
        StatusCode::OK,
        "Meld deg av",
        &format!(
            "<p>Vil du ikke lenger få e-post fra forhandleren om denne henvendelsen?</p>\
             <form method=\"post\" action=\"/unsubscribe/{token}\">\
             <button type=\"submit\" style=\"font-size:16px;padding:10px 20px\">Meld meg av</button></form>"
        ),
    )
}

async fn unsubscribe(State(state): State<UnsubscribeState>, Path(token): Path<String>) -> Response {
    let Some(u) = verify_unsubscribe(&state.link_key, &token) else {
        return invalid();
    };
    // The token was made by us for this dealership's lead.
    let tenant = TenantId::from_signed_link(u.dealership_id);
    let lead = match state.stores.leads.get_lead(&tenant, u.lead_id).await {
        Ok(lead) => lead,
        Err(e) => {
            tracing::error!(error = %e, "unsubscribe: lead lookup failed");
            return html(
                StatusCode::SERVICE_UNAVAILABLE,
                "Prøv igjen",
                "<p>Noe gikk galt hos oss. Prøv igjen om litt.</p>",
            );
        }
    };
    let address = lead.as_ref().and_then(|l| match u.channel {
        norvalt_core::model::Channel::Sms => l.customer_phone.clone(),
        _ => l.customer_email.clone(),
    });
    if let Some(address) = address
        && let Err(e) = suppression::suppress(
            &state.stores,
            &tenant,
            u.channel,
            &address,
            "unsubscribed",
            norvalt_core::time::now(),
        )
        .await
    {
        tracing::error!(error = %e, "unsubscribe: could not store the suppression");
        return html(
            StatusCode::SERVICE_UNAVAILABLE,
            "Prøv igjen",
            "<p>Noe gikk galt hos oss. Prøv igjen om litt.</p>",
        );
    }
    html(
        StatusCode::OK,
        "Du er meldt av",
        "<p>Du får ikke flere e-poster fra forhandleren om denne henvendelsen.</p>",
    )
}
