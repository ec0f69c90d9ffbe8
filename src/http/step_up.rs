//! Step-up (issue #17): a risky POST ([`access::needs_step_up`]) by someone with a second
//! factor needs a code passed within `PORTAL_STEP_UP_MINUTES`. Without one, the form is not
//! handled: a page asks for the code and posts the form again with everything typed kept
//! (passwords typed again), and the handler runs once the code passes.

use crate::web::request::own_account;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;
use time::Duration;
use tower_sessions::Session;

use crate::app::render::{render_error, render_showing};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::access;
use crate::auth::session::{self, SessionAuth, SESSION_KEY};
use crate::auth::CurrentStaff;
use crate::domain::text::BODY_MAX_BYTES;
use crate::forms::second_factor::{self, Verdict};
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::step_up::{StepUpAsked, CODE_FIELD};
use crate::web::AppError;

pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST || !access::may_need_step_up(req.uri().path()) {
        return next.run(req).await;
    }
    let (Some(session), Some(me)) = (
        req.extensions().get::<Session>().cloned(),
        req.extensions().get::<CurrentStaff>().cloned(),
    ) else {
        return next.run(req).await;
    };
    // Nothing to ask someone without a second factor (their policy made them enrol if needed).
    if !me.mfa_enrolled && !me.idp_mfa {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_MAX_BYTES).await else {
        let error = AppError::BadForm("the form could not be read".to_owned());
        return render_error(state, parts, error.report()).await;
    };
    let mut fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let code = fields
        .iter()
        .position(|(name, _)| name == CODE_FIELD)
        .map(|at| fields.remove(at).1);
    let path = parts.uri.path().to_owned();
    if !access::needs_step_up(&path, &fields) {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    let now = state.clock.now();
    let auth = match session.get::<SessionAuth>(SESSION_KEY).await {
        Ok(Some(auth)) => auth,
        Ok(None) => {
            return next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(err) => {
            let error = AppError::portal("reading the session")(err);
            return render_error(state, parts, error.report()).await;
        }
    };
    let window = Duration::minutes(i64::from(state.config.step_up_minutes));
    if auth.factor_fresh(now, window) {
        let body = serde_urlencoded::to_string(&fields).unwrap_or_default();
        return next.run(Request::from_parts(parts, Body::from(body))).await;
    }
    if !me.mfa_enrolled {
        return again_at_provider(state, parts).await;
    }
    let Some(code) = code else {
        return ask(state, parts, fields, None, StatusCode::OK).await;
    };
    match passed(&state, &session, &parts, &me, auth, &code).await {
        Ok(None) => {
            let body = serde_urlencoded::to_string(&fields).unwrap_or_default();
            next.run(Request::from_parts(parts, Body::from(body))).await
        }
        Ok(Some((problem, status))) => ask(state, parts, fields, Some(problem), status).await,
        Err(error) => render_error(state, parts, error.report()).await,
    }
}

/// Checks the step-up code; `None` when it passed (the session now has a fresh factor, under
/// a new id), else the problem to show with the status.
async fn passed(
    state: &AppState,
    session: &Session,
    head: &Parts,
    me: &CurrentStaff,
    auth: SessionAuth,
    code: &str,
) -> Result<Option<(String, StatusCode)>, AppError> {
    let account = own_account(state, me).await?;
    let checked = match second_factor::check(state, head, &account, code, "step_up").await? {
        Verdict::Passed(checked) => checked,
        Verdict::Refused(problem, status) => return Ok(Some((problem, status))),
    };
    session::factor_passed(session, auth, state.clock.now())
        .await
        .map_err(AppError::portal("renewing the session"))?;
    let event = NewEvent::new(Action::StepUp, Outcome::Ok, origin_of(head, Some(me)))
        .detail(json!({"path": head.uri.path(), "second_factor": checked.as_str()}));
    state
        .audit
        .append(event)
        .await
        .map_err(AppError::portal("recording the step-up"))?;
    Ok(None)
}

/// Asks someone whose second factor is the identity provider's to sign in there again, back
/// to the page the form was on.
async fn again_at_provider(state: AppState, head: Parts) -> Response {
    let origin = state.config.public_origin();
    let back = head
        .headers
        .get(axum::http::header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|referer| referer.strip_prefix(&origin))
        .map(|path| crate::web::paths::safe_next(Some(path)))
        .unwrap_or_else(|| "/".to_owned());
    let mut asked = StepUpAsked::new(head.uri.path().to_owned(), Vec::new(), None);
    asked.again_at_provider = Some(back);
    render_showing(state, head, asked, StatusCode::OK).await
}

/// Shows the page that asks for the code, with the form kept.
async fn ask(
    state: AppState,
    head: Parts,
    fields: Vec<(String, String)>,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let asked = StepUpAsked::new(head.uri.path().to_owned(), fields, problem);
    render_showing(state, head, asked, status).await
}
