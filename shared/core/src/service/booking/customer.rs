//! The customer's booking page, behind a signed per-lead link: what it
//! shows (free times of a kind, the customer's own appointments) and what
//! it does (book, move, cancel). Every change is confirmed to the customer
//! and told to the rep; a new booking hands the lead to its rep when the
//! dealership wants that.

use chrono::{DateTime, Utc};

use super::confirm::confirm;
use super::free::free_slots;
use super::{BookingOutcome, BookingRequest, Change, ChangeOutcome, book, change};
use crate::booking::slots::{AppointmentKind, Slot};
use crate::ids::{AppointmentId, DealershipId, LeadId};
use crate::jobs::JobError;
use crate::model::{Appointment, AppointmentStatus, BookedBy, Dealership, HandoverReason, Lead};
use crate::outbound::links::BookingLinks;
use crate::ports::Stores;
use crate::queue::Queue;
use crate::service::handover::{HandoverDecision, hand_over};
use crate::tenancy::TenantId;

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct BookingPage {
    pub dealership: Dealership,
    pub lead: Lead,
    pub kind: AppointmentKind,
    /// The kinds the dealership offers, in its order.
    pub kinds: Vec<AppointmentKind>,
    pub free: Vec<Slot>,
    /// The customer's booked appointments still ahead.
    pub upcoming: Vec<Appointment>,
}

/// Where the page's actions go.
pub struct BookingDesk<'a> {
    pub stores: &'a Stores,
    pub queue: &'a dyn Queue,
    pub links: &'a BookingLinks,
    pub mail_domain: &'a str,
}

/// What a customer's action came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Booked {
    Done(Appointment),
    /// Taken meanwhile: the nearest free times.
    Taken(Vec<Slot>),
    /// Not theirs, or no longer changeable.
    Refused,
}

