//! Creating a sub-organization (admins only), exactly once per rendered form.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::once::{after_refusal, keep_or_renew, submit_once, Created, Submitted};
use super::{show_again, FormFeedback};
use crate::auth::password::check_policy;
use crate::config::PostgridMode;
use crate::domain::text::{is_phone, LINE_MAX_CHARS};
use crate::domain::{CountryCode, Email};
use crate::postgrid::models::{CreatedSubOrganization, NewSubOrganization};
use crate::postgrid::PostgridError;
use crate::state::AppState;
use crate::web::extract::{need, Allowed, FormData};
use crate::web::request::origin_of;
use crate::web::{AppError, FormId};

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    organization_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    country_code: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    confirm_live: Option<String>,
}

/// PostGrid's field names → the form's.
fn form_field(postgrid_field: &str) -> Option<&'static str> {
    Some(match postgrid_field {
        "organizationName" => "organization_name",
        "name" => "name",
        "email" => "email",
        "password" => "password",
        "countryCode" => "country_code",
        "phoneNumber" => "phone_number",
        _ => return None,
    })
}

impl CreateForm {
    /// What was typed, to show again (never the password).
    fn typed(&self) -> FormFeedback {
        FormFeedback::new(FormId::SubOrgNew)
            .value("organization_name", self.organization_name.trim())
            .value("name", self.name.trim())
            .value("email", self.email.trim())
            .value("country_code", self.country_code.trim())
            .value("phone_number", self.phone_number.trim())
    }
}

/// Each field checked in one place; the error is what was typed with a problem per field.
impl TryFrom<&CreateForm> for NewSubOrganization {
    type Error = FormFeedback;

    fn try_from(form: &CreateForm) -> Result<Self, FormFeedback> {
        let mut feedback = form.typed();
        let organization_name = form.organization_name.trim();
        if organization_name.is_empty() || organization_name.chars().count() > LINE_MAX_CHARS {
            feedback = feedback.error(
                "organization_name",
                "Enter the organization's name (up to 200 characters).",
            );
        }
        let name = form.name.trim();
        if name.is_empty() || name.chars().count() > LINE_MAX_CHARS {
            feedback = feedback.error(
                "name",
                "Enter the name of the first user (up to 200 characters).",
            );
        }
        let email = Email::parse(&form.email);
        if email.is_err() {
            feedback = feedback.error(
                "email",
                "Enter the first user's email, such as name@example.com.",
            );
        }
        if let Err(weak) = check_policy(&form.password) {
            feedback = feedback.error("password", format!("Choose a stronger password: {weak}."));
        }
        let country = CountryCode::parse(&form.country_code);
        if country.is_err() {
            feedback = feedback.error("country_code", "Choose the country from the list.");
        }
        let phone = form.phone_number.trim();
        if !phone.is_empty() && !is_phone(phone) {
            feedback = feedback.error(
                "phone_number",
                "Enter a phone number of 7 to 15 digits, such as +1 555 010 0199, or leave it empty.",
            );
        }
        match (email, country, feedback.has_errors()) {
            (Ok(email), Ok(country), false) => Ok(Self {
                organization_name: organization_name.to_owned(),
                name: name.to_owned(),
                email: email.to_string(),
                password: form.password.clone(),
                country_code: country.to_string(),
                phone_number: (!phone.is_empty()).then(|| phone.to_owned()),
            }),
            _ => Err(feedback),
        }
    }
}

pub async fn create(
    State(state): State<AppState>,
    Allowed(me, _): Allowed<need::CreateSubOrg>,
    FormData { head, fields: form }: FormData<CreateForm>,
) -> Result<Response, AppError> {
    let new = NewSubOrganization::try_from(&form);
    let mut feedback = match &new {
        Ok(_) => form.typed(),
        Err(problems) => problems.clone(),
    };
    if state.config.postgrid_mode == PostgridMode::Live
        && form.confirm_live.as_deref() != Some("yes")
    {
        feedback = feedback.error(
            "confirm_live",
            "Confirm that this creates a real sub-organization in live mode.",
        );
    }
    let feedback = keep_or_renew(&state, me.id, &form.token, feedback);
    let (Ok(new), false) = (new, feedback.has_errors()) else {
        return Ok(show_again(state, head, feedback, StatusCode::UNPROCESSABLE_ENTITY).await);
    };
    let client = state.parent_client(origin_of(&head, Some(&me)));
    let submitted = submit_once(&state, &form.token, me.id, created_id, |key| async move {
        client.create_sub_org(&new, &key).await
    })
    .await?;
    let problem = match submitted {
        Submitted::Sent(Ok(created)) => return Ok(created_page(created_id(&created))),
        Submitted::Earlier(Created::Id(id)) => return Ok(created_page(&id)),
        Submitted::Sent(Err(error)) => {
            let feedback = after_refusal(&state, me.id, feedback, &error);
            refused_by_postgrid(feedback, error)
        }
        Submitted::Earlier(Created::Unconfirmed) => (
            feedback.error("", PostgridError::UnreadableSuccess { status: 201 }.user_message()),
            StatusCode::CONFLICT,
        ),
        Submitted::Busy => (
            feedback.error(
                "",
                "This form is already being submitted. Check the list of sub-organizations before trying again.",
            ),
            StatusCode::CONFLICT,
        ),
    };
    let (feedback, status) = problem;
    Ok(show_again(state, head, feedback, status).await)
}

fn created_id(created: &CreatedSubOrganization) -> &str {
    created.sub_organization.id.as_str()
}

fn created_page(id: &str) -> Response {
    Redirect::to(&format!("/sub-orgs/{id}?created=1")).into_response()
}

/// PostGrid's refusal beside the field it names, or above the form.
fn refused_by_postgrid(feedback: FormFeedback, error: PostgridError) -> (FormFeedback, StatusCode) {
    let error = AppError::from(error);
    error.log();
    let status = error.status();
    let AppError::Upstream(error) = error else {
        return (feedback, status);
    };
    let feedback = match &error {
        PostgridError::Validation {
            field: Some(field),
            message,
        } => match form_field(field) {
            Some(field) => {
                feedback.error(field, format!("PostGrid did not accept this: {message}"))
            }
            None => feedback.error("", error.user_message()),
        },
        _ => feedback.error("", error.user_message()),
    };
    (feedback, status)
}
