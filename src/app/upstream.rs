//! PostGrid from a page: the audited parent client for the person rendering it, and how its
//! data is shown.

use axum::http::request::Parts;
use leptos::prelude::*;

use super::request::{current_staff, state_for};
use crate::auth::Permission;
use crate::postgrid::{Page, ParentClient};
use crate::web::request::origin_of;
use crate::web::AppError;

/// The parent client for a page about sub-organizations, every call recorded in the audit
/// log as made by the signed-in person.
pub fn parent_client() -> Result<ParentClient, AppError> {
    let state = state_for(Permission::ViewSubOrgs)?;
    let parts =
        use_context::<Parts>().ok_or_else(|| AppError::portal("finding the request")("missing"))?;
    Ok(state.parent_client(origin_of(&parts, current_staff().as_ref())))
}

pub const PAGE_SIZE: u32 = 20;

/// `search`, `skip` and `limit` from the query string; bad numbers fall back to the defaults.
pub fn page_from_query() -> Page {
    let number =
        |name| super::request::query_param(name).and_then(|v| v.trim().parse::<u32>().ok());
    Page::new(
        number("limit").unwrap_or(PAGE_SIZE),
        number("skip").unwrap_or(0),
        super::request::query_param("search"),
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

/// Cents as money: `$1,234.56`.
pub fn money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let dollars = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in dollars.chars().enumerate() {
        if i > 0 && (dollars.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{sign}${grouped}.{:02}", cents % 100)
}

/// The date part of PostGrid's timestamps (`2020-11-12T23:23:47.974Z` → `2020-11-12`).
pub fn date(timestamp: &str) -> String {
    timestamp.split('T').next().unwrap_or(timestamp).to_owned()
}

/// "268 of 500 (54%)"
pub fn usage(usage: i64, limit: i64) -> String {
    if limit > 0 {
        format!("{usage} of {limit} ({}%)", usage * 100 / limit)
    } else {
        format!("{usage} (no limit set)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_dates_and_usage_read_plainly() {
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(23316), "$233.16");
        assert_eq!(money(123456789), "$1,234,567.89");
        assert_eq!(date("2020-11-12T23:23:47.974Z"), "2020-11-12");
        assert_eq!(usage(268, 500), "268 of 500 (53%)");
    }
}
