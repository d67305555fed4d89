//! Telling the customer and the rep about a booking, a move or a
//! cancellation: a message to the customer on the lead's channel (by email
//! with the `.ics`, by SMS where the lead is on SMS) and a notice to the
//! rep. Each goes once per appointment and sequence, however often the
//! caller runs: the message's id is fixed by a claim.

use chrono::{DateTime, Utc};

use crate::ai::opening::oslo_text;
use crate::booking::ics::{CalendarEvent, calendar};
use crate::ids::MessageId;
use crate::jobs::{self, JobError, LeadEvent};
use crate::model::{
    Appointment, AppointmentStatus, Channel, Dealership, Direction, Lead, Message, SenderType,
};
use crate::outbound::ClaimRecord;
use crate::outbound::links::BookingLinks;
use crate::ports::{StoreError, Stores};
use crate::queue::Queue;
use crate::tenancy::TenantId;

/// The channel a confirmation takes: email when the lead has an address,
/// else SMS when the dealership may text the customer.
pub fn confirmation_channel(lead: &Lead, dealership: &Dealership) -> Option<Channel> {
    if lead.customer_email.is_some() {
        Some(Channel::Email)
    } else if lead
        .customer_phone
        .as_deref()
        .is_some_and(|p| dealership.reply.may_text_automatically(p))
    {
        Some(Channel::Sms)
    } else {
        None
    }
}

/// What the customer reads about the appointment.
pub fn confirmation_text(
    dealership: &Dealership,
    lead: &Lead,
    appointment: &Appointment,
    manage_link: Option<&str>,
) -> String {
    let hello = lead.hello();
    let what = appointment.kind.label().to_lowercase();
    let when = oslo_text(appointment.start);
    let place = dealership
        .address
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let body = match appointment.status {
        AppointmentStatus::Cancelled => {
            format!(
                "{hello} Din {what} {when} hos {} er avbestilt.",
                dealership.name
            )
        }
        _ if appointment.sequence > 0 => format!(
            "{hello} Din {what} er flyttet til {when} hos {}{place}.",
            dealership.name
        ),
        _ => format!(
            "{hello} Du er booket til {what} {when} hos {}{place}. Velkommen!",
            dealership.name
        ),
    };
    match (appointment.status, manage_link) {
        (AppointmentStatus::Cancelled, Some(link)) => {
            format!("{body} Vil du finne en ny tid: {link}")
        }
        (_, Some(link)) => format!("{body} Endre eller avbestille: {link}"),
        (_, None) => body,
    }
}

/// The calendar entry the email carries.
pub fn calendar_event(
    dealership: &Dealership,
    appointment: &Appointment,
    mail_domain: &str,
) -> CalendarEvent {
    CalendarEvent {
        uid: format!("{}@{mail_domain}", appointment.id),
        sequence: appointment.sequence,
        start: appointment.start,
        end: appointment.end,
        summary: format!("{} hos {}", appointment.kind.label(), dealership.name),
        location: dealership.address.clone(),
        description: dealership
            .phone
            .as_deref()
            .map(|p| format!("Telefon {}", crate::phone::readable(p))),
        organizer_name: dealership.name.clone(),
        organizer_email: dealership.email.clone(),
        cancelled: appointment.status == AppointmentStatus::Cancelled,
    }
}

/// Writes the customer's confirmation (once per appointment and sequence),
/// queues it, and tells the rep.
#[allow(clippy::too_many_arguments)]
pub async fn confirm(
    stores: &Stores,
    queue: &dyn Queue,
    tenant: &TenantId,
    dealership: &Dealership,
    lead: &Lead,
    appointment: &Appointment,
    links: &BookingLinks,
    mail_domain: &str,
    trace_id: &str,
    now: DateTime<Utc>,
) -> Result<Option<MessageId>, JobError> {
    super::touch_lead(stores, tenant, lead.id, now).await?;
    jobs::notify(
        queue,
        tenant.dealership_id(),
        lead.id,
        LeadEvent::Appointment {
            appointment_id: appointment.id,
            sequence: appointment.sequence,
            status: appointment.status,
        },
        trace_id,
        now,
    )
    .await?;
    let Some(channel) = confirmation_channel(lead, dealership) else {
        return Ok(None);
    };
    let key = format!("confirm:{}:{}", appointment.id, appointment.sequence);
    let mine = ClaimRecord::new(&key, MessageId::new_at(now).to_string(), now);
    let id = match stores.claims.claim(tenant, &mine).await? {
        None => mine.message_id()?,
        Some(earlier) => earlier.message_id()?,
    };
    let link = links.for_lead(dealership.id, lead.id);
    let text = confirmation_text(dealership, lead, appointment, link.as_deref());
    let mut metadata = serde_json::json!({
        "appointment": {"id": appointment.id, "sequence": appointment.sequence},
        "subject": format!("{}: {} {}", match appointment.status {
            AppointmentStatus::Cancelled => "Avbestilt",
            _ if appointment.sequence > 0 => "Flyttet",
            _ => "Bekreftet",
        }, appointment.kind.label(), oslo_text(appointment.start)),
    });
    if channel == Channel::Email {
        metadata["calendar"] = serde_json::json!(calendar(
            &calendar_event(dealership, appointment, mail_domain),
            now
        ));
    }
    let message = Message {
        id,
        lead_id: lead.id,
        dealership_id: tenant.dealership_id(),
        channel,
        direction: Direction::Outbound,
        sender: dealership.name.clone(),
        sender_type: SenderType::System,
        message_content: text,
        metadata,
        created_at: now,
    };
    match stores.conversations.insert_message(tenant, &message).await {
        Ok(()) | Err(StoreError::Conflict) => {}
        Err(e) => return Err(e.into()),
    }
    jobs::send_message(queue, tenant.dealership_id(), lead.id, id, trace_id, now).await?;
    Ok(Some(id))
}
