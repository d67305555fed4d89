//! Who may do what. The table below is the whole policy; docs/api.md repeats it.
//!
//! | permission           | admin | manager | sales_rep |
//! |----------------------|:-----:|:-------:|:---------:|
//! | read leads           |   ✓   |    ✓    |     ✓     |
//! | create/update leads  |   ✓   |    ✓    |     ✓     |
//! | delete leads         |   ✓   |    ✓    |           |
//! | read conversations   |   ✓   |    ✓    |     ✓     |
//! | add messages         |   ✓   |    ✓    |     ✓     |
//! | read vehicles        |   ✓   |    ✓    |     ✓     |
//! | manage vehicles      |   ✓   |    ✓    |           |
//! | manage automations   |   ✓   |    ✓    |           |
//! | manage dealership    |   ✓   |         |           |

use crate::error::DomainError;
use crate::model::user::User;
use crate::tenancy::TenantId;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    SalesRep,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::SalesRep => "sales_rep",
        }
    }

    /// The less privileged of two roles: a session's role is capped by the
    /// role Norvalt's user record holds (demoted in Norvalt, demoted now).
    pub fn lower(self, other: Role) -> Role {
        let rank = |r: Role| match r {
            Role::SalesRep => 0,
            Role::Manager => 1,
            Role::Admin => 2,
        };
        if rank(other) < rank(self) {
            other
        } else {
            self
        }
    }

    /// Reads a Clerk organisation role: `admin` (v2) or `org:admin` (v1).
    /// Clerk's built-in `member` role is its least privileged one: a sales rep.
    pub fn from_clerk(role: &str) -> Option<Role> {
        match role.strip_prefix("org:").unwrap_or(role) {
            "admin" => Some(Role::Admin),
            "manager" => Some(Role::Manager),
            "sales_rep" | "member" => Some(Role::SalesRep),
            _ => None,
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match permission {
            ReadLeads | WriteLeads | ReadConversations | WriteConversations | ReadVehicles
            | ReadAccount | ReadAutomations | ReadAnalytics => true,
            DeleteLeads | ExportLeads | ManageVehicles | ManageAutomations | ManageInbox => {
                matches!(self, Role::Admin | Role::Manager)
            }
            ManageDealership => self == Role::Admin,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ReadLeads,
    WriteLeads,
    DeleteLeads,
    /// Leads and their conversations out as CSV (a copy of people's data).
    ExportLeads,
    ReadConversations,
    WriteConversations,
    ReadVehicles,
    ManageVehicles,
    ReadAutomations,
    ManageAutomations,
    /// Tags, canned replies and shared inbox views.
    ManageInbox,
    ReadAnalytics,
    ReadAccount,
    ManageDealership,
}

/// The authenticated caller: a verified token's user, acting in one dealership.
#[derive(Debug, Clone)]
pub struct Actor {
    pub tenant: TenantId,
    pub clerk_user_id: String,
    pub role: Role,
    /// The user record, when the Clerk user has been provisioned in Norvalt.
    pub user: Option<User>,
}

impl Actor {
    pub fn require(&self, permission: Permission) -> Result<(), DomainError> {
        if self.role.allows(permission) {
            Ok(())
        } else {
            Err(DomainError::Forbidden {
                code: "insufficient_role",
                message: "Your role does not allow this action",
            })
        }
    }

    /// How the actor signs a message they write.
    pub fn display_name(&self) -> String {
        self.user
            .as_ref()
            .and_then(|u| u.name.clone())
            .unwrap_or_else(|| self.clerk_user_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clerk_roles_with_and_without_prefix() {
        assert_eq!(Role::from_clerk("org:admin"), Some(Role::Admin));
        assert_eq!(Role::from_clerk("admin"), Some(Role::Admin));
        assert_eq!(Role::from_clerk("org:sales_rep"), Some(Role::SalesRep));
        assert_eq!(Role::from_clerk("manager"), Some(Role::Manager));
        assert_eq!(Role::from_clerk("org:member"), Some(Role::SalesRep));
        assert_eq!(Role::from_clerk("owner"), None);
        assert_eq!(Role::from_clerk(""), None);
    }

    #[test]
    fn sales_reps_cannot_delete_or_manage_inventory() {
        assert!(!Role::SalesRep.allows(Permission::DeleteLeads));
        assert!(!Role::SalesRep.allows(Permission::ManageVehicles));
        assert!(Role::SalesRep.allows(Permission::WriteLeads));
        assert!(Role::Manager.allows(Permission::DeleteLeads));
        assert!(!Role::Manager.allows(Permission::ManageDealership));
        assert!(Role::Admin.allows(Permission::ManageDealership));
    }
}
