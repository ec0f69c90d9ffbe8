//! Every state-changing request must come from the portal's own pages: its `Origin` must be
//! the public origin (or the browser must say `Sec-Fetch-Site: same-origin`), and a `Referer`,
//! when present, must be same-origin too. Anything else is refused and recorded.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

use crate::app::render::render_error;
use crate::audit::refusals::record_repeats;
use crate::audit::{Action, NewEvent, Outcome};
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::AppError;

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the request's headers show it came from `origin` (`scheme://host[:port]`).
pub fn is_same_origin(headers: &axum::http::HeaderMap, origin: &str) -> bool {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let origin_ok = match text("origin") {
        Some(sent) => sent == origin,
        None => text("sec-fetch-site") == Some("same-origin"),
    };
    let referer_ok = text("referer")
        .is_none_or(|referer| referer == origin || referer.starts_with(&format!("{origin}/")));
    origin_ok && referer_ok
}

/// The longest text kept from any header or the path of a refused request.
const MAX_FIELD_CHARS: usize = 200;

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_safe(req.method())
        || state
            .config
            .accepted_origins()
            .iter()
            .any(|origin| is_same_origin(req.headers(), origin))
    {
        return next.run(req).await;
    }
    let (parts, _) = req.into_parts();
    let address = crate::net::throttle_net(crate::web::request::client_addr(&parts));
    let (first, finished) = state.origin_rejections.note(address, state.clock.now());
    record_repeats(&state.audit, finished).await;
    if first {
        let cap = |text: &str| text.chars().take(MAX_FIELD_CHARS).collect::<String>();
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(cap)
        };
        let event = NewEvent::new(
            Action::OriginRejected,
            Outcome::Denied,
            origin_of(&parts, None),
        )
        .detail(json!({
            "method": parts.method.as_str(),
            "path": cap(parts.uri.path()),
            "origin": header("origin"),
            "referer": header("referer"),
            "sec_fetch_site": header("sec-fetch-site"),
        }));
        if let Err(err) = state.audit.append(event).await {
            tracing::error!(error = %err, "origin rejection could not be recorded");
        }
    }
    let expected = state.config.public_origin();
    render_error(state, parts, AppError::CrossOrigin { expected }.report()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().expect("header value"));
        }
        map
    }

    #[test]
    fn only_the_portals_own_origin_passes() {
        let me = "https://portal.example.com";
        assert!(is_same_origin(&headers(&[("origin", me)]), me));
        assert!(is_same_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            me
        ));
        assert!(is_same_origin(
            &headers(&[
                ("origin", me),
                ("referer", "https://portal.example.com/login")
            ]),
            me
        ));
        assert!(!is_same_origin(&headers(&[]), me));
        assert!(!is_same_origin(
            &headers(&[("origin", "https://evil.example")]),
            me
        ));
        assert!(!is_same_origin(&headers(&[("origin", "null")]), me));
        assert!(!is_same_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            me
        ));
        assert!(!is_same_origin(
            &headers(&[("origin", me), ("referer", "https://evil.example/x")]),
            me
        ));
        assert!(!is_same_origin(
            &headers(&[
                ("origin", me),
                ("referer", "https://portal.example.com.evil.example/")
            ]),
            me
        ));
    }
}
