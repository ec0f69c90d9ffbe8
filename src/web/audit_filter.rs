//! The audit review's filter form, as typed in the query string: shared by the audit page and
//! the exports, so both read it the same way.

use serde::Deserialize;
use serde_json::Value;

use crate::audit::{parse_time, Action, Filter, Outcome, Provider};

/// The filter form as typed, from the query string.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct FilterQuery {
    pub actor: String,
    pub action: String,
    pub outcome: String,
    pub sub_org: String,
    /// `postgrid` or `sendgrid`.
    pub provider: String,
    pub impersonation: String,
    /// One upstream call's id.
    pub call: String,
    /// `1` to include `audit.viewed` (the review's own page views), hidden otherwise.
    pub views: String,
    /// `YYYY-MM-DDTHH:MM` (a `datetime-local` input), UTC.
    pub from: String,
    pub to: String,
    pub q: String,
}

/// `2026-11-23T10:00` (UTC) → the stored time format.
fn local_input_time(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let with_seconds = if raw.len() == 16 {
        format!("{raw}:00Z")
    } else {
        format!("{raw}Z")
    };
    parse_time(&with_seconds).or_else(|| parse_time(raw))
}

impl FilterQuery {
    pub fn from_query(query: Option<&str>) -> Self {
        serde_urlencoded::from_str(query.unwrap_or_default()).unwrap_or_default()
    }

    /// The filter, and a message for each field that could not be used.
    pub fn parse(&self) -> (Filter, Vec<(&'static str, &'static str)>) {
        let mut problems = Vec::new();
        let text = |raw: &str| Some(raw.trim().to_owned()).filter(|s| !s.is_empty());
        let action = text(&self.action).and_then(|a| {
            let parsed = Action::parse(&a);
            if parsed.is_none() {
                problems.push(("action", "Choose an action from the list."));
            }
            parsed
        });
        let outcome = text(&self.outcome).and_then(|o| {
            let parsed = Outcome::parse(&o);
            if parsed.is_none() {
                problems.push(("outcome", "Choose an outcome from the list."));
            }
            parsed
        });
        let provider = text(&self.provider).and_then(|p| {
            let parsed = Provider::parse(&p);
            if parsed.is_none() {
                problems.push(("provider", "Choose PostGrid or SendGrid."));
            }
            parsed
        });
        let mut time = |field: &'static str, raw: &str| {
            text(raw).and_then(|t| {
                let parsed = local_input_time(&t);
                if parsed.is_none() {
                    problems.push((
                        field,
                        "Enter a date and time such as 2026-11-23T09:30 (UTC).",
                    ));
                }
                parsed
            })
        };
        let since = time("from", &self.from);
        let until = time("to", &self.to);
        let filter = Filter {
            actor_email: text(&self.actor).map(|a| a.to_lowercase()),
            sub_org_id: text(&self.sub_org),
            provider,
            action,
            outcome,
            impersonation_id: text(&self.impersonation),
            call_id: text(&self.call),
            hide_views: self.views.trim() != "1" && action != Some(Action::AuditViewed),
            since,
            until,
            text: text(&self.q),
            up_to_seq: None,
        };
        (filter, problems)
    }

    /// The filters as they go into `audit.viewed` and `audit.exported` events.
    pub fn as_detail(&self) -> Value {
        let fields = [
            ("actor", &self.actor),
            ("action", &self.action),
            ("outcome", &self.outcome),
            ("sub_org", &self.sub_org),
            ("provider", &self.provider),
            ("impersonation", &self.impersonation),
            ("call", &self.call),
            ("views", &self.views),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
        ];
        Value::Object(
            fields
                .into_iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .map(|(k, v)| (k.to_owned(), Value::String(v.trim().to_owned())))
                .collect(),
        )
    }

    /// These filters with `field` set to `value` (an empty value removes it): what a link
    /// that adds a filter, or a chip that takes one away, points to.
    pub fn with(&self, field: &str, value: &str) -> Self {
        let mut query = self.clone();
        let slot = match field {
            "actor" => &mut query.actor,
            "action" => &mut query.action,
            "outcome" => &mut query.outcome,
            "sub_org" => &mut query.sub_org,
            "provider" => &mut query.provider,
            "impersonation" => &mut query.impersonation,
            "call" => &mut query.call,
            "views" => &mut query.views,
            "from" => &mut query.from,
            "to" => &mut query.to,
            "q" => &mut query.q,
            _ => return query,
        };
        *slot = value.to_owned();
        query
    }

    /// The filters in use, as (field, what a person calls it, value as typed).
    pub fn active(&self) -> Vec<(&'static str, &'static str, String)> {
        [
            ("actor", "Staff", &self.actor),
            ("action", "Action", &self.action),
            ("outcome", "Outcome", &self.outcome),
            ("sub_org", "Sub-organization", &self.sub_org),
            ("provider", "Provider", &self.provider),
            ("impersonation", "Impersonation", &self.impersonation),
            ("call", "Call", &self.call),
            ("views", "Including page views of the log", &self.views),
            ("from", "From", &self.from),
            ("to", "Until", &self.to),
            ("q", "Text", &self.q),
        ]
        .into_iter()
        .filter(|(_, _, value)| !value.trim().is_empty())
        .map(|(field, label, value)| (field, label, value.trim().to_owned()))
        .collect()
    }

    /// The review page with these filters.
    pub fn href(&self) -> String {
        let query = self.to_query();
        if query.is_empty() {
            "/audit".to_owned()
        } else {
            format!("/audit?{query}")
        }
    }

    /// The query string of these filters (for links that keep them).
    pub fn to_query(&self) -> String {
        serde_urlencoded::to_string(self.as_detail()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_bad_values_are_named() {
        let query = FilterQuery::from_query(Some(
            "actor=Ada%40Example.com&action=postgrid.request&outcome=ok&from=2026-11-23T09%3A30&q=typo&provider=sendgrid",
        ));
        let (filter, problems) = query.parse();
        assert!(problems.is_empty());
        assert_eq!(filter.actor_email.as_deref(), Some("ada@example.com"));
        assert_eq!(filter.action, Some(Action::PostgridRequest));
        assert_eq!(filter.since.as_deref(), Some("2026-11-23T09:30:00.000000Z"));
        assert_eq!(filter.text.as_deref(), Some("typo"));
        assert_eq!(filter.provider, Some(Provider::Sendgrid));
        let (_, problems) =
            FilterQuery::from_query(Some("action=made.up&to=yesterday&provider=mailchimp")).parse();
        assert_eq!(
            problems.iter().map(|p| p.0).collect::<Vec<_>>(),
            ["action", "provider", "to"]
        );
    }
}