impl BookingDesk<'_> {
    /// The page for the lead a verified token names; `None` when the lead
    /// or the dealership is gone, or booking is off.
    pub async fn page(
        &self,
        dealership_id: DealershipId,
        lead_id: LeadId,
        kind: Option<AppointmentKind>,
        now: DateTime<Utc>,
    ) -> Result<Option<BookingPage>, JobError> {
        let Some((tenant, dealership, lead)) = self.load(dealership_id, lead_id).await? else {
            return Ok(None);
        };
        let kinds: Vec<AppointmentKind> = dealership.booking.types.iter().map(|t| t.kind).collect();
        let kind = kind
            .filter(|k| kinds.contains(k))
            .or(kinds.first().copied())
            .unwrap_or(AppointmentKind::TestDrive);
        let free = free_slots(self.stores, &tenant, &dealership, kind, None, None, now).await?;
        let upcoming = self
            .stores
            .appointments
            .appointments_of_lead(&tenant, lead.id)
            .await?
            .into_iter()
            .filter(|a| a.status == AppointmentStatus::Booked && a.end > now)
            .collect();
        Ok(Some(BookingPage {
            dealership,
            lead,
            kind,
            kinds,
            free,
            upcoming,
        }))
    }

    /// Books `start`, or moves the customer's appointment `moving` there.
    pub async fn book(
        &self,
        dealership_id: DealershipId,
        lead_id: LeadId,
        kind: AppointmentKind,
        start: DateTime<Utc>,
        moving: Option<AppointmentId>,
        now: DateTime<Utc>,
    ) -> Result<Booked, JobError> {
        let Some((tenant, dealership, lead)) = self.load(dealership_id, lead_id).await? else {
            return Ok(Booked::Refused);
        };
        let trace = format!("booking-page:{lead_id}");
        if let Some(id) = moving {
            let Some(appointment) = self.own(&tenant, &lead, id).await? else {
                return Ok(Booked::Refused);
            };
            return Ok(
                match change(
                    self.stores,
                    &tenant,
                    &dealership,
                    &appointment,
                    Change::MoveTo(start),
                    now,
                )
                .await?
                {
                    ChangeOutcome::Changed(moved) => {
                        self.announce(&tenant, &dealership, &lead, &moved, &trace, now)
                            .await?;
                        Booked::Done(moved)
                    }
                    ChangeOutcome::Unavailable { nearest } => Booked::Taken(nearest),
                    ChangeOutcome::NotChangeable => Booked::Refused,
                },
            );
        }
        let request = BookingRequest {
            kind,
            start,
            vehicle_id: None,
            booked_by: BookedBy::Customer,
        };
        // A double submit books once.
        let key = format!("page:{lead_id}:{}:{}", kind.as_str(), start.timestamp());
        match book(
            self.stores,
            &tenant,
            &dealership,
            &lead,
            &request,
            &key,
            now,
        )
        .await?
        {
            BookingOutcome::Booked(appointment) => {
                // The rep owns the lead first, so the booking notice reaches them.
                let lead =
                    if dealership.conversation.handover.appointment && lead.handover.is_none() {
                        let detail = format!(
                            "{} {} booket av kunden",
                            appointment.kind.label(),
                            crate::ai::opening::oslo_text(appointment.start)
                        );
                        let decision = HandoverDecision {
                            reason: HandoverReason::Appointment,
                            summary: format!(
                                "{} har booket {} på bookingsiden. Bil: {}.",
                                lead.customer_name.as_deref().unwrap_or("Kunden"),
                                detail.to_lowercase(),
                                lead.vehicle_interest.as_deref().unwrap_or("ikke oppgitt"),
                            ),
                            detail: Some(detail),
                            answers: None,
                        };
                        // The lead as the handover left it (assigned).
                        hand_over(
                            self.stores,
                            self.queue,
                            &tenant,
                            &lead,
                            decision,
                            &trace,
                            now,
                        )
                        .await?
                    } else {
                        lead
                    };
                self.announce(&tenant, &dealership, &lead, &appointment, &trace, now)
                    .await?;
                Ok(Booked::Done(appointment))
            }
            BookingOutcome::Unavailable { nearest } => Ok(Booked::Taken(nearest)),
        }
    }

    /// Cancels the customer's appointment `id`.
    pub async fn cancel(
        &self,
        dealership_id: DealershipId,
        lead_id: LeadId,
        id: AppointmentId,
        now: DateTime<Utc>,
    ) -> Result<Booked, JobError> {
        let Some((tenant, dealership, lead)) = self.load(dealership_id, lead_id).await? else {
            return Ok(Booked::Refused);
        };
        let Some(appointment) = self.own(&tenant, &lead, id).await? else {
            return Ok(Booked::Refused);
        };
        match change(
            self.stores,
            &tenant,
            &dealership,
            &appointment,
            Change::Cancel,
            now,
        )
        .await?
        {
            ChangeOutcome::Changed(cancelled) => {
                let trace = format!("booking-page:{lead_id}");
                self.announce(&tenant, &dealership, &lead, &cancelled, &trace, now)
                    .await?;
                Ok(Booked::Done(cancelled))
            }
            _ => Ok(Booked::Refused),
        }
    }

    /// Confirms to the customer and tells the rep.
    pub async fn announce(
        &self,
        tenant: &TenantId,
        dealership: &Dealership,
        lead: &Lead,
        appointment: &Appointment,
        trace: &str,
        now: DateTime<Utc>,
    ) -> Result<(), JobError> {
        confirm(
            self.stores,
            self.queue,
            tenant,
            dealership,
            lead,
            appointment,
            self.links,
            self.mail_domain,
            trace,
            now,
        )
        .await?;
        Ok(())
    }

    async fn load(
        &self,
        dealership_id: DealershipId,
        lead_id: LeadId,
    ) -> Result<Option<(TenantId, Dealership, Lead)>, JobError> {
        // The token that named them was signed by us.
        let tenant = TenantId::from_signed_link(dealership_id);
        let Some(dealership) = self.stores.dealerships.get_dealership(&tenant).await? else {
            return Ok(None);
        };
        if !dealership.booking.enabled {
            return Ok(None);
        }
        match self.stores.leads.get_lead(&tenant, lead_id).await? {
            Some(lead) if !lead.is_deleted() && lead.erased_at.is_none() => {
                Ok(Some((tenant, dealership, lead)))
            }
            _ => Ok(None),
        }
    }

    /// The appointment, if it is this lead's.
    async fn own(
        &self,
        tenant: &TenantId,
        lead: &Lead,
        id: AppointmentId,
    ) -> Result<Option<Appointment>, JobError> {
        Ok(self
            .stores
            .appointments
            .get_appointment(tenant, id)
            .await?
            .filter(|a| a.lead_id == lead.id))
    }
}
