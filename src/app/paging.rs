//! Paging through PostGrid's lists: the page a query string asks for, and links to others.

use crate::postgrid::Page;

use super::request::query_param;

/// Rows per page unless the query string asks for another number.
pub const PAGE_SIZE: u32 = 20;

/// `search`, `skip` and `limit` from the query string; bad numbers fall back to the defaults.
pub fn page_from_query() -> Page {
    let number = |name| query_param(name).and_then(|v| v.trim().parse::<u32>().ok());
    Page::new(
        number("limit").unwrap_or(PAGE_SIZE),
        number("skip").unwrap_or(0),
        query_param("search"),
    )
}

/// A link to `path` with this page's search and another `skip`.
pub fn page_link(path: &str, page: &Page, skip: u32) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if let Some(search) = &page.search {
        query.append_pair("search", search);
    }
    if skip > 0 {
        query.append_pair("skip", &skip.to_string());
    }
    if page.limit != PAGE_SIZE {
        query.append_pair("limit", &page.limit.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}
