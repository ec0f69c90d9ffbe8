//! Granting or denying another admin's request for write mode (`/approvals`).

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::{at, show_again, FormFeedback};
use crate::approvals::{self, NotDecided};
use crate::audit::{Action, NewEvent, Outcome};
use crate::auth::CurrentStaff;
use crate::domain::ApprovalId;
use crate::state::AppState;
use crate::web::extract::{need, Allowed};
use crate::web::request::origin_of;
use crate::web::{AppError, FormId};

pub const PAGE: &str = "/approvals";

pub async fn grant(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ApproveWrite>,
    Path(id): Path<String>,
    head: Parts,
) -> Result<Response, AppError> {
    decide(state, me, id, head, true).await
}

pub async fn deny(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::ApproveWrite>,
    Path(id): Path<String>,
    head: Parts,
) -> Result<Response, AppError> {
    decide(state, me, id, head, false).await
}

async fn decide(
    state: AppState,
    me: CurrentStaff,
    id: String,
    head: Parts,
    grant: bool,
) -> Result<Response, AppError> {
    let origin = origin_of(&head, Some(&me));
    let decided = match id.parse::<ApprovalId>() {
        Ok(id) => approvals::decide(
            &state.db,
            &state.audit,
            id,
            me.id,
            grant,
            &origin,
            state.clock.now(),
        )
        .await
        .map_err(AppError::portal("deciding the request"))?,
        Err(_) => Err(NotDecided::NoSuchRequest),
    };
    match decided {
        Ok(_) => {
            let done = if grant { "granted" } else { "denied" };
            Ok(Redirect::to(&format!("{PAGE}?done={done}")).into_response())
        }
        Err(refusal) => {
            let action = if grant {
                Action::ApprovalGranted
            } else {
                Action::ApprovalDenied
            };
            let event = NewEvent::new(action, Outcome::Denied, origin)
                .detail(serde_json::json!({"approval_id": id, "refusal": format!("{refusal:?}")}));
            let _ = state.audit.append(event).await;
            let feedback = FormFeedback::new(FormId::Approval).error("", refusal.to_string());
            Ok(show_again(state, at(head, PAGE), feedback, StatusCode::CONFLICT).await)
        }
    }
}
