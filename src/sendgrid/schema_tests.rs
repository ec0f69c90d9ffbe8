//! Every answer the SendGrid simulator gives on the endpoints the portal uses validates against
//! SendGrid's published OpenAPI description (twilio/sendgrid-oai, the copies in
//! `tests/reference/sendgrid-oai/`), and every status it answers below is one the description lists,
//! so the simulator cannot drift into our own guesses. Formats (`email`, `uuid`, `uri`) are
//! annotations in OpenAPI 3.1 and are not checked; lengths, types and required fields are.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::sim::{template_id, version_id, Simulator, ACME, DEMO_CUSTOMER, DEMO_SUBUSER};
use crate::postgrid::sim::Seed;

const KEY: &str = "SG.schema";

const SPECS: [(&str, &str); 6] = [
    (
        "subusers",
        include_str!("../../tests/reference/sendgrid-oai/tsg_subusers_v3.yaml"),
    ),
    (
        "suppressions",
        include_str!("../../tests/reference/sendgrid-oai/tsg_suppressions_v3.yaml"),
    ),
    (
        "templates",
        include_str!("../../tests/reference/sendgrid-oai/tsg_templates_v3.yaml"),
    ),
    (
        "senders",
        include_str!("../../tests/reference/sendgrid-oai/tsg_lmc_senders_v3.yaml"),
    ),
    (
        "stats",
        include_str!("../../tests/reference/sendgrid-oai/tsg_stats_v3.yaml"),
    ),
    (
        "accounts",
        include_str!("../../tests/reference/sendgrid-oai/tsg_account_provisioning_v3.yaml"),
    ),
];

/// One call: the description file and route it belongs to, and how it is made.
struct Call {
    spec: &'static str,
    method: Method,
    route: &'static str,
    path: String,
    body: Option<Value>,
    acting_for: Option<&'static str>,
}

fn call(spec: &'static str, method: Method, route: &'static str, path: &str) -> Call {
    Call {
        spec,
        method,
        route,
        path: path.to_owned(),
        body: None,
        acting_for: Some(DEMO_SUBUSER),
    }
}

