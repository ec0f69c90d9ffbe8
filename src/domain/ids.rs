//! The portal's own identifiers, each its own type so one cannot be passed for another: a staff
//! member's row id, an impersonation's id and the id pairing a PostGrid request with its
//! response in the audit log.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A staff member's row id.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, sqlx::Type,
)]
#[serde(transparent)]
#[sqlx(transparent)]
pub struct StaffId(i64);

impl StaffId {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl From<i64> for StaffId {
    fn from(id: i64) -> Self {
        Self(id)
    }
}

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Defines an id that is a random UUID, stored and shown as its hyphenated text.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            pub fn new() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(raw: &str) -> Result<Self, uuid::Error> {
                raw.parse().map(Self)
            }
        }

        /// How rows load it.
        impl TryFrom<String> for $name {
            type Error = uuid::Error;

            fn try_from(raw: String) -> Result<Self, uuid::Error> {
                raw.parse()
            }
        }
    };
}

uuid_id!(
    /// An impersonation's id.
    ImpersonationId
);
uuid_id!(
    /// One PostGrid call: its request and response events share it.
    CallId
);
uuid_id!(
    /// A request for write mode that another admin decides.
    ApprovalId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_text_and_refuse_anything_else() {
        let id = ImpersonationId::new();
        assert_eq!(id.to_string().parse::<ImpersonationId>().ok(), Some(id));
        assert_eq!(ImpersonationId::try_from(id.to_string()).ok(), Some(id));
        assert!("nothing".parse::<ImpersonationId>().is_err());
        assert_ne!(CallId::new(), CallId::new());
        let json = serde_json::to_string(&StaffId::from(7)).expect("serializes");
        assert_eq!(json, "7");
        assert_eq!(StaffId::from(7).to_string(), "7");
    }
}
