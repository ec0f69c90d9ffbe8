//! Every answer the simulator gives for contacts, templates, letters and postcards validates
//! against PostGrid's published OpenAPI description (the copy in `tests/reference/`, the same
//! file PostGrid's Node SDK ships), so the simulator cannot drift into our own guesses.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::sim::{Seed, Simulator, BASE_PATH};

const KEY: &str = "test_sk_schema";
const ORG: &str = "sub_org_demo0064";
const SPEC: &str =
    include_str!("../../tests/reference/postgrid-print-mail-openapi-2025-05-01.yaml");

/// Error types PostGrid sends that the description's enums do not list. The public clients
/// that recorded real answers show them (Shane32/PostGrid's `contact_not_found_error`; the
/// invalid key answer of every client); such answers are held to the error envelope the
/// description gives every error (`UnprocessableError`: an object and a typed message).
const RECORDED_ERROR_TYPES: [&str; 5] = [
    "contact_not_found_error",
    "template_not_found_error",
    "letter_not_found_error",
    "postcard_not_found_error",
    "invalid_api_key_error",
];

/// One call, its route in the description, and the schema its answer is held to.
struct Call {
    method: Method,
    route: &'static str,
    path: String,
    body: Option<Value>,
    key: &'static str,
}

impl Call {
    fn new(method: Method, route: &'static str, path: impl Into<String>) -> Self {
        Self {
            method,
            route,
            path: path.into(),
            body: None,
            key: KEY,
        }
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    fn key(mut self, key: &'static str) -> Self {
        self.key = key;
        self
    }
}

/// One reference token of a JSON Pointer, escaped for a URI fragment.
fn token(raw: &str) -> String {
    raw.replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// The description with a root `$ref` to the schema of one answer: Draft 4 ignores the
/// keywords beside a `$ref`, and `#/components/...` resolves within the same document.
fn validator_for(spec: &Value, pointer: &str) -> jsonschema::Validator {
    let mut root = spec.clone();
    if let Some(map) = root.as_object_mut() {
        map.insert("$ref".to_owned(), Value::String(pointer.to_owned()));
    }
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&root)
        .unwrap_or_else(|e| panic!("the schema at {pointer} compiles: {e}"))
}

/// Where the description keeps the schema of the answer to `call` with `status`.
fn answer_schema(spec: &Value, call: &Call, status: StatusCode, body: &Value) -> String {
    let error_type = body["error"]["type"].as_str().unwrap_or_default();
    if RECORDED_ERROR_TYPES.contains(&error_type) {
        return "#/components/schemas/UnprocessableError".to_owned();
    }
    let method = call.method.as_str().to_ascii_lowercase();
    let pointer = format!(
        "/paths/{}/{method}/responses/{}/content/application~1json/schema",
        token(call.route),
        status.as_u16()
    );
    let unescaped = pointer.replace("%7B", "{").replace("%7D", "}");
    assert!(
        spec.pointer(&unescaped).is_some(),
        "the description has no {status} answer for {method} {}: {body}",
        call.route
    );
    format!("#{pointer}")
}

async fn send(client: &reqwest::Client, base: &str, call: &Call) -> (StatusCode, Value) {
    let mut request = client
        .request(call.method.clone(), format!("{base}{}", call.path))
        .header("x-api-key", call.key)
        .header("postgrid-org", ORG);
    if let Some(body) = &call.body {
        request = request.json(body);
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let body = response.json().await.expect("a JSON answer");
    (status, body)
}

fn contact_body() -> Value {
    json!({
        "firstName": "Ann",
        "lastName": "Archer",
        "companyName": "Archer & Sons",
        "jobTitle": "Owner",
        "email": "ann@archer.example",
        "phoneNumber": "+1 555 0100",
        "addressLine1": "20-20 Bay St",
        "city": "Toronto",
        "provinceOrState": "ON",
        "postalOrZip": "M5J 2N8",
        "countryCode": "CA",
        "description": "Schema check",
        "metadata": {"campaign": "spring"}
    })
}

#[tokio::test]
async fn every_simulated_answer_validates_against_the_published_description() {
    let spec: Value = serde_norway::from_str(SPEC).expect("the description is YAML");
    let sim = Simulator::new(Some(KEY.to_owned()), Seed::Demo);
    let addr = sim
        .spawn(([127, 0, 0, 1], 0).into())
        .await
        .expect("simulator listens");
    let base = format!("http://{addr}{BASE_PATH}");
    let client = reqwest::Client::new();

    // Resources created along the way, for the calls that follow.
    let (_, contact) = send(
        &client,
        &base,
        &Call::new(Method::POST, "/contacts", "/contacts").body(contact_body()),
    )
    .await;
    let contact_id = contact["id"].as_str().expect("a contact id").to_owned();
    let (_, template) = send(
        &client,
        &base,
        &Call::new(Method::POST, "/templates", "/templates")
            .body(json!({"description": "Spare", "html": "<p>{{plan}}</p>"})),
    )
    .await;
    let template_id = template["id"].as_str().expect("a template id").to_owned();
    let letter = json!({
        "to": "contact_demo0064to",
        "from": "contact_demo0064from",
        "template": "template_demo0064welcome",
        "mergeVariables": {"plan": "Gold"},
        "mailingClass": "first_class",
        "size": "us_letter",
        "color": false,
        "doubleSided": false,
        "addressPlacement": "top_first_page",
        "description": "Schema check",
        "metadata": {"campaign": "spring"}
    });
    let (_, created) = send(
        &client,
        &base,
        &Call::new(Method::POST, "/letters", "/letters").body(letter.clone()),
    )
    .await;
    let letter_id = created["id"].as_str().expect("a letter id").to_owned();
    let (_, second) = send(
        &client,
        &base,
        &Call::new(Method::POST, "/letters", "/letters").body(letter.clone()),
    )
    .await;
    let second_id = second["id"].as_str().expect("a letter id").to_owned();

    let calls = vec![
        // Contacts.
        Call::new(Method::GET, "/contacts", "/contacts"),
        Call::new(Method::GET, "/contacts", "/contacts?limit=1&skip=1"),
        Call::new(Method::GET, "/contacts", "/contacts?search=Riley"),
        Call::new(Method::GET, "/contacts/{id}", "/contacts/contact_demo0064to"),
        Call::new(Method::GET, "/contacts/{id}", format!("/contacts/{contact_id}")),
        Call::new(Method::POST, "/contacts", "/contacts").body(contact_body()),
        Call::new(Method::POST, "/contacts", "/contacts")
            .body(json!({"firstName": "No address", "countryCode": "US"})),
        Call::new(Method::GET, "/contacts/{id}", "/contacts/contact_nothere"),
        Call::new(Method::DELETE, "/contacts/{id}", format!("/contacts/{contact_id}")),
        Call::new(Method::DELETE, "/contacts/{id}", format!("/contacts/{contact_id}")),
        Call::new(Method::GET, "/contacts", "/contacts").key("test_sk_wrong"),
        // Templates.
        Call::new(Method::GET, "/templates", "/templates"),
        Call::new(Method::GET, "/templates/{id}", "/templates/template_demo0064welcome"),
        Call::new(Method::POST, "/templates", "/templates")
            .body(json!({"description": "Another", "html": "<p>Hi</p>", "metadata": {"k": "v"}})),
        Call::new(Method::POST, "/templates/{id}", format!("/templates/{template_id}"))
            .body(json!({"description": "Edited", "html": "<p>Edited</p>"})),
        Call::new(Method::GET, "/templates/{id}", "/templates/template_nothere"),
        Call::new(Method::DELETE, "/templates/{id}", format!("/templates/{template_id}")),
        // Letters: each seeded status, a new one, refusals and both ways to cancel.
        Call::new(Method::GET, "/letters", "/letters"),
        Call::new(Method::GET, "/letters/{id}", "/letters/letter_demo0064first"),
        Call::new(Method::GET, "/letters/{id}", "/letters/letter_demo0064printing"),
        Call::new(Method::GET, "/letters/{id}", "/letters/letter_demo0064mailed"),
        Call::new(Method::GET, "/letters/{id}", format!("/letters/{letter_id}")),
        Call::new(Method::POST, "/letters", "/letters").body(letter.clone()),
        Call::new(Method::POST, "/letters", "/letters")
            .body(json!({"to": "contact_nothere", "from": "contact_demo0064from", "html": "<p>x</p>"})),
        Call::new(Method::POST, "/letters", "/letters").body(
            json!({"to": "contact_demo0064to", "from": "contact_demo0064from", "html": "<p>x</p>", "mailingClass": "pigeon"}),
        ),
        Call::new(Method::GET, "/letters/{id}", "/letters/letter_nothere"),
        Call::new(Method::DELETE, "/letters/{id}", format!("/letters/{letter_id}")),
        Call::new(Method::DELETE, "/letters/{id}", "/letters/letter_demo0064mailed"),
        // The cancellation with a note is not in the description (see POSTGRID.md): its
        // answer is the letter, as the DELETE's is.
        Call::new(
            Method::POST,
            "/letters/{id}",
            format!("/letters/{second_id}/cancellation"),
        )
        .body(json!({"note": "The customer changed their mind"})),
        Call::new(Method::GET, "/letters/{id}", format!("/letters/{second_id}")),
        // Postcards.
        Call::new(Method::GET, "/postcards", "/postcards"),
        Call::new(Method::GET, "/postcards/{id}", "/postcards/postcard_demo0064hello"),
        Call::new(Method::GET, "/postcards/{id}", "/postcards/postcard_nothere"),
    ];

    let mut statuses = Vec::new();
    for call in &calls {
        let (status, body) = send(&client, &base, call).await;
        // The cancellation's route is held to the DELETE's answer.
        let held_to = if call.path.ends_with("/cancellation") {
            Call::new(Method::DELETE, call.route, call.path.clone())
        } else {
            Call::new(call.method.clone(), call.route, call.path.clone())
        };
        let pointer = answer_schema(&spec, &held_to, status, &body);
        let validator = validator_for(&spec, &pointer);
        let problems: Vec<String> = validator
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            problems.is_empty(),
            "{} {} answered {status}, which breaks {pointer}:\n{}\n{body:#}",
            call.method,
            call.path,
            problems.join("\n")
        );
        statuses.push(status.as_u16());
    }
    // The calls reached every kind of answer they were written for.
    for expected in [200, 201, 400, 401, 404, 422] {
        assert!(
            statuses.contains(&expected),
            "no {expected} in {statuses:?}"
        );
    }
}

#[test]
fn the_description_refuses_a_letter_without_what_it_requires() {
    let spec: Value = serde_norway::from_str(SPEC).expect("the description is YAML");
    let letter = validator_for(&spec, "#/components/schemas/Letter");
    // The description asks more of an embedded contact than PostGrid sends (see OrderContact).
    let contact = |id: &str| {
        json!({"id": id, "object": "contact", "live": false, "addressLine1": "1 Road",
            "countryCode": "US", "addressStatus": "verified",
            "createdAt": "2026-12-01T12:00:00.000Z", "updatedAt": "2026-12-01T12:00:00.000Z"})
    };
    let seeded = json!({
        "id": "letter_abc", "object": "letter", "live": false, "status": "ready",
        "to": contact("contact_a"), "from": contact("contact_b"),
        "sendDate": "2026-12-01T12:00:00.000Z", "createdAt": "2026-12-01T12:00:00.000Z",
        "updatedAt": "2026-12-01T12:00:00.000Z", "mailingClass": "first_class", "size": "us_letter",
        "color": false, "doubleSided": false, "addressPlacement": "top_first_page", "envelope": "standard"
    });
    let problems: Vec<String> = letter.iter_errors(&seeded).map(|e| e.to_string()).collect();
    assert!(problems.is_empty(), "a whole letter is valid: {problems:?}");
    // What the simulator sent before issue 15: no mailing class, size and the rest.
    for field in [
        "mailingClass",
        "size",
        "color",
        "doubleSided",
        "addressPlacement",
        "envelope",
    ] {
        let mut partial = seeded.clone();
        partial.as_object_mut().map(|m| m.remove(field));
        assert!(!letter.is_valid(&partial), "a letter without {field}");
    }
    let mut dated = seeded.clone();
    dated["createdAt"] = json!("yesterday");
    assert!(!letter.is_valid(&dated), "formats are checked");
}
