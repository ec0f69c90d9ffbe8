//! Who SendGrid's `on-behalf-of` header names: a subuser by its username, or a reseller's
//! customer account as `account-id <id>`. Only these two shapes are ever built, from checked
//! parts, so nothing else reaches a header or a path.

use std::fmt;

/// SendGrid's longest username (*inferred*: its dashboard refuses more).
const USERNAME_MAX: usize = 64;
const ACCOUNT_ID_MAX: usize = 64;
const CUSTOMER_PREFIX: &str = "account-id ";

/// A subuser's username: letters, digits, `_`, `.` and `-`, starting with a letter or digit
/// (so never `.` or `..`, which a URL path would resolve away).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AccountProblem> {
        let valid = raw
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
            && raw.len() <= USERNAME_MAX
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
        valid
            .then(|| Self(raw.to_owned()))
            .ok_or(AccountProblem::Username)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A customer account's id: hex digits, after the `sg` that SendGrid's Account Provisioning
/// API puts in front of them in its examples (`sg2a2bcd3ef4ab5c67d8efab91c01de2fa`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerId(String);

impl CustomerId {
    pub fn parse(raw: &str) -> Result<Self, AccountProblem> {
        let hex = raw.strip_prefix("sg").unwrap_or(raw);
        let valid = !hex.is_empty()
            && raw.len() <= ACCOUNT_ID_MAX
            && hex.bytes().all(|b| b.is_ascii_hexdigit());
        valid
            .then(|| Self(raw.to_owned()))
            .ok_or(AccountProblem::CustomerId)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sub-account the parent key may act for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Account {
    Subuser(Username),
    Customer(CustomerId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountProblem {
    #[error("a SendGrid username has only letters, digits, _, . and -, starts with a letter or digit, and has at most 64")]
    Username,
    #[error("a customer account id is hex digits, optionally after sg (at most 64)")]
    CustomerId,
}

impl Account {
    /// Reads the header's own form: `account-id <id>` or a username.
    pub fn parse(raw: &str) -> Result<Self, AccountProblem> {
        match raw.strip_prefix(CUSTOMER_PREFIX) {
            Some(id) => CustomerId::parse(id).map(Self::Customer),
            None => Username::parse(raw).map(Self::Subuser),
        }
    }

    /// The `on-behalf-of` value, exactly as sent (and as the audit log records it).
    pub fn header_value(&self) -> String {
        match self {
            Self::Subuser(name) => name.0.clone(),
            Self::Customer(id) => format!("{CUSTOMER_PREFIX}{}", id.0),
        }
    }

    /// How a person reads it.
    pub fn describe(&self) -> String {
        match self {
            Self::Subuser(name) => format!("subuser {name}"),
            Self::Customer(id) => format!("customer account {}", id.0),
        }
    }
}

impl fmt::Display for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header_value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_usernames_and_hex_account_ids_become_headers() {
        let sub = Account::parse("acme.mail-2_x").expect("a username");
        assert_eq!(sub.header_value(), "acme.mail-2_x");
        let customer =
            Account::parse("account-id sg2a2bcd3ef4ab5c67d8efab91c01de2fa").expect("an id");
        assert_eq!(
            customer.header_value(),
            "account-id sg2a2bcd3ef4ab5c67d8efab91c01de2fa"
        );
        assert_eq!(
            Account::parse("account-id 00ff").map(|a| a.header_value()),
            Ok("account-id 00ff".to_owned())
        );
        for bad in [
            "",
            "two words",
            "evil\r\nX-Injected: 1",
            "a/../b",
            ".",
            "..",
            "-rf",
            "name@example.com",
            "<script>",
            &"x".repeat(65),
        ] {
            assert_eq!(
                Account::parse(bad),
                Err(AccountProblem::Username),
                "{bad:?}"
            );
        }
        for bad in [
            "account-id ",
            "account-id xyz",
            "account-id 12 34",
            "account-id sg",
        ] {
            assert_eq!(
                Account::parse(bad),
                Err(AccountProblem::CustomerId),
                "{bad:?}"
            );
        }
    }
}
