//! Telling the sales team: an email when a lead arrives and when a customer
//! answers, to the assigned rep, or — for an unassigned lead — to every
//! user who wants new-lead email plus the dealership's notify list. Each
//! recipient gets each notice once: the send claim is per notice and
//! recipient.

use chrono::{DateTime, Utc};

use crate::automation::response_clock::{ClockKind, Step};
use crate::ids::UserId;
use crate::jobs::LeadEvent;
use crate::model::{Dealership, Lead, User};
use crate::outbound::{OutboundEmail, email};
use crate::phone::readable as readable_phone;

/// Who hears about this lead: its rep if it has one (and wants email),
/// otherwise everyone who wants new-lead email and the notify list. An
/// assignment goes to the assignee; a rule's notice to whom the rule names.
pub fn recipients(
    lead: &Lead,
    dealership: &Dealership,
    users: &[User],
    event: &LeadEvent,
) -> Vec<String> {
    // Each user chooses which events reach them by email.
    let wants = |u: &&User| {
        let p = &u.notification_preferences;
        match event {
            LeadEvent::CustomerReply { .. } => p.customer_reply_email,
            LeadEvent::Target { .. } => p.escalation_email,
            _ => p.new_lead_email,
        }
    };
    let user_address = |id: UserId| -> Vec<String> {
        users
            .iter()
            .filter(|u| u.id == id && u.active)
            .map(|u| u.email.clone())
            .collect()
    };
    let named = match event {
        // The dealer system's import address, whoever has the lead.
        LeadEvent::Adf => Some(dealership.adf_email.iter().cloned().collect()),
        LeadEvent::Assigned { user_id } => Some(
            users
                .iter()
                .filter(|u| u.id == *user_id && u.active)
                .filter(wants)
                .map(|u| u.email.clone())
                .collect(),
        ),
        LeadEvent::FollowUp {
            user_id: Some(id), ..
        } => Some(user_address(*id)),
        LeadEvent::FollowUp { emails, .. } if !emails.is_empty() => Some(emails.clone()),
        // A missed target: the rep who has it now and every manager who
        // wants escalations by email.
        LeadEvent::Target {
            step: Step::Escalate,
            reassigned_to,
            ..
        } => Some(
            users
                .iter()
                .filter(|u| u.active)
                .filter(|u| {
                    Some(u.id) == *reassigned_to || u.role == crate::permissions::Role::Manager
                })
                .filter(wants)
                .map(|u| u.email.clone())
                .collect(),
        ),
        _ => None,
    };
    let mut out: Vec<String> = match (named, lead.assigned_to) {
        (Some(named), _) => named,
        (None, Some(rep)) => users
            .iter()
            .filter(|u| u.id == rep)
            .filter(wants)
            .map(|u| u.email.clone())
            .collect(),
        (None, None) => users
            .iter()
            .filter(|u| u.active)
            .filter(wants)
            .map(|u| u.email.clone())
            .chain(dealership.reply.notify_emails.iter().cloned())
            .collect(),
    };
    for address in &mut out {
        *address = address.trim().to_lowercase();
    }
    out.sort();
    out.dedup();
    out.retain(|a| a.contains('@'));
    out
}

/// What one notice is about.
pub struct Notice<'a> {
    pub dealership: &'a Dealership,
    pub lead: &'a Lead,
    pub event: &'a LeadEvent,
    /// The customer's answer, for a reply notice.
    pub reply_text: Option<&'a str>,
    /// The appointment, for a booking notice.
    pub appointment: Option<&'a crate::model::Appointment>,
}

