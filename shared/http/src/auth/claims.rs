//! Clerk session-token claims, in both shapes Clerk issues (docs/contracts.md):
//! v2 nests the organisation as `o: {id, rol, slg, per}`; v1 has flat
//! `org_id` / `org_role` (`org:admin`).

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub(crate) struct RawClaims {
    pub sub: String,
    pub azp: Option<String>,
    /// Session status; `pending` is not an active session.
    pub sts: Option<String>,
    pub o: Option<OrgClaim>,
    pub org_id: Option<String>,
    pub org_role: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct OrgClaim {
    pub id: Option<String>,
    pub rol: Option<String>,
}

/// A verified session: who, and in which organisation with which role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: String,
    pub org_id: Option<String>,
    pub org_role: Option<String>,
}

impl From<RawClaims> for Session {
    fn from(c: RawClaims) -> Self {
        let (org_id, org_role) = match c.o {
            Some(o) => (o.id, o.rol),
            None => (c.org_id, c.org_role),
        };
        Session {
            user_id: c.sub,
            org_id,
            org_role,
        }
    }
}
