//! The Facebook part of a settings change: pages whose Lead Ads come in,
//! and the Conversions API datasets their leads' stages go back to.

use super::*;
use crate::integrations::meta_stages::{DatasetAccess, dataset_secret};

impl Planner<'_> {
    /// A page to connect, with the token that proves it is the dealership's.
    pub(super) fn connect_facebook_page(&mut self, page: &FacebookConnection) {
        let id = page.page_id.trim().to_string();
        if id.is_empty() || id.len() > 64 || !id.chars().all(|c| c.is_ascii_digit()) {
            self.e.add(
                "connect_facebook_page.page_id",
                "is a Facebook page id (digits)",
            );
        } else {
            self.claims
                .push((RouteKind::FacebookPage, id.clone(), "facebook_page_taken"));
            match page.access_token.as_deref().map(str::trim) {
                Some(token) if !token.is_empty() && token.len() <= 1024 => {
                    self.secrets.push((page_token_secret(self.current.id, &id), token.to_string()));
                    self.pages_to_prove.push((id.clone(), token.to_string()));
                }
                _ => self.e.add(
                    "connect_facebook_page.access_token",
                    "is required (1–1024 characters): the page's access token proves the page is yours",
                ),
            }
            if !self.next.capture.facebook_pages.contains(&id) {
                self.next.capture.facebook_pages.push(id);
            }
            self.touch("facebook_pages");
        }
    }

    /// A page to let go of, with its stored token.
    pub(super) fn disconnect_facebook_page(&mut self, page: &str) {
        let page = page.trim();
        if self.next.capture.facebook_pages.iter().any(|p| p == page) {
            self.next.capture.facebook_pages.retain(|p| p != page);
            self.releases
                .push((RouteKind::FacebookPage, page.to_string()));
            self.deleted_secrets
                .push(page_token_secret(self.current.id, page));
            self.deleted_secrets.push(legacy_page_token_secret(page));
            self.touch("facebook_pages");
            // Its leads' stages have nowhere to go any more.
            if self.sends_stages(page) {
                self.drop_conversions(page);
            }
        } else {
            self.e.add(
                "disconnect_facebook_page",
                "is not connected to this dealership",
            );
        }
    }

    /// A connected page's dataset and token for the Conversions API; both
    /// go to the secret store (replacing any before).
    pub(super) fn connect_conversions_api(&mut self, c: &ConversionsConnection) {
        let page = c.page_id.trim();
        let dataset = c.dataset_id.trim();
        if !self.next.capture.facebook_pages.iter().any(|p| p == page) {
            self.e.add(
                "connect_conversions_api.page_id",
                "is a Facebook page connected to this dealership",
            );
        }
        if dataset.is_empty() || dataset.len() > 64 || !dataset.chars().all(|c| c.is_ascii_digit())
        {
            self.e.add(
                "connect_conversions_api.dataset_id",
                "is the dataset (pixel) id from Meta Events Manager (digits)",
            );
        }
        let token = c.access_token.trim();
        if token.is_empty() || token.len() > 1024 || token.chars().any(char::is_control) {
            self.e.add(
                "connect_conversions_api.access_token",
                "is required (1–1024 characters): the token made for the dataset in Events Manager",
            );
        }
        if !self.e.is_empty() {
            return;
        }
        let access = DatasetAccess {
            dataset_id: dataset.to_string(),
            access_token: token.to_string(),
        };
        self.secrets.push((
            dataset_secret(self.current.id, page),
            serde_json::to_string(&access).expect("two strings serialise"),
        ));
        if !self
            .next
            .capture
            .conversions_pages
            .iter()
            .any(|p| p == page)
        {
            self.next.capture.conversions_pages.push(page.to_string());
        }
        self.touch("conversions_pages");
    }

    /// Stops sending a page's leads' stages, and forgets its token.
    pub(super) fn disconnect_conversions_api(&mut self, page: &str) {
        let page = page.trim();
        if self.sends_stages(page) {
            self.drop_conversions(page);
        } else {
            self.e.add(
                "disconnect_conversions_api",
                "is not a page sending lead stages to Meta",
            );
        }
    }

    fn sends_stages(&self, page: &str) -> bool {
        self.next
            .capture
            .conversions_pages
            .iter()
            .any(|p| p == page)
    }

    fn drop_conversions(&mut self, page: &str) {
        self.next.capture.conversions_pages.retain(|p| p != page);
        self.deleted_secrets
            .push(dataset_secret(self.current.id, page));
        self.touch("conversions_pages");
    }
}
