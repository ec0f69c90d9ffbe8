//! Where a form sends the browser next, kept inside the portal.

use axum::response::{IntoResponse, Redirect, Response};

/// Where the portal's one stylesheet is served.
pub const STYLESHEET_PATH: &str = "/assets/portal.css";

/// A page-relative redirect target that cannot leave the portal: a plain path starting with
/// a single `/`, with no scheme, host, backslash, whitespace or control character anywhere
/// (browsers drop tabs and newlines, so `/<TAB>/evil.example` would leave). Anything else is `/`.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/login")
                && !path
                    .chars()
                    .any(|c| c == '\\' || c.is_whitespace() || c.is_control()) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// A portal path that ends in an id from PostGrid, then `rest`: the id is percent-encoded
/// as one path segment, so whatever PostGrid sends stays on that path.
pub fn resource_path(prefix: &str, id: &str, rest: &str) -> String {
    format!("{prefix}/{}{rest}", crate::upstream::path_segment(id))
}

/// A `303 See Other` to the portal's page of a resource from PostGrid (see `resource_path`).
pub fn see_resource(prefix: &str, id: &str, query: &str) -> Response {
    Redirect::to(&resource_path(prefix, id, query)).into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_portal() {
        assert_eq!(safe_next(Some("/sub-orgs?search=a")), "/sub-orgs?search=a");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "evil",
            "/login?next=//x",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ok\u{7}",
            "/ok\r\nset-cookie: x=1",
            "/a b",
            "/\u{a0}/evil.example",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
