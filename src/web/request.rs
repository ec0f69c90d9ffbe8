//! What the middleware learned about the request, for pages and form handlers alike: who is
//! at the other end, the request id, the impersonation in force, and why a session ended.

use std::net::{IpAddr, Ipv4Addr};

use axum::http::request::Parts;

use crate::audit::Origin;
use crate::auth::session::{CurrentStaff, Ended};
use crate::impersonation::{EndReason, InForce};
use crate::net::ClientAddr;

/// The id of the request being served, for audit events and error pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The impersonation in force for this request, checked.
#[derive(Debug, Clone)]
pub struct Acting(pub InForce);

/// The impersonation that ended on this request, and why.
#[derive(Debug, Clone, Copy)]
pub struct ActingEnded(pub EndReason);

/// Why the person was sent to the sign-in page, for its message.
#[derive(Debug, Clone, Copy)]
pub struct SessionEnded(pub Ended);

/// The client address of a request the middleware has seen (unspecified otherwise).
pub fn client_addr(parts: &Parts) -> IpAddr {
    parts
        .extensions
        .get::<ClientAddr>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0)
}

/// The request's origin for audit events.
pub fn origin_of(parts: &Parts, staff: Option<&CurrentStaff>) -> Origin {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(256).collect::<String>())
    };
    Origin {
        actor: staff.map(CurrentStaff::actor),
        client_ip: parts
            .extensions
            .get::<ClientAddr>()
            .map(|addr| addr.0.to_string()),
        user_agent: header("user-agent"),
        request_id: parts.extensions.get::<RequestId>().map(|id| id.0.clone()),
    }
}

/// Where a new session is started from, as its owner is shown on `/account`.
pub fn seen_from(parts: &Parts) -> crate::auth::session_registry::SeenFrom {
    let origin = origin_of(parts, None);
    crate::auth::session_registry::SeenFrom {
        client_ip: origin.client_ip,
        user_agent: origin.user_agent,
    }
}

/// The signed-in person's own row, as it is now (what a session holds may be older).
pub async fn own_account(
    state: &crate::state::AppState,
    me: &CurrentStaff,
) -> Result<crate::auth::staff::Staff, super::AppError> {
    crate::auth::staff::find_by_id(&state.db, me.id)
        .await
        .map_err(super::AppError::portal("loading the account"))?
        .ok_or(super::AppError::SignInFirst)
}