/// The lead as an ADF document, the whole plain-text body (as importer
/// portals send it, which is what dealer systems read).
fn adf_email(
    dealership: &Dealership,
    lead: &Lead,
    to: &str,
    send_key: &str,
    dashboard_url: &str,
    mail_domain: &str,
    now: DateTime<Utc>,
) -> OutboundEmail {
    let text = crate::integrations::adf_out::document(lead, dealership);
    let who = lead.customer_name.as_deref().unwrap_or("ukjent kunde");
    let escaped = text
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let settings = format!(
        "{}/innstillinger/kanaler",
        dashboard_url.trim_end_matches('/')
    );
    let html = format!("<!doctype html><html><body><pre>{escaped}</pre></body></html>");
    // A system's import mailbox: the dealership's admin stops it in the
    // settings.
    from_norvalt(
        dealership,
        Addressed {
            to,
            send_key,
            mail_domain,
            now,
        },
        format!("ADF-lead: {who}"),
        (text, html),
        (settings, "ADF"),
    )
}

/// The notice as an email to one team member.
pub fn compose(
    notice: &Notice,
    to: &str,
    send_key: &str,
    dashboard_url: &str,
    mail_domain: &str,
    now: DateTime<Utc>,
) -> OutboundEmail {
    let Notice {
        dealership,
        lead,
        event,
        reply_text,
        appointment,
    } = notice;
    if let LeadEvent::Adf = event {
        return adf_email(
            dealership,
            lead,
            to,
            send_key,
            dashboard_url,
            mail_domain,
            now,
        );
    }
    let booking = appointment.map(|a| {
        let verb = match a.status {
            crate::model::AppointmentStatus::Cancelled => "avbestilt",
            _ if a.sequence > 0 => "flyttet",
            _ => "booket",
        };
        (
            verb,
            format!(
                "{} {}",
                a.kind.label(),
                crate::ai::opening::oslo_text(a.start)
            ),
        )
    });
    let who = lead
        .customer_name
        .clone()
        .or_else(|| lead.customer_email.clone())
        .or_else(|| lead.customer_phone.clone())
        .unwrap_or_else(|| "ukjent kunde".into());
    let vehicle = lead
        .vehicle_interest
        .as_deref()
        .unwrap_or("bil ikke oppgitt");
    let subject = match event {
        // (An ADF mail is written by `adf_email`.)
        LeadEvent::NewLead | LeadEvent::Adf => format!("Ny lead: {who} – {vehicle}"),
        LeadEvent::CustomerReply { .. } => format!("{who} har svart – {vehicle}"),
        LeadEvent::Assigned { .. } => format!("Tildelt deg: {who} – {vehicle}"),
        LeadEvent::Handover { reason, .. } => {
            format!("Trenger menneske: {who} – {}", reason.label())
        }
        LeadEvent::FollowUp { rule_name, .. } => {
            format!("Oppfølging ({rule_name}): {who} – {vehicle}")
        }
        LeadEvent::Appointment { .. } => match &booking {
            Some((verb, what)) => format!("Avtale {verb}: {what} – {who}"),
            None => format!("Avtale endret – {who}"),
        },
        LeadEvent::Target {
            step: Step::Remind, ..
        } => format!("Svar snart: {who} – {vehicle}"),
        LeadEvent::Target { .. } => format!("Svarfrist passert: {who} – {vehicle}"),
    };
    let link = format!("{}/leads/{}", dashboard_url.trim_end_matches('/'), lead.id);
    let mut lines = vec![match event {
        LeadEvent::NewLead | LeadEvent::Adf => {
            format!("En ny henvendelse har kommet inn til {}.", dealership.name)
        }
        LeadEvent::CustomerReply { .. } => {
            format!("{who} har svart på meldingen fra {}.", dealership.name)
        }
        LeadEvent::Assigned { .. } => format!("{who} er tildelt deg hos {}.", dealership.name),
        LeadEvent::Handover { reason, .. } => format!(
            "AI-en har gitt samtalen med {who} videre til en person hos {}: {}.",
            dealership.name,
            reason.label().to_lowercase()
        ),
        LeadEvent::Appointment { .. } => match &booking {
            Some((verb, what)) => format!("{who} har {verb}: {what}."),
            None => format!("En avtale med {who} er endret."),
        },
        LeadEvent::Target {
            step: Step::Remind,
            clock,
            due_at,
            ..
        } => format!(
            "{who} venter på {} fra en person. Fristen er {}.",
            match clock {
                ClockKind::FirstContact => "første kontakt",
                ClockKind::Reply => "svar",
            },
            crate::ai::opening::oslo_text(*due_at)
        ),
        LeadEvent::Target {
            due_at,
            reassigned_to,
            ..
        } => format!(
            "Ingen person har svart {who} innen fristen ({}).{}",
            crate::ai::opening::oslo_text(*due_at),
            if reassigned_to.is_some() {
                " Leaden er gitt videre til neste selger."
            } else {
                ""
            }
        ),
        LeadEvent::FollowUp {
            rule_name, note, ..
        } => match note {
            Some(note) => format!("Oppfølgingsregelen «{rule_name}»: {note}"),
            None => format!(
                "Oppfølgingsregelen «{rule_name}» ber deg følge opp {who}: kunden har ikke svart."
            ),
        },
    }];
    lines.push(String::new());
    lines.push(format!("Kunde: {who}"));
    if let Some(email) = &lead.customer_email {
        lines.push(format!("E-post: {email}"));
    }
    if let Some(phone) = &lead.customer_phone {
        lines.push(format!("Telefon: {}", readable_phone(phone)));
    }
    lines.push(format!("Bil: {vehicle}"));
    if let Some(a) = &lead.analysis {
        lines.push(format!("Score: {} – {}", a.lead_score, a.explanation));
    }
    if let (LeadEvent::Handover { .. }, Some(handover)) = (event, &lead.handover) {
        lines.push(String::new());
        lines.push("Oppsummering:".into());
        lines.push(handover.summary.trim().chars().take(2000).collect());
    }
    let said = match event {
        LeadEvent::CustomerReply { .. } => *reply_text,
        _ => lead.initial_message.as_deref(),
    };
    if let Some(text) = said.filter(|t| !t.trim().is_empty()) {
        lines.push(String::new());
        lines.push("Kunden skrev:".into());
        lines.push(text.trim().chars().take(2000).collect());
    }
    lines.push(String::new());
    lines.push(format!("Åpne leaden: {link}"));
    let text = lines.join("\n");
    let settings = format!(
        "{}/innstillinger/varsler",
        dashboard_url.trim_end_matches('/')
    );
    let html = email::html_body(&dealership.name, &text, &settings);
    from_norvalt(
        dealership,
        Addressed {
            to,
            send_key,
            mail_domain,
            now,
        },
        subject,
        (text, html),
        (settings, "Varsler"),
    )
}

