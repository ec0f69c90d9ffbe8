//! Values that are valid by construction: parsed once at the edge, trusted everywhere after.

mod email;
mod sub_org_id;

pub use email::{Email, InvalidEmail};
pub use sub_org_id::SubOrgId;
