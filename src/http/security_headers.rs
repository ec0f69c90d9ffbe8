//! Security headers on every response, pages and errors alike.

use axum::http::{header, HeaderName, HeaderValue};
use axum::Router;
use tower_http::set_header::SetResponseHeaderLayer;

/// No script source at all: the portal ships no JavaScript, so any script is an injection.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// One year, this host and every subdomain.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000; includeSubDomains";

/// Adds the headers to every response of `router` that does not set them itself; HSTS only
/// when the portal is served over https (over plain http a browser ignores it anyway, and a
/// local run must stay reachable).
/// `Referrer-Policy: same-origin`, not `no-referrer`: Leptos server functions answer a plain
/// form post by redirecting to the `Referer`, so the header must survive for any added later.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>, https: bool) -> Router<S> {
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let router = if https {
        router.layer(set(
            header::STRICT_TRANSPORT_SECURITY,
            STRICT_TRANSPORT_SECURITY,
        ))
    } else {
        router
    };
    router
        .layer(set(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
        // Pages carry customer data: keep them out of shared and browser caches.
        .layer(set(header::CACHE_CONTROL, "no-store"))
}
