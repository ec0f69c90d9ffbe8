//! Staff accounts, passwords, sessions, roles and the permission check (DESIGN §2, §9).

pub mod access;
pub mod mfa;
pub mod password;
pub mod role;
pub mod session;
pub mod session_registry;
pub mod sso;
pub mod staff;
pub mod throttle;

pub use role::{Permission, Role};
pub use session::{CurrentStaff, SessionAuth, SessionPolicy};
