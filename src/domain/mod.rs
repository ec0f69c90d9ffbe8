//! Values that are valid by construction: parsed once at the edge, trusted everywhere after.

mod country;
mod email;
mod ids;
mod sub_org_id;
pub mod text;
mod timestamp;

pub use country::{CountryCode, UnknownCountry, COUNTRIES};
pub use email::{Email, InvalidEmail};
pub use ids::{ApprovalId, CallId, ImpersonationId, StaffId};
pub use sub_org_id::SubOrgId;
pub use text::{Reason, ReasonProblem};
pub use timestamp::Timestamp;
