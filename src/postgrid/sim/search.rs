//! PostGrid's `search`: a plain string matches anywhere in the resource (a quoted one as a
//! phrase); a JSON object is a structured query of field → value.

use serde_json::Value;

pub enum Search {
    Anywhere(String),
    Fields(Vec<(String, String)>),
}

impl Search {
    pub fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        // *inferred*: a value that parses as a JSON object is taken as a structured query.
        if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(raw) {
            let fields = fields
                .into_iter()
                .map(|(k, v)| (k, scalar_text(&v)))
                .collect();
            return Some(Self::Fields(fields));
        }
        let phrase = raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw);
        Some(Self::Anywhere(phrase.to_lowercase()))
    }

    pub fn matches(&self, resource: &Value) -> bool {
        match self {
            Self::Anywhere(needle) => contains_text(resource, needle),
            // *inferred*: exact, case-insensitive equality on each named field (dots descend).
            Self::Fields(fields) => fields.iter().all(|(path, wanted)| {
                lookup(resource, path).is_some_and(|v| scalar_text(v).eq_ignore_ascii_case(wanted))
            }),
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn contains_text(value: &Value, needle: &str) -> bool {
    match value {
        Value::String(s) => s.to_lowercase().contains(needle),
        Value::Array(items) => items.iter().any(|v| contains_text(v, needle)),
        Value::Object(map) => map.values().any(|v| contains_text(v, needle)),
        Value::Number(n) => n.to_string().contains(needle),
        Value::Bool(_) | Value::Null => false,
    }
}

fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_quoted_and_structured_searches() {
        let item = json!({"name": "New York Mail", "metadata": {"campaignID": "abc"}});
        let hit = |q: &str| Search::parse(q).is_some_and(|s| s.matches(&item));
        assert!(hit("york"));
        assert!(hit("\"New York\""));
        assert!(!hit("boston"));
        assert!(hit(r#"{"metadata.campaignID": "abc"}"#));
        assert!(!hit(r#"{"metadata.campaignID": "xyz"}"#));
        assert!(Search::parse("  ").is_none());
    }
}
