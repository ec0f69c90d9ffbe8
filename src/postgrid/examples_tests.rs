//! PostGrid's documented JSON examples deserialize into the models, field by field.

use super::models::*;

fn example<T: serde::de::DeserializeOwned>(json: &str) -> T {
    match serde_json::from_str(json) {
        Ok(value) => value,
        Err(err) => panic!("documented example does not parse: {err}"),
    }
}

#[test]
fn create_sub_organization_example_parses_without_keeping_api_keys() {
    let raw = include_str!("../../tests/fixtures/postgrid/create_sub_organization.json");
    let created: CreatedSubOrganization = example(raw);
    assert_eq!(
        created.sub_organization.id.as_str(),
        "sub_org_abc123def456ghi6789"
    );
    assert_eq!(created.sub_organization.limit, 500);
    assert_eq!(created.user.id, "user_abc123def456ghi6789");
    assert_eq!(created.user.email, "user@postgrid.com");
    assert!(created.user.verified_email);
    assert!(!created.user.pending_invite);
    assert_eq!(created.user.roles, vec!["role_abc123def456ghi6789"]);
    // The example carries live_/test_ keys; nothing the portal holds may contain them.
    let held = format!(
        "{created:?} {}",
        serde_json::to_string(&created).unwrap_or_default()
    );
    assert!(raw.contains("live_abcdefg"));
    assert!(
        !held.contains("live_abcdefg") && !held.contains("test_abcdefg"),
        "{held}"
    );
}

#[test]
fn list_sub_organizations_example_parses() {
    let list: List<SubOrganization> = example(include_str!(
        "../../tests/fixtures/postgrid/list_sub_organizations.json"
    ));
    assert_eq!(
        (
            list.object.as_str(),
            list.limit,
            list.skip,
            list.total_count
        ),
        ("list", 10, 0, 1)
    );
    let first = &list.data[0];
    assert_eq!(first.name, "PostGrid");
    assert_eq!(first.country_code, "CA");
    assert_eq!((first.usage, first.limit, first.spend), (0, 500, 0));
    assert_eq!(first.object, "sub_org");
    assert_eq!(first.created_at, "2020-11-12T23:23:47.974Z");
}

#[test]
fn get_sub_organization_example_parses() {
    let sub_org: SubOrganization = example(include_str!(
        "../../tests/fixtures/postgrid/get_sub_organization.json"
    ));
    assert_eq!(sub_org.id.as_str(), "sub_org_abc123def456ghi6789");
    assert_eq!(sub_org.updated_at, "2020-11-12T23:23:47.974Z");
}

#[test]
fn list_users_example_is_a_bare_array() {
    let users: Vec<User> = example(include_str!(
        "../../tests/fixtures/postgrid/list_sub_organization_users.json"
    ));
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].name, "Calvin");
    assert_eq!(users[0].organization, "org_abc123def456ghi6789");
    assert_eq!(users[0].last_login_time, None);
}

#[test]
fn contact_template_and_letter_examples_parse() {
    let contact: Contact = example(include_str!(
        "../../tests/fixtures/postgrid/get_contact.json"
    ));
    assert_eq!(contact.person.address_line1, "90 CANAL ST STE 600");
    assert_eq!(contact.person.country_code, "US");
    assert_eq!(contact.person.address_status.as_deref(), Some("verified"));
    let template: Template = example(include_str!(
        "../../tests/fixtures/postgrid/get_template.json"
    ));
    assert!(template.id.starts_with("template_"));
    assert!(!template.live);
    let letter: Letter = example(include_str!(
        "../../tests/fixtures/postgrid/get_letter.json"
    ));
    assert_eq!(letter.order.status, "ready");
    assert_eq!(letter.order.to.person.city.as_deref(), Some("BOSTON"));
    assert_eq!(
        letter.from.id.as_deref(),
        Some("contact_pxd7wnnD1xY6H6etKNvjb4")
    );
}

/// The shape public clients recorded from the real API: contacts embedded in an order carry
/// no `live`, `createdAt` or `updatedAt`, and a `country` the description does not list.
#[test]
fn a_letter_as_postgrid_really_sends_it_decodes() {
    let letter: Letter = example(include_str!(
        "../../tests/fixtures/postgrid/letter_as_recorded.json"
    ));
    assert_eq!(letter.order.to.live, None);
    assert_eq!(letter.order.to.created_at, None);
    assert_eq!(letter.order.to.person.first_name.as_deref(), Some("Jordan"));
    assert_eq!(
        letter.from.person.company_name.as_deref(),
        Some("Sample Clinic")
    );
    assert_eq!(letter.order.mailing_class.as_deref(), Some("first_class"));
    assert_eq!(letter.order.url, None, "the preview is rendered later");
    assert_eq!(letter.size.as_deref(), Some("us_letter"));
}

#[test]
fn postgrid_errors_as_worded_name_their_field_and_resource() {
    let invalid: ErrorBody = example(include_str!(
        "../../tests/fixtures/postgrid/letter_invalid_contact.json"
    ));
    assert_eq!(
        super::field_named_in(&invalid.error.message).as_deref(),
        Some("to")
    );
    let missing: ErrorBody = example(include_str!(
        "../../tests/fixtures/postgrid/contact_not_found.json"
    ));
    assert_eq!(missing.error.kind, "contact_not_found_error");
}

#[test]
fn error_body_example_parses() {
    let body: ErrorBody = example(include_str!("../../tests/fixtures/postgrid/error.json"));
    assert_eq!(body.object, "error");
    assert_eq!(body.error.kind, "validation_error");
    assert_eq!(
        super::field_named_in(&body.error.message).as_deref(),
        Some("countryCode")
    );
}
