//! `GET /api/leads/export.csv` (admin and manager): the leads of a date
//! range and filter as CSV, with their conversations when asked, written a
//! page at a time so a large range streams. For Excel in Norway: `;`
//! between fields (`,` on request), UTF-8 with a BOM, times in Oslo time.
//! A cell that Excel would run as a formula (`=`, `+`, `-`, `@` first) is
//! written with a leading `'`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::error::DomainResult;
use crate::ids::{LeadId, UserId};
use crate::model::{Channel, Lead, LeadQuery, Message, SenderType};
use crate::permissions::{Actor, Permission};
use crate::ports::Stores;

/// Leads read per page.
pub const PAGE: usize = 200;

#[derive(Debug, Clone)]
pub struct Export {
    pub query: LeadQuery,
    /// Each lead's conversation in one more column.
    pub conversation: bool,
    /// `b';'` (the default, for Norwegian Excel) or `b','`.
    pub delimiter: u8,
    /// The team's names, read once for every page.
    reps: HashMap<UserId, String>,
}

impl Export {
    /// An export the actor may make, with the team read for its `selger`
    /// column.
    pub async fn new(
        stores: &Stores,
        actor: &Actor,
        query: LeadQuery,
        conversation: bool,
        delimiter: u8,
    ) -> DomainResult<Self> {
        actor.require(Permission::ExportLeads)?;
        let reps = stores
            .users
            .list_users(&actor.tenant)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name.unwrap_or(u.email)))
            .collect();
        Ok(Self {
            query,
            conversation,
            delimiter,
            reps,
        })
    }
}

fn oslo(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Oslo)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Text as a cell: no formula, no control characters but line breaks.
fn cell(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    if clean.starts_with(['=', '+', '-', '@']) {
        format!("'{clean}")
    } else {
        clean
    }
}

fn write(delimiter: u8, rows: &[Vec<String>]) -> String {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    for row in rows {
        writer
            .write_record(row.iter().map(|v| cell(v)))
            .expect("writing to a Vec cannot fail");
    }
    String::from_utf8(writer.into_inner().expect("a Vec flushes")).expect("cells are UTF-8")
}

/// The download's name: `leads-<Oslo date>.csv`.
pub fn filename(now: DateTime<Utc>) -> String {
    format!(
        "leads-{}.csv",
        now.with_timezone(&chrono_tz::Europe::Oslo)
            .format("%Y-%m-%d")
    )
}

/// The first chunk: the BOM and the header row.
pub fn header(export: &Export) -> String {
    let mut names = vec![
        "id",
        "opprettet",
        "kilde",
        "status",
        "navn",
        "e-post",
        "telefon",
        "bil",
        "melding",
        "selger",
        "score",
        "første svar",
        "sist kontakt",
    ];
    if export.conversation {
        names.push("samtale");
    }
    let row: Vec<String> = names.into_iter().map(String::from).collect();
    format!("\u{feff}{}", write(export.delimiter, &[row]))
}

fn conversation(messages: &[Message]) -> String {
    messages
        .iter()
        .map(|m| {
            let who = match m.sender_type {
                SenderType::Customer => "Kunde",
                SenderType::Ai => "AI",
                SenderType::Human if m.channel == Channel::Note => "Notat",
                SenderType::Human => "Selger",
                SenderType::System => "System",
            };
            format!(
                "[{}] {who}: {}",
                oslo(m.created_at),
                m.message_content.trim()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// One page of rows after `after`; the id to continue after, or `None`
/// when this was the last page.
pub async fn page(
    stores: &Stores,
    actor: &Actor,
    export: &Export,
    after: Option<LeadId>,
) -> DomainResult<(String, Option<LeadId>)> {
    actor.require(Permission::ExportLeads)?;
    let tenant = &actor.tenant;
    let leads = stores
        .leads
        .list_leads(tenant, &export.query, after, PAGE + 1)
        .await?;
    let more = leads.len() > PAGE;
    let leads: Vec<Lead> = leads.into_iter().take(PAGE).collect();
    let mut rows = Vec::with_capacity(leads.len());
    for lead in &leads {
        let mut row = vec![
            lead.id.to_string(),
            oslo(lead.created_at),
            lead.source.as_str().to_string(),
            lead.status.as_str().to_string(),
            lead.customer_name.clone().unwrap_or_default(),
            lead.customer_email.clone().unwrap_or_default(),
            lead.customer_phone.clone().unwrap_or_default(),
            lead.vehicle_interest.clone().unwrap_or_default(),
            lead.initial_message.clone().unwrap_or_default(),
            lead.assigned_to
                .and_then(|u| export.reps.get(&u).cloned())
                .unwrap_or_default(),
            lead.lead_score.map(|s| s.to_string()).unwrap_or_default(),
            lead.first_response_at.map(oslo).unwrap_or_default(),
            lead.last_contact_at.map(oslo).unwrap_or_default(),
        ];
        if export.conversation {
            let messages = stores.conversations.all_messages(tenant, lead.id).await?;
            row.push(conversation(&messages));
        }
        rows.push(row);
    }
    let next = more.then(|| leads.last().map(|l| l.id)).flatten();
    Ok((write(export.delimiter, &rows), next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formula_is_written_as_text_and_control_characters_dropped() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(cell("+4791234567"), "'+4791234567");
        assert_eq!(cell("Åse\u{7} Ødegård\nlinje 2"), "Åse Ødegård\nlinje 2");
        let csv = write(b';', &[vec!["a;b".into(), "sa \"hei\"".into()]]);
        assert_eq!(csv, "\"a;b\";\"sa \"\"hei\"\"\"\n");
    }
}
