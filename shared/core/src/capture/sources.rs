//! The outside things intake reads from: the raw-mail store, the secret
//! store and Meta's Graph API. Small traits; AWS, local and HTTP adapters
//! implement them.

use async_trait::async_trait;

use super::facebook::GraphLead;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// The secret store and the raw-mail store are storage like the table:
/// where a service needs them, their failure is a store failure.
impl From<SourceError> for crate::ports::StoreError {
    fn from(e: SourceError) -> Self {
        crate::ports::StoreError::Backend(e.0)
    }
}

/// Raw MIME by key: S3 in AWS (SES writes it there), files locally.
#[async_trait]
pub trait RawMailStore: Send + Sync {
    async fn put_mail(&self, key: &str, raw: &[u8]) -> Result<(), SourceError>;
    async fn get_mail(&self, key: &str) -> Result<Option<Vec<u8>>, SourceError>;
    /// Removes the mail (GDPR erasure); a missing key is not an error.
    async fn delete_mail(&self, key: &str) -> Result<(), SourceError>;
}

/// Secrets by name, e.g. `facebook/page/<page id>`. Secrets Manager in AWS.
#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn secret(&self, name: &str) -> Result<Option<String>, SourceError>;
}

/// Where operator tools store secrets (page tokens, IMAP passwords): the
/// data dir locally, Secrets Manager in AWS. Functions only read.
#[async_trait]
pub trait SecretWriter: SecretStore {
    async fn put_secret(&self, name: &str, value: &str) -> Result<(), SourceError>;
    /// Removes the secret for good; a missing one is not an error.
    async fn delete_secret(&self, name: &str) -> Result<(), SourceError>;
}

/// The secret name of a Facebook page's access token, per dealership and
/// page: a token never outlives the connection that stored it, and one
/// dealership's connection can never overwrite another's token.
pub fn page_token_secret(dealership: crate::DealershipId, page_id: &str) -> String {
    format!("facebook/{dealership}/page/{page_id}")
}

/// Where page tokens were kept before they were per dealership; still read
/// when the new name has none, and deleted on disconnect.
pub fn legacy_page_token_secret(page_id: &str) -> String {
    format!("facebook/page/{page_id}")
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LeadAdsError {
    /// Network trouble, rate limits, Graph 5xx: try again later.
    #[error("Graph API unavailable: {0}")]
    Transient(String),
    /// The page token is expired or revoked (Graph error 190): needs a person.
    #[error("page access token rejected: {0}")]
    TokenRejected(String),
    /// The lead does not exist or the request is wrong: retrying cannot help.
    #[error("Graph API refused the request: {0}")]
    Permanent(String),
}

#[async_trait]
pub trait LeadAdsClient: Send + Sync {
    async fn fetch_lead(
        &self,
        leadgen_id: &str,
        page_token: &str,
    ) -> Result<GraphLead, LeadAdsError>;

    /// The id of the page a page access token belongs to (Graph `GET /me`
    /// with the token): the proof that whoever connects a page holds it.
    async fn page_of_token(&self, page_token: &str) -> Result<String, LeadAdsError>;
}
