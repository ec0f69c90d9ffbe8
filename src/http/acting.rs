//! Re-checks the signed-in person's impersonation on every request, before any page or form
//! handler runs, so nothing is done as a sub-organization after it should have ended.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use crate::app::render::render_error;
use crate::auth::CurrentStaff;
use crate::impersonation::{self, Checked};
use crate::state::AppState;
use crate::web::request::origin_of;
use crate::web::request::{Acting, ActingEnded};
use crate::web::AppError;

pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let (Some(session), Some(me)) = (
        req.extensions().get::<Session>().cloned(),
        req.extensions().get::<CurrentStaff>().cloned(),
    ) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let origin = origin_of(&parts, Some(&me));
    req = Request::from_parts(parts, body);
    match impersonation::check(&state, &session, &me, &origin).await {
        Ok(Checked::None) => {}
        Ok(Checked::Active(imp)) => {
            req.extensions_mut().insert(Acting(*imp));
        }
        Ok(Checked::Ended(reason)) => {
            req.extensions_mut().insert(ActingEnded(reason));
        }
        Err(err) => {
            // Fail closed: without a checked state nothing may be done as the sub-organization.
            let (head, _) = req.into_parts();
            let error = AppError::portal("checking the impersonation")(err);
            return render_error(state, head, error.report()).await;
        }
    }
    next.run(req).await
}