/// Who an email goes to, under which send key, and when.
struct Addressed<'a> {
    to: &'a str,
    send_key: &'a str,
    mail_domain: &'a str,
    now: DateTime<Utc>,
}

/// An email from Norvalt, on the dealership's behalf, to its own people or
/// systems: answers go to the dealership (not past Norvalt to a customer),
/// and `stop` names the settings page that stops it and the subject of a
/// mail to the dealership that asks it to.
fn from_norvalt(
    dealership: &Dealership,
    a: Addressed,
    subject: String,
    (text, html): (String, String),
    stop: (String, &str),
) -> OutboundEmail {
    let (settings, mailto_subject) = stop;
    OutboundEmail {
        send_key: a.send_key.to_string(),
        from_name: format!("Norvalt for {}", dealership.name),
        from_address: format!("varsel@{}", a.mail_domain),
        to_name: None,
        to: a.to.to_string(),
        reply_to: dealership.email.clone(),
        html,
        text,
        subject,
        unsubscribe_mailto: Some(format!(
            "mailto:{}?subject={mailto_subject}",
            dealership.email
        )),
        unsubscribe_url: settings,
        message_id: format!("{}@{}", a.send_key.replace([':', '@'], "-"), a.mail_domain),
        date: a.now,
        calendar: None,
    }
}
