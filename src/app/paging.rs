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

/// A list's search as support staff give it: free text, or one metadata key and its value
/// (sent as PostGrid's structured search, `{"metadata.campaign": "spring"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub text: String,
    pub key: String,
    pub value: String,
}

impl Filter {
    /// From the search form (`search`, `meta_key`, `meta_value`) or a pager link, whose
    /// `search` already holds the structured query.
    pub fn from_query() -> Self {
        let text = query_param("search").unwrap_or_default().trim().to_owned();
        let key = query_param("meta_key")
            .unwrap_or_default()
            .trim()
            .to_owned();
        let value = query_param("meta_value")
            .unwrap_or_default()
            .trim()
            .to_owned();
        if key.is_empty() {
            if let Some((key, value)) = metadata_query(&text) {
                return Self {
                    text: String::new(),
                    key,
                    value,
                };
            }
        }
        Self { text, key, value }
    }

    /// What is wrong with the filter, said beside the field that has it.
    pub fn problem(&self) -> Option<(&'static str, &'static str)> {
        if self.key.is_empty() {
            return (!self.value.is_empty())
                .then_some(("meta_key", "Name the metadata key this value belongs to."));
        }
        if !crate::forms::acting::is_metadata_key(&self.key) {
            return Some((
                "meta_key",
                "A metadata key is up to 40 letters, digits, _, - or . characters.",
            ));
        }
        if !self.text.is_empty() {
            return Some((
                "search",
                "Search by text or by metadata, one at a time: clear one of them.",
            ));
        }
        None
    }

    /// The `search` PostGrid gets: the text, or the structured query.
    pub fn search(&self) -> Option<String> {
        if self.key.is_empty() {
            return Some(self.text.clone()).filter(|t| !t.is_empty());
        }
        let mut query = serde_json::Map::new();
        query.insert(
            format!("metadata.{}", self.key),
            serde_json::Value::String(self.value.clone()),
        );
        Some(serde_json::Value::Object(query).to_string())
    }

    /// The page of the list the query string asks for, with this filter's search.
    pub fn page(&self) -> Page {
        let base = page_from_query();
        Page::new(base.limit, base.skip, self.search())
    }
}

/// `{"metadata.<key>": "<value>"}` back into its key and value.
fn metadata_query(search: &str) -> Option<(String, String)> {
    let serde_json::Value::Object(map) = serde_json::from_str(search).ok()? else {
        return None;
    };
    let mut entries = map.into_iter();
    let (field, value) = entries.next()?;
    let key = field.strip_prefix("metadata.")?.to_owned();
    let value = value.as_str()?.to_owned();
    entries.next().is_none().then_some((key, value))
}