impl Call {
    fn parent(mut self) -> Self {
        self.acting_for = None;
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

fn spec(name: &str) -> Value {
    let text = SPECS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .unwrap_or_default();
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("{name} parses: {e}"))
}

/// The JSON Pointer of a route's answer, escaped for a URI fragment.
fn pointer(route: &str, method: &Method, status: StatusCode) -> String {
    let route = route.replace('~', "~0").replace('/', "~1");
    format!(
        "/paths/{route}/{}/responses/{}",
        method.as_str().to_ascii_lowercase(),
        status.as_u16()
    )
}

fn validator_for(spec: &Value, pointer: &str) -> jsonschema::Validator {
    let mut root = spec.clone();
    if let Some(map) = root.as_object_mut() {
        let fragment = pointer.replace('{', "%7B").replace('}', "%7D");
        map.insert("$ref".to_owned(), Value::String(format!("#{fragment}")));
    }
    jsonschema::draft202012::options()
        .should_validate_formats(false)
        .build(&root)
        .unwrap_or_else(|e| panic!("the schema at {pointer} compiles: {e}"))
}

#[tokio::test]
async fn every_answer_the_portal_reads_is_one_sendgrid_describes() {
    let sim = Simulator::new(Some(KEY.to_owned()), Seed::Demo);
    let addr = sim
        .spawn(([127, 0, 0, 1], 0).into())
        .await
        .expect("listens");
    let base = format!("http://{addr}");
    let http = reqwest::Client::new();
    let template = template_id(ACME, 2);
    let activate = format!(
        "/v3/templates/{template}/versions/{}/activate",
        version_id(ACME, 2, 3)
    );
    let calls = [
        call(
            "subusers",
            Method::GET,
            "/v3/subusers",
            "/v3/subusers?limit=5&include_region=true",
        )
        .parent(),
        call(
            "subusers",
            Method::GET,
            "/v3/subusers",
            "/v3/subusers?username=acme",
        )
        .parent(),
        call(
            "subusers",
            Method::PATCH,
            "/v3/subusers/{subuser_name}",
            "/v3/subusers/globex.eu",
        )
        .parent()
        .body(serde_json::json!({"disabled": true})),
        call(
            "subusers",
            Method::GET,
            "/v3/subusers/{subuser_name}/stats/monthly",
            &format!("/v3/subusers/{DEMO_SUBUSER}/stats/monthly?date=2026-12-01"),
        )
        .parent(),
        call(
            "accounts",
            Method::GET,
            "/v3/partners/accounts/{accountID}/state",
            &format!("/v3/partners/accounts/{DEMO_CUSTOMER}/state"),
        )
        .parent(),
        call(
            "accounts",
            Method::GET,
            "/v3/partners/accounts/{accountID}/state",
            "/v3/partners/accounts/sg00/state",
        )
        .parent(),
        call(
            "stats",
            Method::GET,
            "/v3/stats",
            "/v3/stats?start_date=2026-10-01&aggregated_by=month",
        ),
        call(
            "suppressions",
            Method::GET,
            "/v3/suppression/bounces",
            "/v3/suppression/bounces?limit=3&email=bounced",
        ),
        call(
            "suppressions",
            Method::GET,
            "/v3/suppression/blocks",
            "/v3/suppression/blocks",
        ),
        call(
            "suppressions",
            Method::GET,
            "/v3/suppression/spam_reports",
            "/v3/suppression/spam_reports",
        ),
        call(
            "suppressions",
            Method::GET,
            "/v3/suppression/invalid_emails",
            "/v3/suppression/invalid_emails",
        ),
        call(
            "suppressions",
            Method::GET,
            "/v3/suppression/unsubscribes",
            "/v3/suppression/unsubscribes",
        ),
        call(
            "suppressions",
            Method::DELETE,
            "/v3/suppression/bounces/{email}",
            "/v3/suppression/bounces/bounced01%40acme-customers.example",
        ),
        call(
            "suppressions",
            Method::DELETE,
            "/v3/asm/suppressions/global/{email}",
            "/v3/asm/suppressions/global/gone%40acme-users.example",
        ),
        call(
            "templates",
            Method::GET,
            "/v3/templates",
            "/v3/templates?generations=dynamic&page_size=1",
        ),
        call(
            "templates",
            Method::GET,
            "/v3/templates",
            "/v3/templates?generations=dynamic",
        ),
        call(
            "templates",
            Method::GET,
            "/v3/templates/{template_id}",
            &format!("/v3/templates/{template}"),
        ),
        call(
            "templates",
            Method::POST,
            "/v3/templates/{template_id}/versions/{version_id}/activate",
            &activate,
        ),
        call("senders", Method::GET, "/v3/senders", "/v3/senders"),
    ];
    for call in calls {
        let mut request = http
            .request(call.method.clone(), format!("{base}{}", call.path))
            .bearer_auth(KEY);
        if let Some(who) = call.acting_for {
            request = request.header("on-behalf-of", who);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = request.send().await.expect("answered");
        let status = response.status();
        let bytes = response.bytes().await.expect("body");
        let what = format!("{} {} → {status}", call.method, call.path);
        let spec = spec(call.spec);
        let mut answer = pointer(call.route, &call.method, status);
        let listed = spec
            .pointer(&answer)
            .unwrap_or_else(|| panic!("{what}: the description lists no such answer"));
        // An answer kept under `components/responses` is named by a `$ref`.
        if let Some(shared) = listed["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            answer = shared.to_owned();
        }
        let schema = format!("{answer}/content/application~1json/schema");
        match spec.pointer(&schema) {
            None => assert!(bytes.is_empty(), "{what}: a body where none is described"),
            Some(_) => {
                let body: Value =
                    serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("{what}: JSON"));
                let validator = validator_for(&spec, &schema);
                let problems: Vec<String> = validator
                    .iter_errors(&body)
                    .map(|e| e.to_string())
                    .collect();
                assert!(problems.is_empty(), "{what}: {problems:?}\n{body}");
            }
        }
    }
}
