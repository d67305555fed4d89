//! Booked appointments: by start time (the calendar) and by lead.
use async_trait::async_trait;
use rusqlite::params_from_iter;
use rusqlite::types::Value;

use super::rows::*;
use super::{SqliteStore, backend, conflict_or_backend};
use norvalt_core::model::Appointment;
use norvalt_core::ports::AppointmentStore;
use norvalt_core::time::sortable;
use norvalt_core::{AppointmentId, LeadId, StoreResult, TenantId};

fn columns(tenant: &TenantId, a: &Appointment) -> StoreResult<Vec<Value>> {
    Ok(vec![
        tid(tenant).into(),
        a.id.to_string().into(),
        a.lead_id.to_string().into(),
        sortable(&a.start).into(),
        (a.version as i64).into(),
        to_doc(a)?.into(),
        sortable(&a.updated_at).into(),
    ])
}

#[async_trait]
impl AppointmentStore for SqliteStore {
    async fn insert_appointment(&self, tenant: &TenantId, a: &Appointment) -> StoreResult<()> {
        let args = columns(tenant, a)?;
        self.write(move |c| {
            c.execute(
                "INSERT INTO appointments (dealership_id, id, lead_id, start, version, doc, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params_from_iter(args),
            )
            .map(|_| ())
            .map_err(conflict_or_backend)
        })
        .await
    }

    async fn get_appointment(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
    ) -> StoreResult<Option<Appointment>> {
        let args = vec![tid(tenant).into(), id.to_string().into()];
        self.read(move |c| {
            one_doc(
                c,
                "SELECT doc FROM appointments WHERE dealership_id = ?1 AND id = ?2",
                args,
            )
        })
        .await
    }

    async fn update_appointment(&self, tenant: &TenantId, a: &Appointment) -> StoreResult<()> {
        let mut args = columns(tenant, a)?;
        args.push(((a.version - 1) as i64).into());
        self.write(move |c| {
            let changed = c
                .execute(
                    "UPDATE appointments SET lead_id = ?3, start = ?4, version = ?5, doc = ?6, updated_at = ?7
                     WHERE dealership_id = ?1 AND id = ?2 AND version = ?8",
                    params_from_iter(args),
                )
                .map_err(backend)?;
            expect_one_row(changed)
        })
        .await
    }

    async fn appointments_between(
        &self,
        tenant: &TenantId,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> StoreResult<Vec<Appointment>> {
        let args: Vec<Value> = vec![
            tid(tenant).into(),
            sortable(&from).into(),
            sortable(&to).into(),
        ];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM appointments WHERE dealership_id = ?1 AND start >= ?2 AND start < ?3
                 ORDER BY start, id",
                args,
            )
        })
        .await
    }

    async fn appointments_of_lead(
        &self,
        tenant: &TenantId,
        lead: LeadId,
    ) -> StoreResult<Vec<Appointment>> {
        let args: Vec<Value> = vec![tid(tenant).into(), lead.to_string().into()];
        self.read(move |c| {
            docs(
                c,
                "SELECT doc FROM appointments WHERE dealership_id = ?1 AND lead_id = ?2
                 ORDER BY start, id",
                args,
            )
        })
        .await
    }
}
