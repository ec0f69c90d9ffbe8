//! Puts the client's address (see [`crate::net`]) into every request, before anything else
//! looks at it.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::net::ClientAddr;
use crate::state::AppState;

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let client = state.config.trusted_proxies.client_of(peer, req.headers());
    req.extensions_mut().insert(ClientAddr(client));
    next.run(req).await
}
