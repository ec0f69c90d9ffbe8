//! Roles and what each may do (DESIGN §2). Deny by default: a permission not listed for a
//! role is refused.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Viewer,
    Auditor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// List and search sub-organizations, view one, list its users.
    ViewSubOrgs,
    CreateSubOrg,
    /// Start, stop and switch the mode of an impersonation.
    Impersonate,
    ManageStaff,
    /// Review, filter and export the audit log.
    ReviewAudit,
    /// Start a verification of the whole audit chain.
    VerifyAudit,
    /// List and view SendGrid subusers.
    ViewSubusers,
    /// Enable or disable a SendGrid subuser.
    ManageSubusers,
    /// Grant or deny another admin's request for write mode.
    ApproveWrite,
}

impl Permission {
    /// Its name in audit events (`manage_staff`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ViewSubOrgs => "view_sub_orgs",
            Self::CreateSubOrg => "create_sub_org",
            Self::Impersonate => "impersonate",
            Self::ManageStaff => "manage_staff",
            Self::ReviewAudit => "review_audit",
            Self::VerifyAudit => "verify_audit",
            Self::ViewSubusers => "view_subusers",
            Self::ManageSubusers => "manage_subusers",
            Self::ApproveWrite => "approve_write",
        }
    }
}

impl Role {
    pub const ALL: [Role; 3] = [Self::Admin, Self::Viewer, Self::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Viewer => "viewer",
            Self::Auditor => "auditor",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Admin => "Admin",
            Self::Viewer => "Viewer",
            Self::Auditor => "Auditor",
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Self::Admin => true,
            Self::Viewer => matches!(permission, ViewSubOrgs | ViewSubusers),
            // Verifying the chain only reads it.
            Self::Auditor => matches!(permission, ReviewAudit | VerifyAudit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn the_design_table_holds() {
        let table = [
            (ViewSubOrgs, [true, true, false]),
            (CreateSubOrg, [true, false, false]),
            (Impersonate, [true, false, false]),
            (ManageStaff, [true, false, false]),
            (ReviewAudit, [true, false, true]),
            (VerifyAudit, [true, false, true]),
            (ViewSubusers, [true, true, false]),
            (ManageSubusers, [true, false, false]),
            (ApproveWrite, [true, false, false]),
        ];
        for (permission, expected) in table {
            for (role, can) in Role::ALL.into_iter().zip(expected) {
                assert_eq!(role.can(permission), can, "{role:?} {permission:?}");
            }
        }
    }
}
