//! The base of the web edge, below both the pages (`app`) and the form handlers (`forms`):
//! what a request carries, the edge's error type, extractors, form feedback and redirect
//! targets. It knows no page and no route.

pub mod audit_filter;
pub mod error;
pub mod extract;
pub mod feedback;
pub mod paths;
pub mod request;
pub mod step_up;

pub use error::{AppError, ErrorShown};
pub use feedback::{FormFeedback, FormId};
