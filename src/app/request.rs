//! What a page can know about the request it renders.

use axum::http::request::Parts;
use leptos::prelude::*;

use crate::auth::{CurrentStaff, Permission};
use crate::postgrid::ParentClient;
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::AppError;
use crate::web::FormFeedback;

/// The portal's state for a page loader whose data needs `permission`; the authorization
/// middleware has checked it already, and a loader does not run without it either.
pub fn state_for(permission: Permission) -> Result<AppState, AppError> {
    if !current_staff().is_some_and(|me| me.can(permission)) {
        return Err(AppError::Forbidden);
    }
    use_context::<AppState>()
        .ok_or_else(|| AppError::portal("finding the portal's state")("missing"))
}

/// The parent client for a page about sub-organizations, every call recorded in the audit
/// log as made by the signed-in person.
pub fn parent_client() -> Result<ParentClient, AppError> {
    let state = state_for(Permission::ViewSubOrgs)?;
    let parts =
        use_context::<Parts>().ok_or_else(|| AppError::portal("finding the request")("missing"))?;
    Ok(state.parent_client(origin_of(&parts, current_staff().as_ref())))
}

/// The SendGrid parent client for a page about subusers, every call recorded in the audit log
/// as made by the signed-in person.
pub fn sendgrid_client() -> Result<crate::sendgrid::ParentClient, AppError> {
    let state = state_for(Permission::ViewSubusers)?;
    let parts =
        use_context::<Parts>().ok_or_else(|| AppError::portal("finding the request")("missing"))?;
    Ok(state.sendgrid_client(origin_of(&parts, current_staff().as_ref()))?)
}

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

/// The one-time token of a create form: the one it was shown with again after a refusal (so
/// resubmitting it can never create a second thing), or a fresh one.
pub fn form_token(feedback: &FormFeedback) -> Option<String> {
    Some(feedback.typed("token"))
        .filter(|t| !t.is_empty())
        .or_else(|| {
            let state = use_context::<AppState>()?;
            let me = current_staff()?;
            Some(crate::form_token::issue(
                state.form_key(),
                me.id,
                state.clock.now(),
            ))
        })
}
