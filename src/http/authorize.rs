//! Resolves the session to a staff member on every request and applies the access table:
//! anonymous visitors go to the sign-in page, people without the permission get a 403 page
//! and an audit event with outcome `denied`.

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;
use tower_sessions::Session;

use crate::app::render::render_error;
use crate::audit::{Action, NewEvent, Origin, Outcome};
use crate::auth::access::{self, Access};
use crate::auth::session::{self, CurrentStaff, Ended, SessionAuth, SESSION_KEY};
use crate::domain::ImpersonationId;
use crate::impersonation;
use crate::state::AppState;
use crate::web::request::{origin_of, SessionEnded};
use crate::web::AppError;

use crate::auth::session_registry::{self, TOUCH_EVERY_SECONDS};

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return fail(
            &state,
            req,
            AppError::portal("finding the session layer")("missing"),
        )
        .await;
    };
    let now = state.clock.now();
    let current = match current_staff(&state, &session, now).await {
        Ok(current) => current,
        Err(err) => return fail(&state, req, AppError::portal("resolving the session")(err)).await,
    };
    let (current, ended) = match current {
        Ok(staff) => (Some(staff), None),
        Err(None) => (None, None),
        Err(Some((ended, bound))) => {
            let origin = origin_of(&request_head(&mut req), None);
            if let Err(error) = end_session(&state, &session, ended, bound, &origin).await {
                return fail(&state, req, error).await;
            }
            (None, Some(ended))
        }
    };

    let needs = access::required(req.method(), req.uri().path());
    match (needs, &current) {
        (Access::Public, _) => {}
        (_, None) if req.method() != Method::GET => {
            return fail(&state, req, AppError::SignInFirst).await
        }
        (_, None) => return sign_in_first(&req, ended),
        (Access::SignedIn, Some(_)) => {}
        (Access::Needs(permission, _), Some(staff)) if staff.can(permission) => {}
        (Access::Needs(permission, action), Some(staff)) => {
            // A page refused is named as such; a refused change, as the change it would
            // have been (`staff.disabled`, denied).
            let action = if matches!(*req.method(), Method::GET | Method::HEAD) {
                Action::AccessDenied
            } else {
                action
            };
            let event = NewEvent::new(
                action,
                Outcome::Denied,
                origin_of(&request_head(&mut req), Some(staff)),
            )
            .detail(json!({
                "method": req.method().as_str(),
                "path": req.uri().path(),
                "permission": permission.as_str(),
            }));
            if let Err(err) = state.audit.append(event).await {
                tracing::error!(error = %err, "a refusal could not be recorded");
            }
            req.extensions_mut().insert(staff.clone());
            return fail(&state, req, AppError::Forbidden).await;
        }
    }
    if let (Some(staff), false) = (&current, needs == Access::Public) {
        if let Some(page) = access::setup_first(staff, state.config.mfa, req.uri().path()) {
            return Redirect::to(page).into_response();
        }
    }
    if let Some(staff) = current {
        req.extensions_mut().insert(staff);
    }
    if let Some(ended) = ended {
        req.extensions_mut().insert(SessionEnded(ended));
    }
    next.run(req).await
}

/// The head of `req`, for what is read from it (the audit origin); the request stays whole.
fn request_head(req: &mut Request) -> Parts {
    let (parts, body) = std::mem::take(req).into_parts();
    *req = Request::from_parts(parts.clone(), body);
    parts
}

/// Ends a session that has just ended (idle, past its limit, revoked): whatever it was doing
/// as a sub-organization ends with it, and it leaves the store so its cookie signs in nobody.
/// On failure the session stays, still bound, so the next request tries again.
async fn end_session(
    state: &AppState,
    session: &Session,
    ended: Ended,
    bound: Option<ImpersonationId>,
    origin: &Origin,
) -> Result<(), AppError> {
    if let Some(id) = bound {
        impersonation::end_bound_to_ended_session(state, id, ended.into(), origin)
            .await
            .map_err(AppError::portal("ending the ended session's impersonation"))?;
    }
    session
        .flush()
        .await
        .map_err(AppError::portal("removing the ended session"))
}

/// The signed-in person; `Err(Some((why, impersonation)))` when the session just ended (with
/// the id of the impersonation it carried), `Err(None)` when there was none.
type Resolved = Result<CurrentStaff, Option<(Ended, Option<ImpersonationId>)>>;

async fn current_staff(
    state: &AppState,
    session: &Session,
    now: time::OffsetDateTime,
) -> Result<Resolved, Box<dyn std::error::Error + Send + Sync>> {
    let Some(mut auth) = session.get::<SessionAuth>(SESSION_KEY).await? else {
        return Ok(Err(None));
    };
    match session::resolve(&state.db, &auth, state.session_policy, now).await? {
        Ok(staff) => {
            let idp_mfa = auth.idp_mfa;
            if now.unix_timestamp() - auth.last_seen_at >= TOUCH_EVERY_SECONDS {
                auth.last_seen_at = now.unix_timestamp();
                if let Some(handle) = &auth.handle {
                    session_registry::touch(&state.db, handle, now).await?;
                }
                session.insert(SESSION_KEY, auth).await?;
            }
            Ok(Ok(CurrentStaff {
                idp_mfa,
                ..CurrentStaff::from(&staff)
            }))
        }
        Err(ended) => {
            let bound = impersonation::current_id(session).await;
            Ok(Err(Some((ended, bound))))
        }
    }
}

/// The error page for `req`, from here: the handlers behind never run.
async fn fail(state: &AppState, req: Request, error: AppError) -> Response {
    let (head, _) = req.into_parts();
    render_error(state.clone(), head, error.report()).await
}

/// Sends a page request to the sign-in page, which brings the person back afterwards.
fn sign_in_first(req: &Request, ended: Option<Ended>) -> Response {
    let target = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let mut url = url::Url::parse("http://portal.invalid/login").unwrap_or_else(|_| unreachable!());
    {
        let mut query = url.query_pairs_mut();
        if target != "/" {
            query.append_pair("next", &target);
        }
        if let Some(ended) = ended {
            query.append_pair(
                "ended",
                match ended {
                    Ended::Idle => "idle",
                    Ended::Expired => "expired",
                    Ended::Revoked => "revoked",
                },
            );
        }
    }
    let location = match url.query() {
        Some(q) if !q.is_empty() => format!("/login?{q}"),
        _ => "/login".to_owned(),
    };
    Redirect::to(&location).into_response()
}
