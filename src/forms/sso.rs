//! Signing in with the company account (OpenID Connect, see `auth::sso`): leaving for the
//! identity provider, and coming back from it.
//!
//! What the flow needs when the person comes back (state, nonce, PKCE verifier) is sealed into
//! a cookie of its own, `SameSite=Lax` so the provider's redirect brings it: the session cookie
//! is `Strict` and does not come with a navigation from another site. For the same reason the
//! answer to the callback is a page that continues on the portal's own origin, so the next
//! request carries the new session; and the way to the provider is such a page too, since the
//! CSP's `form-action 'self'` stops a form's redirect to another origin.

use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use tower_sessions::cookie::{Cookie, SameSite};
use tower_sessions::Session;

use super::login::CODE_PAGE;
use super::safe_next;
use super::second_factor::secret_key;
use crate::app::render::render_showing;
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::session::{self, CurrentStaff, Passed, SessionAuth, SESSION_KEY};
use crate::auth::session_registry;
use crate::auth::sso::{Flow, Identity, Sso, FLOW_SECONDS};
use crate::auth::staff::{self, Change, Staff};
use crate::domain::text::LINE_MAX_CHARS;
use crate::domain::Email;
use crate::domain::StaffId;
use crate::impersonation;
use crate::staff_changes::{self, ChangeFailure, ChangedBy};
use crate::state::AppState;
use crate::web::extract::FormData;
use crate::web::request::{origin_of, seen_from};
use crate::web::AppError;

const FLOW_PURPOSE: &str = "sso-flow";

fn flow_cookie_name(state: &AppState) -> &'static str {
    if state.config.is_https() {
        "__Host-suborg_sso"
    } else {
        "suborg_sso"
    }
}

fn sso(state: &AppState) -> Result<&Sso, AppError> {
    state.sso.as_deref().ok_or(AppError::NotFound(
        "Single sign-on is not set up on this portal.",
    ))
}

/// The page that continues to `to` on the portal's own origin (see the module's comment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinueTo(pub String);

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    next: Option<String>,
    /// Set by step-up: the provider must authenticate the person again.
    #[serde(default)]
    again: Option<String>,
}

/// Sends the person to the identity provider.
pub async fn start(
    State(state): State<AppState>,
    session: Session,
    FormData { head, fields }: FormData<StartForm>,
) -> Result<Response, AppError> {
    let sso = sso(&state)?;
    let key = secret_key(&state)?;
    let next = safe_next(fields.next.as_deref());
    let now = state.clock.now().unix_timestamp();
    // A step-up names the session it is for (this request, same-origin, carries its cookie).
    let replaces = match fields.again {
        Some(_) => session
            .get::<SessionAuth>(SESSION_KEY)
            .await
            .ok()
            .flatten()
            .and_then(|auth| auth.handle.map(|handle| (auth.staff_id, handle))),
        None => None,
    };
    let max_age = state.session_policy.absolute.unsigned_abs();
    let (url, flow) = match sso.begin(next, replaces, max_age, now).await {
        Ok(begun) => begun,
        Err(error) => {
            tracing::warn!(error = %error, "single sign-on could not start");
            return Ok(failed(&state, &head, error.reason(), None).await);
        }
    };
    let sealed = serde_json::to_vec(&flow)
        .map(|json| key.seal_for(FLOW_PURPOSE, &json))
        .map_err(AppError::portal("keeping the sign-in flow"))?;
    let cookie = Cookie::build((flow_cookie_name(&state), sealed))
        .http_only(true)
        .secure(state.config.is_https())
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(tower_sessions::cookie::time::Duration::seconds(
            FLOW_SECONDS,
        ));
    // A page that goes on to the provider, not a redirect: the portal's CSP allows forms to
    // post to itself only (`form-action 'self'`), and browsers apply that to a form's redirect.
    let mut res = continue_to(state.clone(), head, url.to_string()).await;
    set_cookie(&mut res, &cookie.build());
    Ok(res)
}

