//! What a capture is: a new inquiry, one for a person to review, a
//! customer's answer to one of our messages, or nothing to keep — one
//! function per channel.

use chrono::{DateTime, Utc};

use super::{Intake, retry};
use crate::capture::email::{self, MailKind, ParsedMail};
use crate::capture::facebook;
use crate::capture::sources::{LeadAdsError, legacy_page_token_secret, page_token_secret};
use crate::capture::{Capture, CaptureEnvelope, EmailCapture, FacebookCapture, LeadCandidate};
use crate::ids::LeadId;
use crate::jobs::JobError;
use crate::model::{Channel, LeadSource};
use crate::tenancy::TenantId;

/// What one capture turned out to be.
pub(super) enum Classified {
    Reply(CustomerReply),
    Lead(LeadCandidate),
    Review(LeadCandidate),
    Skip(String),
}

/// A customer's answer to one of our messages, by email or SMS.
pub(super) struct CustomerReply {
    pub lead_id: LeadId,
    pub channel: Channel,
    pub text: String,
    pub metadata: serde_json::Value,
}

impl Intake {
    pub(super) async fn classify(
        &self,
        envelope: &CaptureEnvelope,
        tenant: &TenantId,
        parsed_mail: Option<ParsedMail>,
        now: DateTime<Utc>,
    ) -> Result<(LeadSource, Classified), JobError> {
        Ok(match &envelope.job {
            Capture::Form(f) => (LeadSource::Website, Classified::Lead(f.lead.clone())),
            Capture::Google(g) => (LeadSource::Google, Classified::Lead(g.lead.clone())),
            Capture::Facebook(f) => (LeadSource::Facebook, self.facebook_lead(tenant, f).await?),
            Capture::Email(e) => {
                let parsed = parsed_mail.expect("parsed for every email capture");
                (LeadSource::Email, self.classify_mail(e, parsed))
            }
            Capture::Sms(m) => (LeadSource::Sms, self.sms(tenant, m, now).await?),
        })
    }

    /// The lead Meta holds for a `leadgen` change, fetched with the page's
    /// token; a token Meta refuses goes to the DLQ with what to do.
    async fn facebook_lead(
        &self,
        tenant: &TenantId,
        f: &FacebookCapture,
    ) -> Result<Classified, JobError> {
        let dealership_id = tenant.dealership_id();
        let dealership = self
            .stores
            .dealerships
            .get_dealership(tenant)
            .await
            .map_err(retry)?;
        let questions = dealership
            .map(|d| d.capture.facebook_questions)
            .unwrap_or_default();
        let mut token = self
            .secrets
            .secret(&page_token_secret(dealership_id, &f.page_id))
            .await
            .map_err(retry)?;
        if token.is_none() {
            // Stored before tokens were kept per dealership.
            token = self
                .secrets
                .secret(&legacy_page_token_secret(&f.page_id))
                .await
                .map_err(retry)?;
        }
        let token = token.ok_or_else(|| {
            JobError::Dead(format!(
                "no page access token stored for Facebook page {}",
                f.page_id
            ))
        })?;
        let lead = self
            .lead_ads
            .fetch_lead(&f.leadgen_id, &token)
            .await
            .map_err(|e| match e {
                LeadAdsError::Transient(_) => JobError::Retry(e.to_string()),
                LeadAdsError::TokenRejected(_) => JobError::Dead(format!(
                    "{e} (page {}): renew the page token in the secret store, then redrive",
                    f.page_id
                )),
                LeadAdsError::Permanent(_) => JobError::Dead(e.to_string()),
            })?;
        let mut candidate = facebook::map_lead(&lead, &questions);
        // Which page's dataset hears of the lead's stages (Conversions API).
        candidate.note("facebook_page_id", &f.page_id);
        Ok(Classified::Lead(candidate))
    }

    /// Importer mail, a customer's answer, or mail that is no inquiry.
    fn classify_mail(&self, e: &EmailCapture, parsed: ParsedMail) -> Classified {
        let reply = self.reply_target(&e.recipients, &header_recipients(e, Some(&parsed)));
        match parsed.kind {
            // A customer answering our reply: their lead, whatever
            // the parser would have made of the mail otherwise.
            MailKind::Lead(_) | MailKind::NeedsReview { .. } if reply.is_some() => {
                let (lead_id, _) = reply.expect("checked");
                Classified::Reply(CustomerReply {
                    lead_id,
                    channel: Channel::Email,
                    text: parsed.own_text.clone(),
                    metadata: serde_json::json!({
                        "raw_mail": e.mail_key,
                        "subject": parsed.subject,
                    }),
                })
            }
            MailKind::Lead(mut c) => {
                c.note("raw_mail", &e.mail_key);
                if let Some(auth) = &e.auth {
                    c.note("mail_auth", &auth.summary());
                }
                // A mail that claims a known importer but fails
                // DMARC may be forged: a person looks first.
                match c.metadata.get("importer").and_then(|i| i.as_str()) {
                    Some(importer) if e.auth.as_ref().is_some_and(|a| a.dmarc_failed()) => {
                        let reason =
                            format!("DMARC failed for a mail that claims to come from {importer}");
                        c.note("review_reason", &reason);
                        Classified::Review(c)
                    }
                    _ => Classified::Lead(c),
                }
            }
            MailKind::NeedsReview {
                mut candidate,
                reason,
            } => {
                candidate.note("raw_mail", &e.mail_key);
                candidate.note("review_reason", &reason);
                Classified::Review(candidate)
            }
            MailKind::AutoReply(r) => Classified::Skip(format!("auto-reply: {r}")),
            MailKind::Bounce(r) => Classified::Skip(format!("bounce: {r}")),
        }
    }

    /// The lead and dealership slug of a genuine reply address among the
    /// recipients (`svar+<lead>.<sig>@<slug>.<mail domain>`).
    pub(super) fn reply_target(
        &self,
        envelope: &[String],
        headers: &[String],
    ) -> Option<(LeadId, String)> {
        if self.config.link_key.is_empty() {
            return None;
        }
        envelope.iter().chain(headers).find_map(|address| {
            let lead =
                crate::outbound::links::lead_of_reply_address(&self.config.link_key, address)?;
            let domain = address.rsplit_once('@')?.1;
            let slug = domain.split('.').next()?.to_lowercase();
            Some((lead, slug))
        })
    }
}

/// The recipients a mail's headers name, where they may route it: IMAP and
/// the CLI have no envelope, SES has one and only it counts (headers are
/// whatever the sender wrote).
pub(super) fn header_recipients(e: &EmailCapture, mail: Option<&email::ParsedMail>) -> Vec<String> {
    match e.via {
        crate::capture::MailVia::Ses => Vec::new(),
        _ => mail.map(|m| m.recipients.clone()).unwrap_or_default(),
    }
}
