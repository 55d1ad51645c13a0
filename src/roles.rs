//! Who may do what: a staff member's role, the permissions it grants, and the signed-in staff
//! member. A leaf module (it uses only ids and the catalogue), so the audit log, the request
//! context and every feature can name a staff member without reaching into sign-in.
//!
//! A role is a fixed set of permissions ([`Role::permissions`]); every staff route asks for the
//! permission it needs through `Ctx::require`, on the server, and pages show only the links and
//! buttons the role may use.

use crate::plumbing::i18n::Msg;
use crate::plumbing::ids::StaffId;

/// Something a staff member may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Permission {
    /// Unlock customers, change their contact details, merge duplicates.
    CustomerManagement,
    /// Write and approve pawn tickets.
    LoanOrigination,
    /// Take payments, extensions and redemptions.
    Payments,
    /// Record and resolve complaints.
    Complaints,
    /// The CS manager's part of complaints: receive escalations (and breaches), act on
    /// escalated cases, close cases, give a case to another owner.
    ComplaintEscalations,
    /// Follow up customers by phone.
    CallCentre,
    /// Read branch reports.
    Reports,
    /// Manage staff accounts.
    StaffAdmin,
    /// Read the audit log.
    AuditLog,
    /// Reverse ledger rows (corrections), edit loan products and set the gold reference price.
    Corrections,
}

impl Permission {
    /// Every permission, in display order.
    pub(crate) const ALL: [Permission; 10] = [
        Permission::CustomerManagement,
        Permission::LoanOrigination,
        Permission::Payments,
        Permission::Complaints,
        Permission::ComplaintEscalations,
        Permission::CallCentre,
        Permission::Reports,
        Permission::StaffAdmin,
        Permission::AuditLog,
        Permission::Corrections,
    ];

    /// The permission's name for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Permission::CustomerManagement => Msg::PermCustomerManagement,
            Permission::LoanOrigination => Msg::PermLoanOrigination,
            Permission::Payments => Msg::PermPayments,
            Permission::Complaints => Msg::PermComplaints,
            Permission::ComplaintEscalations => Msg::PermComplaintEscalations,
            Permission::CallCentre => Msg::PermCallCentre,
            Permission::Reports => Msg::PermReports,
            Permission::StaffAdmin => Msg::PermStaffAdmin,
            Permission::AuditLog => Msg::PermAuditLog,
            Permission::Corrections => Msg::PermCorrections,
        }
    }
}

/// A staff member's role: a named set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Clerk,
    CallAgent,
    Manager,
    Admin,
}

impl Role {
    /// Every role, from least to most powerful.
    pub(crate) const ALL: [Role; 4] = [Role::Clerk, Role::CallAgent, Role::Manager, Role::Admin];

    /// The role's code in the database and on the command line.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::CallAgent => "call_agent",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    /// The role named by its code.
    pub(crate) fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The role's name for people.
    pub(crate) fn label(self) -> Msg {
        match self {
            Role::Clerk => Msg::RoleClerk,
            Role::CallAgent => Msg::RoleCallAgent,
            Role::Manager => Msg::RoleManager,
            Role::Admin => Msg::RoleAdmin,
        }
    }

    /// The permissions the role grants.
    pub(crate) fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Clerk => &[LoanOrigination, Payments],
            Role::CallAgent => &[CallCentre, Complaints],
            Role::Manager => &[
                CustomerManagement,
                LoanOrigination,
                Payments,
                Complaints,
                ComplaintEscalations,
                CallCentre,
                Reports,
                AuditLog,
                Corrections,
            ],
            Role::Admin => &Permission::ALL,
        }
    }

    /// Whether the role grants `permission`.
    pub(crate) fn has(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }
}

impl rusqlite::types::FromSql for Role {
    fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let code = value.as_str()?;
        Role::from_code(code).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown role {code}").into())
        })
    }
}

/// A signed-in (or signing-in) staff member.
#[derive(Debug, Clone)]
pub(crate) struct StaffUser {
    pub(crate) id: StaffId,
    pub(crate) username: String,
    pub(crate) full_name: String,
    pub(crate) role: Role,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_they_should() {
        assert!(!Role::Clerk.has(Permission::CustomerManagement));
        assert!(Role::Manager.has(Permission::CustomerManagement));
        assert!(!Role::Manager.has(Permission::StaffAdmin));
        assert!(Role::Manager.has(Permission::ComplaintEscalations));
        assert!(!Role::CallAgent.has(Permission::ComplaintEscalations));
        assert!(Permission::ALL.iter().all(|p| Role::Admin.has(*p)));
        assert!(
            Role::ALL
                .iter()
                .all(|r| Role::from_code(r.code()) == Some(*r))
        );
    }
}
