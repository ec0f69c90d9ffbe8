//! A request id on every request: taken from `x-request-id` when it is safe to log, generated
//! otherwise, carried by every log line of the request and echoed on the response.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::net::ClientAddr;
use crate::web::request::RequestId;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// An incoming id is kept only if it cannot forge log lines or bloat them.
fn is_acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

pub async fn middleware(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_acceptable(v))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    // Validated above or generated: always a valid header value.
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    req.headers_mut().insert(X_REQUEST_ID, value.clone());
    req.extensions_mut().insert(RequestId(id.clone()));

    let client = req
        .extensions()
        .get::<ClientAddr>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        client_ip = %client,
        method = %req.method(),
        path = %req.uri().path(),
    );
    async move {
        let started = std::time::Instant::now();
        let mut res = next.run(req).await;
        tracing::info!(
            status = res.status().as_u16(),
            duration_ms = started.elapsed().as_millis() as u64,
            "served"
        );
        res.headers_mut().insert(X_REQUEST_ID, value);
        res
    }
    .instrument(span)
    .await
}

#[cfg(test)]
mod tests {
    use super::is_acceptable;

    #[test]
    fn only_short_plain_ids_are_kept() {
        assert!(is_acceptable("abc-123_x.y"));
        assert!(!is_acceptable(""));
        assert!(!is_acceptable("has space"));
        assert!(!is_acceptable("line\nbreak"));
        assert!(!is_acceptable(&"a".repeat(65)));
    }
}
