//! What may be done as a sub-organization: one allow-list, by mode. Anything else is refused
//! before it reaches PostGrid; sub-organization management, API keys, billing and users are
//! never done as a sub-organization.

use super::Mode;

/// Reading the sub-organization's contacts, templates and letters.
pub const READ: &[&str] = &[
    "contacts.list",
    "contacts.get",
    "templates.list",
    "templates.get",
    "letters.list",
    "letters.get",
];

/// Reading, plus creating contacts, creating and updating templates, and creating letters.
pub const WRITE: &[&str] = &[
    "contacts.list",
    "contacts.get",
    "templates.list",
    "templates.get",
    "letters.list",
    "letters.get",
    "contacts.create",
    "templates.create",
    "templates.update",
    "letters.create",
];

pub fn allowed(mode: Mode) -> &'static [&'static str] {
    match mode {
        Mode::ReadOnly => READ,
        Mode::Write => WRITE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_allows_no_write_and_nothing_touches_keys_billing_or_users() {
        for op in READ {
            assert!(op.ends_with(".list") || op.ends_with(".get"), "{op}");
        }
        for op in WRITE.iter().chain(READ) {
            assert!(!op.starts_with("sub_organizations"), "{op}");
            assert!(
                !op.contains("key") && !op.contains("billing") && !op.contains("user"),
                "{op}"
            );
        }
        assert!(
            !WRITE.contains(&"letters.cancel"),
            "cancelling is not on the list"
        );
    }
}
