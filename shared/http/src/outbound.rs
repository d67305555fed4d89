//! Calls out to addresses a dealership gives us: webhook receivers and
//! stock feeds. In the cloud one on a private, loopback or link-local
//! address (the metadata service) is refused twice: the URL when it is
//! stored or called, and every address its name resolves to, so a name
//! that later points inside cannot be used to reach in (DNS rebinding).
//! Redirects are not followed; no proxy is used.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use norvalt_core::integrations::webhooks::{WebhookPoster, url_problem};
use norvalt_core::inventory::{FETCH_TIMEOUT, FeedFetcher, feed::MAX_FEED_BYTES};
use norvalt_core::net::is_public;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The receiver's whole answer must come within this (Standard Webhooks
/// senders time out after 15–30 s; `event-sender` has 15 s in all).
pub const TIMEOUT: Duration = Duration::from_secs(10);

pub struct HttpWebhookPoster {
    public_only: reqwest::Client,
    any: reqwest::Client,
}

/// Resolves names as the system does, keeping only public addresses.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if found.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(found.into_iter()) as Addrs)
        })
    }
}

fn client(resolver: Option<Arc<PublicOnly>>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy();
    if let Some(resolver) = resolver {
        builder = builder.dns_resolver(resolver);
    }
    builder.build().expect("a client with timeouts builds")
}

impl HttpWebhookPoster {
    pub fn new() -> Self {
        Self {
            public_only: client(Some(Arc::new(PublicOnly))),
            any: client(None),
        }
    }
}

impl Default for HttpWebhookPoster {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl WebhookPoster for HttpWebhookPoster {
    async fn post(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
        allow_private: bool,
    ) -> Result<u16, String> {
        if let Some(problem) = url_problem(url, allow_private) {
            return Err(format!("the endpoint URL {problem}"));
        }
        let client = if allow_private {
            &self.any
        } else {
            &self.public_only
        };
        let mut request = client.post(url).body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        match request.send().await {
            Ok(response) => Ok(response.status().as_u16()),
            Err(e) if e.is_timeout() => Err(format!("no answer within {} s", TIMEOUT.as_secs())),
            Err(e) if e.is_connect() => Err("could not connect".into()),
            Err(e) => Err(format!("request failed: {}", e.without_url())),
        }
    }
}

/// Stock feeds by `GET`: at most [`MAX_FEED_BYTES`], within
/// [`FETCH_TIMEOUT`].
pub struct HttpFeedFetcher {
    public_only: reqwest::Client,
    any: reqwest::Client,
}

impl HttpFeedFetcher {
    pub fn new() -> Self {
        let build = |resolver: Option<Arc<PublicOnly>>| {
            let mut b = reqwest::Client::builder()
                .timeout(FETCH_TIMEOUT)
                .connect_timeout(Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy();
            if let Some(r) = resolver {
                b = b.dns_resolver(r);
            }
            b.build().expect("a client with timeouts builds")
        };
        Self {
            public_only: build(Some(Arc::new(PublicOnly))),
            any: build(None),
        }
    }
}

impl Default for HttpFeedFetcher {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl FeedFetcher for HttpFeedFetcher {
    async fn fetch(&self, url: &str, allow_private: bool) -> Result<Vec<u8>, String> {
        if let Some(problem) = url_problem(url, allow_private) {
            return Err(format!("the feed URL {problem}"));
        }
        let client = if allow_private {
            &self.any
        } else {
            &self.public_only
        };
        let mut response = client.get(url).send().await.map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", FETCH_TIMEOUT.as_secs())
            } else {
                format!("could not fetch the feed: {}", e.without_url())
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the feed answered HTTP {status}"));
        }
        if response
            .content_length()
            .is_some_and(|n| n as usize > MAX_FEED_BYTES)
        {
            return Err(format!(
                "the feed is over {} MB",
                MAX_FEED_BYTES / 1024 / 1024
            ));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| format!("reading the feed failed: {}", e.without_url()))?
        {
            body.extend_from_slice(&chunk);
            if body.len() > MAX_FEED_BYTES {
                return Err(format!(
                    "the feed is over {} MB",
                    MAX_FEED_BYTES / 1024 / 1024
                ));
            }
        }
        Ok(body)
    }
}
