//! The tenant key. A [`TenantId`] can only be made here: from a routing record
//! (a verified Clerk organisation, a form key, an inbound address, a Facebook
//! page), from a link Norvalt signed, or by provisioning a new dealership. Every store method takes one and
//! builds its keys from it, so a caller cannot name another dealership's data.

use crate::ids::DealershipId;
use crate::ports::{RouteKind, RoutingStore, StoreResult};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantId(DealershipId);

impl TenantId {
    pub(crate) fn mint(id: DealershipId) -> Self {
        Self(id)
    }

    /// From a link Norvalt signed for this dealership (unsubscribe). The
    /// caller must have verified the signature.
    pub fn from_signed_link(id: DealershipId) -> Self {
        Self(id)
    }

    pub fn dealership_id(&self) -> DealershipId {
        self.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Looks a routing record up and, when it exists, yields its tenant.
pub async fn resolve(
    routes: &dyn RoutingStore,
    kind: RouteKind,
    key: &str,
) -> StoreResult<Option<TenantId>> {
    let key = kind.normalise_key(key);
    Ok(routes.lookup_route(kind, &key).await?.map(TenantId::mint))
}