fn set_cookie(res: &mut Response, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        res.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[derive(Deserialize, Default)]
pub struct Callback {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Where the identity provider sends the person back, with a code or an error.
pub async fn callback(
    State(state): State<AppState>,
    session: Session,
    Query(back): Query<Callback>,
    head: Parts,
) -> Result<Response, AppError> {
    let sso = sso(&state)?;
    let key = secret_key(&state)?;
    let now = state.clock.now();
    let flow: Option<Flow> = head
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == flow_cookie_name(&state))
        .and_then(|cookie| key.open_for(FLOW_PURPOSE, cookie.value()))
        .and_then(|json| serde_json::from_slice(&json).ok());
    // The state must be this browser's own flow's: anything else is another attempt (or
    // someone else's code) and signs nobody in.
    let flow = flow.filter(|flow| back.state.as_deref().is_some_and(|s| flow.state_matches(s)));
    let mut res = match (flow, back.code) {
        (None, _) => failed(&state, &head, "wrong_state", None).await,
        (Some(flow), _) if now.unix_timestamp() - flow.started_at > FLOW_SECONDS => {
            failed(&state, &head, "flow_expired", None).await
        }
        (Some(_), None) => failed(&state, &head, "provider_refused", None).await,
        (Some(_), Some(_)) if back.error.is_some() => {
            failed(&state, &head, "provider_refused", None).await
        }
        (Some(flow), Some(code)) => match sso.finish(&flow, &code).await {
            Ok(identity) => signed_in(&state, &session, &head, &flow, identity).await?,
            Err(error) => {
                tracing::info!(error = %error, "single sign-on refused");
                failed(&state, &head, error.reason(), None).await
            }
        },
    };
    // The flow is over whichever way it went: its cookie goes.
    let gone = Cookie::build((flow_cookie_name(&state), ""))
        .http_only(true)
        .secure(state.config.is_https())
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(tower_sessions::cookie::time::Duration::ZERO);
    set_cookie(&mut res, &gone.build());
    Ok(res)
}

/// Records the refusal and goes back to the sign-in page, which says so.
async fn failed(state: &AppState, head: &Parts, reason: &str, who: Option<&Staff>) -> Response {
    let known = who.map(CurrentStaff::from);
    let event = NewEvent::new(
        Action::SsoFailed,
        Outcome::Denied,
        origin_of(head, known.as_ref()),
    )
    .detail(json!({"reason": reason, "email": who.map(|w| w.email.clone())}));
    if let Err(err) = state.audit.append(event).await {
        tracing::error!(error = %err, "a refused single sign-on could not be recorded");
    }
    Redirect::to("/login?ended=sso_failed").into_response()
}

/// The staff member the provider vouched for: found by verified email, created when the role
/// claim names a role, their role kept in step with the claim (the last-admin rule holds).
async fn staff_for(
    state: &AppState,
    head: &Parts,
    identity: &Identity,
) -> Result<Result<Staff, (&'static str, Option<Staff>)>, AppError> {
    let found = staff::find_by_email(&state.db, &identity.email)
        .await
        .map_err(AppError::portal("looking up the staff member"))?;
    let origin = origin_of(head, None);
    let Some(found) = found else {
        let Some(role) = identity.role else {
            return Ok(Err(("unknown_user", None)));
        };
        let email = Email::parse(&identity.email)
            .map_err(|_| AppError::BadForm("the provider's email is not an address".into()))?;
        let name: String = identity
            .name
            .clone()
            .unwrap_or_else(|| identity.email.clone())
            .chars()
            .take(LINE_MAX_CHARS)
            .collect();
        // Never used: a password nobody knows, so password sign-in fails as for anyone.
        let unusable = hex::encode(rand::random::<[u8; 32]>());
        let hash = state
            .hasher
            .hash(SecretString::from(unusable))
            .await
            .map_err(AppError::portal("preparing the account"))?;
        let now = state.clock.now();
        let created = staff::insert_staff(&state.db, &email, &name, role, &hash, false, now)
            .await
            .map_err(AppError::portal("adding the staff member"))?;
        let event = NewEvent::new(Action::StaffCreated, Outcome::Ok, origin).detail(json!({
            "staff_id": created.id, "email": created.email, "role": role.as_str(), "via": "sso",
        }));
        state
            .audit
            .append(event)
            .await
            .map_err(AppError::portal("recording the new staff member"))?;
        return Ok(Ok(created));
    };
    if found.disabled {
        return Ok(Err(("disabled", Some(found))));
    }
    // With a role claim, the provider decides who is staff at all: someone taken out of every
    // group that names a role is out, not left with the role they had.
    if identity.role.is_none() && sso(state)?.config().role_claim.is_some() {
        return Ok(Err(("no_role_in_claim", Some(found))));
    }
    let Some(role) = identity.role.filter(|role| *role != found.role) else {
        return Ok(Ok(found));
    };
    let by = ChangedBy {
        staff_id: None,
        origin: &origin,
    };
    let detail = json!({"staff_id": found.id, "email": found.email, "role": {"from": found.role.as_str(), "to": role.as_str()}, "via": "sso"});
    match staff_changes::apply(
        &state.db,
        &state.audit,
        state.clock.now(),
        by,
        &found,
        Change::Role(role),
        (Action::StaffUpdated, detail.clone()),
    )
    .await
    {
        Ok(()) => {}
        Err(ChangeFailure::Refused(refusal)) => {
            // The provider cannot take the last admin away either: they keep their role.
            let event = NewEvent::new(Action::StaffUpdated, Outcome::Denied, origin)
                .detail(json!({"refusal": refusal.to_string(), "change": detail}));
            let _ = state.audit.append(event).await;
        }
        Err(ChangeFailure::Failed(err)) => {
            return Err(AppError::portal("updating the role from the provider")(err))
        }
    }
    let reloaded = staff::find_by_id(&state.db, found.id)
        .await
        .map_err(AppError::portal("reloading the staff member"))?;
    Ok(reloaded.ok_or(("unknown_user", None)))
}

async fn signed_in(
    state: &AppState,
    session: &Session,
    head: &Parts,
    flow: &Flow,
    identity: Identity,
) -> Result<Response, AppError> {
    let account = match staff_for(state, head, &identity).await? {
        Ok(account) => account,
        Err((reason, who)) => return Ok(failed(state, head, reason, who.as_ref()).await),
    };
    let now = state.clock.now();
    if let Some((staff_id, _)) = &flow.replaces {
        if *staff_id != account.id {
            return Ok(failed(state, head, "another_person", Some(&account)).await);
        }
    }
    // The provider's second factor counts when trusted, from when it was used: for a step-up,
    // during the step-up (a little slack for the time between the two clocks' readings).
    let flow_seconds = now.unix_timestamp() - flow.started_at;
    let factor_at = identity
        .authenticated_seconds_ago
        .filter(|ago| flow.replaces.is_none() || *ago <= flow_seconds + 30)
        .map(|ago| now.unix_timestamp() - ago);
    let trusted_mfa = identity.mfa && factor_at.is_some() && sso(state)?.config().trust_mfa;
    let me = CurrentStaff::from(&account);
    let detail = |second_factor: Option<&str>| json!({"subject": identity.subject, "amr": identity.amr, "second_factor": second_factor});
    let to = if account.mfa_enrolled && !trusted_mfa {
        // The portal's own code is still asked, as after a password.
        session::await_code(session, &account, now, flow.next.clone())
            .await
            .map_err(AppError::portal("starting the sign-in"))?;
        let event = NewEvent::new(
            Action::SsoSucceeded,
            Outcome::Ok,
            origin_of(head, Some(&me)),
        )
        .detail(detail(Some("portal_code_asked")));
        state
            .audit
            .append(event)
            .await
            .map_err(AppError::portal("recording the sign-in"))?;
        CODE_PAGE.to_owned()
    } else {
        let factor = factor_at.filter(|_| trusted_mfa).map(|at| Passed {
            at,
            by_provider: true,
        });
        session::sign_in(&state.db, session, &account, now, factor, &seen_from(head))
            .await
            .map_err(AppError::portal("starting the session"))?;
        if let Some((staff_id, handle)) = &flow.replaces {
            replace_session(state, session, *staff_id, handle).await?;
        }
        let event = NewEvent::new(
            Action::SsoSucceeded,
            Outcome::Ok,
            origin_of(head, Some(&me)),
        )
        .detail(detail(trusted_mfa.then_some("provider")));
        if let Err(err) = state.audit.append(event).await {
            let _ = session.flush().await;
            return Err(AppError::portal("recording the sign-in")(err));
        }
        flow.next.clone()
    };
    Ok(continue_to(state.clone(), head.clone(), to).await)
}

/// A step-up's new session takes the place of the one it was for: that one ends, and what it
/// was acting for goes on in this one.
async fn replace_session(
    state: &AppState,
    session: &Session,
    staff_id: StaffId,
    old_handle: &str,
) -> Result<(), AppError> {
    let now = state.clock.now();
    session_registry::end(&state.db, staff_id, old_handle, now)
        .await
        .map_err(AppError::portal("ending the session stepped up from"))?;
    let open = impersonation::find_open_for(&state.db, staff_id)
        .await
        .map_err(AppError::portal("finding the impersonation"))?;
    if let Some(imp) = open {
        session
            .insert(impersonation::SESSION_KEY, imp.id)
            .await
            .map_err(AppError::portal("keeping the impersonation"))?;
    }
    Ok(())
}

async fn continue_to(state: AppState, head: Parts, to: String) -> Response {
    render_showing(state, head, ContinueTo(to), StatusCode::OK).await
}
