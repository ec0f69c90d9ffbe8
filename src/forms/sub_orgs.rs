//! Creating a sub-organization (admins only), exactly once per rendered form.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{current, read_form, show_again, unavailable, FormFeedback};
use crate::auth::password::check_policy;
use crate::auth::Permission;
use crate::config::PostgridMode;
use crate::domain::text::LINE_MAX_CHARS;
use crate::domain::{CountryCode, Email};
use crate::form_token::{self, Claim};
use crate::postgrid::models::NewSubOrganization;
use crate::postgrid::PostgridError;
use crate::state::AppState;
use crate::web::request::origin_of;

pub const FORM: crate::web::FormId = crate::web::FormId::SubOrgNew;

#[derive(Deserialize, Default)]
struct CreateForm {
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

fn is_phone(raw: &str) -> bool {
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && raw.len() <= 25
        && raw
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

pub async fn create(State(state): State<AppState>, req: Request) -> Response {
    let (parts, form) = read_form::<CreateForm>(req).await;
    let Some(me) = current(&parts).filter(|me| me.can(Permission::CreateSubOrg)) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let form = form.unwrap_or_default();
    let now = state.clock.now();
    let mut feedback = FormFeedback::new(FORM)
        .value("organization_name", form.organization_name.trim())
        .value("name", form.name.trim())
        .value("email", form.email.trim())
        .value("country_code", form.country_code.trim())
        .value("phone_number", form.phone_number.trim());

    let organization_name = form.organization_name.trim();
    if organization_name.is_empty() || organization_name.chars().count() > LINE_MAX_CHARS {
        feedback = feedback.error(
            "organization_name",
            "Enter the organization's name (up to 200 characters).",
        );
    }
    if form.name.trim().is_empty() || form.name.trim().chars().count() > LINE_MAX_CHARS {
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
    if state.config.postgrid_mode == PostgridMode::Live
        && form.confirm_live.as_deref() != Some("yes")
    {
        feedback = feedback.error(
            "confirm_live",
            "Confirm that this creates a real sub-organization in live mode.",
        );
    }
    // A token from another person, an old form or nowhere: issue a fresh one with the errors.
    let token = if form_token::is_valid(state.form_key(), &form.token, me.id, now) {
        form.token.clone()
    } else {
        feedback = feedback.error(
            "",
            "This form was out of date. Check the details and submit it again.",
        );
        form_token::issue(state.form_key(), me.id, now)
    };
    feedback = feedback.value("token", &token);
    let (Ok(email), Ok(country), false) = (email, country, feedback.has_errors()) else {
        return show_again(state, parts, feedback, StatusCode::UNPROCESSABLE_ENTITY).await;
    };

    match form_token::claim(&state.db, &token, me.id, now).await {
        Ok(Claim::Mine) => {}
        Ok(Claim::Done(id)) => {
            return Redirect::to(&format!("/sub-orgs/{id}?created=1")).into_response()
        }
        Ok(Claim::Pending) => {
            return match form_token::wait_for_result(&state.db, &token).await {
                Ok(Some(id)) => Redirect::to(&format!("/sub-orgs/{id}?created=1")).into_response(),
                _ => {
                    let feedback = feedback.error(
                        "",
                        "This form is already being submitted. Check the list of sub-organizations before trying again.",
                    );
                    show_again(state, parts, feedback, StatusCode::CONFLICT).await
                }
            };
        }
        Err(err) => {
            tracing::error!(error = %err, "form token could not be claimed");
            return unavailable();
        }
    }

    let new = NewSubOrganization {
        organization_name: organization_name.to_owned(),
        name: form.name.trim().to_owned(),
        email: email.to_string(),
        password: form.password,
        country_code: country.to_string(),
        phone_number: (!phone.is_empty()).then(|| phone.to_owned()),
    };
    let client = state.parent_client(origin_of(&parts, Some(&me)));
    let created = client
        .create_sub_org(&new, &form_token::idempotency_key(&token))
        .await;
    let result = created
        .as_ref()
        .ok()
        .map(|c| c.sub_organization.id.to_string());
    if let Err(err) =
        form_token::finish(&state.db, &token, result.as_deref(), state.clock.now()).await
    {
        tracing::error!(error = %err, "form token could not be settled");
    }
    match created {
        Ok(created) => Redirect::to(&format!(
            "/sub-orgs/{}?created=1",
            created.sub_organization.id
        ))
        .into_response(),
        Err(error) => {
            let status = match error {
                PostgridError::Validation { .. } | PostgridError::Rejected { .. } => {
                    StatusCode::UNPROCESSABLE_ENTITY
                }
                PostgridError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::BAD_GATEWAY,
            };
            let field = match &error {
                PostgridError::Validation {
                    field: Some(field), ..
                } => form_field(field),
                _ => None,
            };
            let feedback = match (field, &error) {
                (Some(field), PostgridError::Validation { message, .. }) => {
                    feedback.error(field, format!("PostGrid did not accept this: {message}"))
                }
                _ => feedback.error("", error.user_message()),
            };
            show_again(state, parts, feedback, status).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_phone;

    #[test]
    fn phone_numbers_are_plain() {
        assert!(is_phone("+1 555 010 0199"));
        assert!(is_phone("(020) 7946-0958"));
        assert!(!is_phone("555"));
        assert!(!is_phone("call me maybe"));
    }
}
