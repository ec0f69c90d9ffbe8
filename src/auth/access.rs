//! Which requests need what: one table for every page, form and export. Deny by default:
//! a path this table does not name needs a signed-in person, and a named area its permission.

use axum::http::Method;

use super::role::Permission;
use crate::audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in staff member.
    SignedIn,
    /// A signed-in staff member whose role grants the permission; a refusal is recorded under
    /// the action it would have been.
    Needs(Permission, Action),
}

pub fn required(method: &Method, path: &str) -> Access {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if matches!(path, "/healthz" | "/readyz" | "/login") || under("/assets") {
        return Access::Public;
    }
    if under("/staff") {
        let action = if method == Method::GET {
            Action::StaffUpdated
        } else if path.ends_with("/disable") {
            Action::StaffDisabled
        } else if path == "/staff" {
            Action::StaffCreated
        } else {
            Action::StaffUpdated
        };
        return Access::Needs(Permission::ManageStaff, action);
    }
    if path == "/audit/verify" {
        return Access::Needs(Permission::VerifyAudit, Action::AuditViewed);
    }
    if under("/audit") {
        let action = if path.starts_with("/audit/export") {
            Action::AuditExported
        } else {
            Action::AuditViewed
        };
        return Access::Needs(Permission::ReviewAudit, action);
    }
    if path == "/sub-orgs/new" {
        return Access::Needs(Permission::CreateSubOrg, Action::PostgridRequest);
    }
    if path == "/impersonation/handoff" {
        return Access::Needs(Permission::Impersonate, Action::DashboardHandoff);
    }
    if under("/impersonation") {
        return Access::Needs(Permission::Impersonate, Action::ImpersonationDenied);
    }
    if under("/sendgrid/acting") {
        return Access::Needs(Permission::Impersonate, Action::ImpersonationDenied);
    }
    // `/sendgrid/subusers/{name}/status`, and not the page of a subuser named `status`.
    let segments: Vec<&str> = path.split('/').collect();
    if matches!(segments.as_slice(), ["", "sendgrid", "subusers", name, "status"] if !name.is_empty())
    {
        return Access::Needs(Permission::ManageSubusers, Action::SendgridRequest);
    }
    if under("/sendgrid") {
        return Access::Needs(Permission::ViewSubusers, Action::SendgridRequest);
    }
    if under("/sub-orgs") {
        return Access::Needs(Permission::ViewSubOrgs, Action::PostgridRequest);
    }
    Access::SignedIn
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_paths_need_a_signed_in_person() {
        assert_eq!(required(&Method::GET, "/something-new"), Access::SignedIn);
        assert_eq!(required(&Method::POST, "/api/anything"), Access::SignedIn);
        assert_eq!(required(&Method::GET, "/login"), Access::Public);
        assert_eq!(required(&Method::GET, "/loginx"), Access::SignedIn);
        assert_eq!(required(&Method::GET, "/staffing"), Access::SignedIn);
        assert!(matches!(
            required(&Method::GET, "/audit/export.csv"),
            Access::Needs(Permission::ReviewAudit, Action::AuditExported)
        ));
        assert!(matches!(
            required(&Method::POST, "/staff/4/disable"),
            Access::Needs(Permission::ManageStaff, Action::StaffDisabled)
        ));
        assert!(matches!(
            required(&Method::GET, "/sendgrid/subusers/acme/status"),
            Access::Needs(Permission::ManageSubusers, Action::SendgridRequest)
        ));
        assert!(matches!(
            required(&Method::GET, "/sendgrid/acting/suppressions/bounces"),
            Access::Needs(Permission::Impersonate, Action::ImpersonationDenied)
        ));
        assert!(matches!(
            required(&Method::GET, "/sendgrid/subusers"),
            Access::Needs(Permission::ViewSubusers, Action::SendgridRequest)
        ));
        assert_eq!(required(&Method::GET, "/sendgridx"), Access::SignedIn);
        assert!(matches!(
            required(&Method::GET, "/sendgrid/subusers/status"),
            Access::Needs(Permission::ViewSubusers, _)
        ));
    }
}
