//! Twilio's Messages API behind the [`SmsSender`] port:
//! `POST {base}/2010-04-01/Accounts/{sid}/Messages.json`, form-encoded, with
//! basic auth. A number that opted out at Twilio (error 21610) is refused
//! for good; throttling and 5xx are retried by the queue.

use async_trait::async_trait;
use norvalt_core::outbound::{OutboundSms, Receipt, SendError, SmsSender};
use serde_json::Value;

pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

pub struct TwilioClient {
    http: reqwest::Client,
    base_url: String,
    account_sid: String,
    auth_token: String,
    /// A `MG…` Messaging Service SID or a sender number/ID.
    from: String,
    status_callback: Option<String>,
}

impl TwilioClient {
    pub fn new(
        base_url: &str,
        account_sid: &str,
        auth_token: &str,
        from: &str,
        status_callback: Option<String>,
    ) -> Self {
        Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .expect("a plain client builds"),
            base_url: base_url.trim_end_matches('/').to_string(),
            account_sid: account_sid.to_string(),
            auth_token: auth_token.to_string(),
            from: from.to_string(),
            status_callback,
        }
    }
}

/// The platform's SMS sender, from `TWILIO_ACCOUNT_SID`, `TWILIO_FROM`,
/// `TWILIO_BASE_URL` (default Twilio's), `TWILIO_STATUS_CALLBACK_URL` and the
/// auth token from the secret store: SMS is on when the account, the sender
/// and the token are all given, and off ([`SmsDisabled`]) otherwise.
pub fn sms_sender_from_env(
    env: &norvalt_core::config::Env,
    auth_token: Option<String>,
) -> Result<std::sync::Arc<dyn SmsSender>, norvalt_core::config::ConfigError> {
    Ok(
        match (
            env.optional("TWILIO_ACCOUNT_SID"),
            env.optional("TWILIO_FROM"),
            auth_token,
        ) {
            (Some(sid), Some(from), Some(token)) => std::sync::Arc::new(TwilioClient::new(
                &env.url("TWILIO_BASE_URL")?
                    .unwrap_or_else(|| DEFAULT_BASE_URL.into()),
                &sid,
                &token,
                &from,
                env.url("TWILIO_STATUS_CALLBACK_URL")?,
            )),
            _ => std::sync::Arc::new(norvalt_core::outbound::sms::SmsDisabled),
        },
    )
}

#[async_trait]
impl SmsSender for TwilioClient {
    async fn send_sms(&self, sms: &OutboundSms) -> Result<Receipt, SendError> {
        let from = sms.from.as_deref().unwrap_or(&self.from);
        let from_field = if from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let mut form = vec![
            ("To", sms.to.as_str()),
            (from_field, from),
            ("Body", sms.body.as_str()),
        ];
        if let Some(callback) = &self.status_callback {
            form.push(("StatusCallback", callback.as_str()));
        }
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let response = self
            .http
            .post(format!(
                "{}/2010-04-01/Accounts/{}/Messages.json",
                self.base_url, self.account_sid
            ))
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|e| SendError::Transient(e.to_string()))?;
        let status = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return answer["sid"]
                .as_str()
                .map(|sid| Receipt {
                    provider_id: sid.to_string(),
                })
                .ok_or_else(|| SendError::Transient("Twilio answered without a sid".into()));
        }
        let detail = format!(
            "{status} {} {}",
            answer["code"],
            answer["message"].as_str().unwrap_or_default()
        );
        if status == 429 || status >= 500 {
            Err(SendError::Transient(detail))
        } else {
            Err(SendError::Permanent(detail))
        }
    }

    /// Not asked: a lost claim is left to a person (see the sender).
    async fn was_sent(&self, _send_key: &str) -> Option<bool> {
        None
    }
}
