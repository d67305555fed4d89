//! `GET /api/leads/export.csv`: the leads of a range and filter as CSV,
//! streamed a page at a time (part of `api-leads`). The first page is read
//! before the answer starts, so a refusal (403, 422) is a proper status,
//! not a broken download.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use futures_util::stream;
use serde::Deserialize;
use utoipa::IntoParams;

use norvalt_core::model::{LeadQuery, LeadSource, LeadStatus};
use norvalt_core::service::lead_export::{self, Export};
use norvalt_core::{Actor, LeadId, Stores, TagId, UserId};

use crate::auth::Auth;
use crate::error::{ApiError, ErrorBody};
use crate::extract::ApiQuery;
use crate::state::AppState;

#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    /// `;`: what Excel in Norway opens as columns.
    Semicolon,
    Comma,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// Leads created at or after this instant.
    created_after: Option<DateTime<Utc>>,
    /// Leads created before this instant.
    created_before: Option<DateTime<Utc>>,
    status: Option<LeadStatus>,
    source: Option<LeadSource>,
    assigned_to: Option<UserId>,
    tag: Option<TagId>,
    /// Each lead's conversation in a last column.
    #[serde(default)]
    conversation: bool,
    /// `semicolon` (default) or `comma`.
    #[param(inline)]
    delimiter: Option<Delimiter>,
}

/// The leads of a date range and filter as CSV (admin and manager):
/// `;`-separated UTF-8 with a BOM for Excel (or `delimiter=comma`), Oslo
/// times, newest first; `conversation=true` adds each lead's messages.
/// Streamed, so a year of leads is one download.
#[utoipa::path(get, path = "/api/leads/export.csv", tag = "leads", params(ExportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn export_leads(
    State(state): State<AppState>,
    Auth(actor): Auth,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> Result<Response, ApiError> {
    let query = LeadQuery {
        status: p.status,
        source: p.source,
        assigned_to: p.assigned_to,
        created_after: p.created_after,
        created_before: p.created_before,
        tag: p.tag,
        ..Default::default()
    };
    let delimiter = match p.delimiter {
        Some(Delimiter::Comma) => b',',
        _ => b';',
    };
    let export = Export::new(&state.stores, &actor, query, p.conversation, delimiter).await?;
    let (first, next) = lead_export::page(&state.stores, &actor, &export, None).await?;
    let head = Bytes::from(lead_export::header(&export) + &first);
    let rest = stream::unfold(
        (state.stores.clone(), actor, export, next),
        |(stores, actor, export, after)| async move {
            let after: LeadId = after?;
            match next_page(&stores, &actor, &export, after).await {
                Ok((chunk, next)) => Some((Ok(Bytes::from(chunk)), (stores, actor, export, next))),
                // The download ends broken rather than silently short.
                Err(e) => Some((Err(std::io::Error::other(e)), (stores, actor, export, None))),
            }
        },
    );
    let body = Body::from_stream(futures_util::StreamExt::chain(
        stream::once(async move { Ok::<_, std::io::Error>(head) }),
        rest,
    ));
    let filename = lead_export::filename(norvalt_core::time::now());
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn next_page(
    stores: &Stores,
    actor: &Actor,
    export: &Export,
    after: LeadId,
) -> Result<(String, Option<LeadId>), String> {
    lead_export::page(stores, actor, export, Some(after))
        .await
        .map_err(|e| e.to_string())
}
