//! Booked appointments: the calendar by start time (gsi1, one partition
//! per dealership) and a lead's appointments (its own key range).
use std::collections::HashMap;

use async_trait::async_trait;

use super::DynamoStore;
use super::items::*;
use norvalt_core::model::Appointment;
use norvalt_core::ports::AppointmentStore;
use norvalt_core::time::sortable;
use norvalt_core::{AppointmentId, LeadId, StoreResult, TenantId};

fn calendar_pk(tenant: &TenantId) -> String {
    format!("{}#APPOINTMENTS", tenant_pk(tenant))
}

fn appointment_item(tenant: &TenantId, a: &Appointment) -> StoreResult<Item> {
    let sk = format!("APPT#{}", a.id);
    let [chpk, chsk] = change_keys(tenant, ChangeKind::Activity, &a.updated_at, &sk);
    item(
        a,
        [
            ("pk", s(tenant_pk(tenant))),
            ("sk", s(sk)),
            chpk,
            chsk,
            ("gsi1pk", s(calendar_pk(tenant))),
            ("gsi1sk", s(format!("{}#{}", sortable(&a.start), a.id))),
            ("appointment_lead", s(a.lead_id.to_string())),
        ],
    )
}

#[async_trait]
impl AppointmentStore for DynamoStore {
    async fn insert_appointment(&self, tenant: &TenantId, a: &Appointment) -> StoreResult<()> {
        self.put_new(appointment_item(tenant, a)?).await
    }

    async fn get_appointment(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
    ) -> StoreResult<Option<Appointment>> {
        self.get_doc(tenant_pk(tenant), format!("APPT#{id}")).await
    }

    async fn update_appointment(&self, tenant: &TenantId, a: &Appointment) -> StoreResult<()> {
        self.put_versioned(appointment_item(tenant, a)?, a.version)
            .await
    }

    async fn appointments_between(
        &self,
        tenant: &TenantId,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<Appointment>> {
        // "#" sorts before every id and "$" after: [from, to) by start.
        let q = PartitionQuery {
            index: Some("gsi1"),
            key_condition: "gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to",
            filter: None,
            values: HashMap::from([
                (":pk".into(), s(calendar_pk(tenant))),
                (":from".into(), s(format!("{}#", sortable(&from)))),
                (":to".into(), s(format!("{}#", sortable(&to)))),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: 500,
        };
        let mut found: Vec<Appointment> = self
            .query(q, usize::MAX)
            .await?
            .into_iter()
            .map(decode)
            .collect::<StoreResult<_>>()?;
        // BETWEEN is inclusive: an appointment starting exactly at `to` is not in.
        found.retain(|a| a.start < to);
        Ok(found)
    }

    async fn appointments_of_lead(
        &self,
        tenant: &TenantId,
        lead: LeadId,
    ) -> StoreResult<Vec<Appointment>> {
        let q = PartitionQuery {
            index: None,
            key_condition: "pk = :pk AND begins_with(sk, :prefix)",
            filter: Some("appointment_lead = :lead".into()),
            values: HashMap::from([
                (":pk".into(), s(tenant_pk(tenant))),
                (":prefix".into(), s("APPT#")),
                (":lead".into(), s(lead.to_string())),
            ]),
            names: HashMap::new(),
            newest_first: false,
            page_size: 500,
        };
        let mut found: Vec<Appointment> = self
            .query(q, usize::MAX)
            .await?
            .into_iter()
            .map(decode)
            .collect::<StoreResult<_>>()?;
        found.sort_by_key(|a| (a.start, a.id));
        Ok(found)
    }
}
