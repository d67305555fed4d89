//! SES v2 behind the [`Mailer`] port: the raw MIME Norvalt builds (with its
//! List-Unsubscribe headers) goes out as `Content.Raw`, through the
//! configuration set that routes bounces and complaints back to us.

use async_trait::async_trait;
use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::DisplayErrorContext;
use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
use norvalt_core::outbound::{Mailer, OutboundEmail, Receipt, SendError};

pub struct SesMailer {
    client: Client,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(client: Client, configuration_set: Option<String>) -> Self {
        Self {
            client,
            configuration_set,
        }
    }

    /// `NORVALT_SES_CONFIGURATION_SET` names the configuration set.
    pub fn from_env(config: &aws_config::SdkConfig, env: &norvalt_core::config::Env) -> Self {
        Self::new(
            Client::new(config),
            env.optional("NORVALT_SES_CONFIGURATION_SET"),
        )
    }
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send_email(&self, email: &OutboundEmail) -> Result<Receipt, SendError> {
        // The recipient is named explicitly: SES sends to `Destination`, not
        // to whatever the headers say.
        let destination = Destination::builder().to_addresses(&email.to).build();
        let raw = RawMessage::builder()
            .data(Blob::new(email.to_mime()?))
            .build()
            .map_err(|e| SendError::Permanent(e.to_string()))?;
        let result = self
            .client
            .send_email()
            .destination(destination)
            .content(EmailContent::builder().raw(raw).build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await;
        match result {
            Ok(out) => Ok(Receipt {
                provider_id: out.message_id.unwrap_or_default(),
            }),
            Err(e) => {
                let permanent = e.as_service_error().is_some_and(|s| {
                    s.is_message_rejected()
                        || s.is_mail_from_domain_not_verified_exception()
                        || s.is_account_suspended_exception()
                        || s.is_sending_paused_exception()
                });
                let text = DisplayErrorContext(e).to_string();
                if permanent {
                    Err(SendError::Permanent(text))
                } else {
                    Err(SendError::Transient(text))
                }
            }
        }
    }

    /// SES keeps no searchable record of what was sent.
    async fn was_sent(&self, _send_key: &str) -> Option<bool> {
        None
    }
}
