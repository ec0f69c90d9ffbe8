//! What a page can know about the request it renders.

use axum::http::request::Parts;
use leptos::prelude::*;

use crate::auth::CurrentStaff;
use crate::web::FormFeedback;

pub fn current_staff() -> Option<CurrentStaff> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<CurrentStaff>().cloned())
}

pub fn extension<T: Clone + Send + Sync + 'static>() -> Option<T> {
    use_context::<Parts>().and_then(|parts| parts.extensions.get::<T>().cloned())
}

/// One query-string parameter of the request, decoded.
pub fn query_param(name: &str) -> Option<String> {
    let parts = use_context::<Parts>()?;
    let query = parts.uri.query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The feedback for `form` if this render shows that form again after a POST.
pub fn feedback_for(form: crate::web::FormId) -> FormFeedback {
    use_context::<FormFeedback>()
        .filter(|feedback| feedback.form == form)
        .unwrap_or_else(|| FormFeedback::new(form))
}
