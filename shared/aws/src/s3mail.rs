//! Raw mail in S3: SES's receipt rule writes `<prefix><messageId>`; the IMAP
//! poller writes `imap/<sha256>.eml`. Keys are object keys in
//! `NORVALT_MAIL_BUCKET`.

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use norvalt_core::capture::sources::{RawMailStore, SourceError};
use norvalt_core::config::{ConfigError, Env};

/// A notice is kilobytes; SES caps mail at 40 MB. Beyond this it is not a lead.
const MAX_MAIL_BYTES: i64 = 40 * 1024 * 1024;

#[derive(Clone)]
pub struct S3Mail {
    client: Client,
    bucket: String,
}

impl S3Mail {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self {
            client,
            bucket: bucket.into(),
        }
    }

    /// The bucket `NORVALT_MAIL_BUCKET`.
    pub fn from_env(config: &aws_config::SdkConfig, env: &Env) -> Result<Self, ConfigError> {
        let bucket = env.required("NORVALT_MAIL_BUCKET")?;
        let s3 = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(true)
            .build();
        Ok(Self::new(Client::from_conf(s3), bucket))
    }

    /// Moves a mail under `quarantine/` (spam or virus verdict failed).
    pub async fn quarantine(&self, key: &str) -> Result<String, SourceError> {
        let target = format!("quarantine/{key}");
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .copy_source(format!("{}/{key}", self.bucket))
            .key(&target)
            .send()
            .await
            .map_err(|e| SourceError(DisplayErrorContext(e).to_string()))?;
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| SourceError(DisplayErrorContext(e).to_string()))?;
        Ok(target)
    }
}

#[async_trait]
impl RawMailStore for S3Mail {
    async fn put_mail(&self, key: &str, raw: &[u8]) -> Result<(), SourceError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type("message/rfc822")
            .body(ByteStream::from(raw.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| SourceError(DisplayErrorContext(e).to_string()))
    }

    async fn delete_mail(&self, key: &str) -> Result<(), SourceError> {
        // S3 answers a missing key with success too.
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| SourceError(DisplayErrorContext(e).to_string()))
    }

    async fn get_mail(&self, key: &str) -> Result<Option<Vec<u8>>, SourceError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(SourceError(DisplayErrorContext(e).to_string())),
        };
        if out.content_length.unwrap_or(0) > MAX_MAIL_BYTES {
            return Err(SourceError(format!("mail {key} is larger than 40 MB")));
        }
        let bytes = out
            .body
            .collect()
            .await
            .map_err(|e| SourceError(e.to_string()))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }
}
