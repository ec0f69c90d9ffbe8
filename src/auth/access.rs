//! Which requests need what: one table for every page, form and export. Deny by default:
//! a path this table does not name needs a signed-in person, and a named area its permission.

use axum::http::Method;

use super::mfa::MfaPolicy;
use super::role::Permission;
use super::session::CurrentStaff;
use crate::audit::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in staff member.
    SignedIn,
    /// A signed-in staff member whose role grants the permission. A refused page is recorded
    /// as `access.denied`; a refused change under the action it would have been.
    Needs(Permission, Action),
}

pub fn required(method: &Method, path: &str) -> Access {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    if matches!(
        path,
        "/healthz" | "/readyz" | "/login" | "/login/code" | "/login/sso" | "/login/sso/callback"
    ) || under("/assets")
    {
        return Access::Public;
    }
    if under("/staff") {
        let action = if method == Method::GET {
            Action::StaffUpdated
        } else if path.ends_with("/disable") {
            Action::StaffDisabled
        } else if path.ends_with("/mfa/reset") {
            Action::MfaReset
        } else if path.ends_with("/enable") {
            Action::StaffEnabled
        } else if path.ends_with("/unlock") {
            Action::StaffUnlocked
        } else if path == "/staff" {
            Action::StaffCreated
        } else {
            Action::StaffUpdated
        };
        return Access::Needs(Permission::ManageStaff, action);
    }
    if under("/approvals") {
        let action = if path.ends_with("/deny") {
            Action::ApprovalDenied
        } else {
            Action::ApprovalGranted
        };
        return Access::Needs(Permission::ApproveWrite, action);
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

/// Whether a POST to `path` with `fields` is a risky step that asks for a fresh second factor:
/// starting to act for a customer, switching to write mode, and every change to staff.
pub fn needs_step_up(path: &str, fields: &[(String, String)]) -> bool {
    let under = |prefix: &str| path == prefix || path.starts_with(&format!("{prefix}/"));
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match path {
        "/impersonation/start" => true,
        // Giving write mode up is never risky.
        "/impersonation/mode" => field("mode") != Some("read_only"),
        _ => under("/staff") || under("/approvals"),
    }
}

/// Whether [`needs_step_up`] can hold for some POST to `path` (so its form must be read).
pub fn may_need_step_up(path: &str) -> bool {
    needs_step_up(path, &[])
}

/// What a signed-in person must do before anything else, as the page that does it: choose a
/// new password an admin asked for, then enrol the second factor their role needs. Only that
/// page (and signing out) answers until it is done.
pub fn setup_first(staff: &CurrentStaff, mfa: MfaPolicy, path: &str) -> Option<&'static str> {
    if path == "/logout" {
        return None;
    }
    if staff.must_change_password {
        return (path != "/account/password").then_some("/account/password?required=1");
    }
    // The identity provider's second factor, when trusted, stands in for the portal's.
    if mfa.required_for(staff.role) && !staff.mfa_enrolled && !staff.idp_mfa {
        return (!matches!(path, "/account/mfa" | "/account/mfa/start"))
            .then_some("/account/mfa?required=1");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    #[test]
    fn risky_steps_ask_for_a_fresh_code() {
        let mode = |m: &str| vec![("mode".to_owned(), m.to_owned())];
        assert!(needs_step_up("/impersonation/start", &[]));
        assert!(needs_step_up("/impersonation/mode", &mode("write")));
        assert!(!needs_step_up("/impersonation/mode", &mode("read_only")));
        assert!(needs_step_up("/staff", &[]));
        assert!(needs_step_up("/staff/3/role", &[]));
        assert!(!needs_step_up("/staffing", &[]));
        assert!(needs_step_up("/approvals/x/grant", &[]));
        assert!(!needs_step_up("/impersonation/stop", &[]));
        assert!(!needs_step_up("/account/password", &[]));
    }

    #[test]
    fn setup_comes_first_password_then_second_factor() {
        let mut me = CurrentStaff {
            id: 1.into(),
            email: "a@example.com".into(),
            name: "A".into(),
            role: Role::Admin,
            mfa_enrolled: false,
            must_change_password: true,
            idp_mfa: false,
            time_zone: None,
        };
        let to = |me: &CurrentStaff, mfa, path| setup_first(me, mfa, path);
        assert_eq!(
            to(&me, MfaPolicy::Admins, "/sub-orgs"),
            Some("/account/password?required=1")
        );
        assert_eq!(
            to(&me, MfaPolicy::Admins, "/account/mfa"),
            Some("/account/password?required=1")
        );
        assert_eq!(to(&me, MfaPolicy::Admins, "/account/password"), None);
        assert_eq!(to(&me, MfaPolicy::Admins, "/logout"), None);
        me.must_change_password = false;
        assert_eq!(
            to(&me, MfaPolicy::Admins, "/sub-orgs"),
            Some("/account/mfa?required=1")
        );
        assert_eq!(to(&me, MfaPolicy::Admins, "/account/mfa/start"), None);
        assert_eq!(to(&me, MfaPolicy::Off, "/sub-orgs"), None);
        me.role = Role::Viewer;
        assert_eq!(to(&me, MfaPolicy::Admins, "/sub-orgs"), None);
        assert_eq!(
            to(&me, MfaPolicy::Everyone, "/sub-orgs"),
            Some("/account/mfa?required=1")
        );
        me.idp_mfa = true;
        assert_eq!(to(&me, MfaPolicy::Everyone, "/sub-orgs"), None);
        me.idp_mfa = false;
        me.mfa_enrolled = true;
        assert_eq!(to(&me, MfaPolicy::Everyone, "/sub-orgs"), None);
    }

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
