//! What a handler needs, declared in its signature: the signed-in person, the permission the
//! handler requires, the impersonation in force, and a form with the request head kept for
//! showing it again. The middleware has already checked each of these; the extractors make a
//! handler unable to run without them.

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::de::DeserializeOwned;

use super::error::AppError;
use super::request::{origin_of, Acting};
use crate::audit::Origin;
use crate::auth::{CurrentStaff, Permission};
use crate::impersonation::{self, InForce};
use crate::postgrid::OrgClient;
use crate::sendgrid::ActingClient;
use crate::state::AppState;

/// The signed-in staff member.
pub struct SignedIn(pub CurrentStaff);

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<CurrentStaff>()
            .cloned()
            .map(Self)
            .ok_or(AppError::SignInFirst)
    }
}

/// A permission a handler needs, as a type.
pub trait Need {
    const PERMISSION: Permission;
}

/// The permissions handlers ask for by name.
pub mod need {
    use super::{Need, Permission};

    pub struct ApproveWrite;
    pub struct CreateSubOrg;
    pub struct Impersonate;
    pub struct ManageSubusers;
    pub struct ManageStaff;
    pub struct ReviewAudit;
    pub struct VerifyAudit;

    impl Need for ApproveWrite {
        const PERMISSION: Permission = Permission::ApproveWrite;
    }
    impl Need for CreateSubOrg {
        const PERMISSION: Permission = Permission::CreateSubOrg;
    }
    impl Need for Impersonate {
        const PERMISSION: Permission = Permission::Impersonate;
    }
    impl Need for ManageSubusers {
        const PERMISSION: Permission = Permission::ManageSubusers;
    }
    impl Need for ManageStaff {
        const PERMISSION: Permission = Permission::ManageStaff;
    }
    impl Need for ReviewAudit {
        const PERMISSION: Permission = Permission::ReviewAudit;
    }
    impl Need for VerifyAudit {
        const PERMISSION: Permission = Permission::VerifyAudit;
    }
}

/// The signed-in staff member, whose role grants `N`.
pub struct Allowed<N: Need>(pub CurrentStaff, pub Granted<N>);

/// Proof that the permission was checked: only the extractor can make one.
pub struct Granted<N>(PhantomData<N>);

impl<S: Send + Sync, N: Need> FromRequestParts<S> for Allowed<N> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let SignedIn(me) = SignedIn::from_request_parts(parts, state).await?;
        if me.can(N::PERMISSION) {
            Ok(Self(me, Granted(PhantomData)))
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// The impersonation of a PostGrid sub-organization in force, re-checked on this request, who
/// holds it, and its org-scoped client (nothing is sent until the handler uses it).
pub struct ActingNow {
    pub me: CurrentStaff,
    pub imp: InForce,
    pub client: OrgClient,
}

/// Any impersonation in force, whichever provider (for what is the same for all: its mode).
pub struct ActingAny {
    pub me: CurrentStaff,
    pub imp: InForce,
}

impl<S: Send + Sync> FromRequestParts<S> for ActingAny {
    type Rejection = NotActing;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, NotActing> {
        let (me, imp) = acting_parts(parts).ok_or(POSTGRID_HOME)?;
        Ok(Self { me, imp })
    }
}

/// The same for a SendGrid subuser or customer account, with its acting client.
pub struct ActingSendgrid {
    pub me: CurrentStaff,
    pub imp: InForce,
    pub client: ActingClient,
}

/// Nothing is done as a sub-organization or sub-account without an impersonation of it: the
/// person is sent to the acting page of that provider, which says so and offers to start one.
pub struct NotActing(&'static str);

impl IntoResponse for NotActing {
    fn into_response(self) -> Response {
        Redirect::to(self.0).into_response()
    }
}

const POSTGRID_HOME: NotActing = NotActing("/impersonation");
const SENDGRID_HOME: NotActing = NotActing("/sendgrid/acting");

/// The person and the checked impersonation of this request, if both are there.
fn acting_parts(parts: &Parts) -> Option<(CurrentStaff, InForce)> {
    let me = parts.extensions.get::<CurrentStaff>().cloned()?;
    let imp = parts.extensions.get::<Acting>().map(|a| a.0.clone())?;
    Some((me, imp))
}

impl FromRequestParts<AppState> for ActingNow {
    type Rejection = NotActing;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotActing> {
        let (me, imp) = acting_parts(parts).ok_or(POSTGRID_HOME)?;
        let client = impersonation::org_client(state, &imp, origin_of(parts, Some(&me)))
            .ok_or(POSTGRID_HOME)?;
        Ok(Self { me, imp, client })
    }
}

impl FromRequestParts<AppState> for ActingSendgrid {
    type Rejection = NotActing;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, NotActing> {
        let (me, imp) = acting_parts(parts).ok_or(SENDGRID_HOME)?;
        let client = impersonation::sendgrid_client(state, &imp, origin_of(parts, Some(&me)))
            .ok_or(SENDGRID_HOME)?;
        Ok(Self { me, imp, client })
    }
}

/// A form's fields, parsed, with the request head kept for rendering the page again.
pub struct FormData<T> {
    pub head: Parts,
    pub fields: T,
}

impl<T> FormData<T> {
    /// The audit origin of this request, as made by `staff`.
    pub fn origin(&self, staff: Option<&CurrentStaff>) -> Origin {
        origin_of(&self.head, staff)
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for FormData<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let (parts, body) = req.into_parts();
        let head = parts.clone();
        let Form(fields) = Form::<T>::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|rejection| AppError::BadForm(rejection.body_text()))?;
        Ok(Self { head, fields })
    }
}
