//! The support toolkit while acting (issue 15): one write per form however often it is sent,
//! what PostGrid's answers mean for the page, the search that reaches PostGrid, and what the
//! audit log keeps of each change.

use suborg_portal::auth::Role;
use suborg_portal::postgrid::sim::Fault;

use crate::helpers::{
    location, token_in, Browser, Fields, TestApp, ORG, ORG_CONTACT, ORG_LETTER, ORG_TEMPLATE,
};

const SENDER: &str = "contact_demo0064from";

async fn body(res: reqwest::Response) -> String {
    res.text().await.expect("body")
}

/// An admin acting for the seeded sub-organization in write mode.
async fn writer(app: &TestApp) -> Browser<'_> {
    let mut admin = app.signed_in(Role::Admin).await;
    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    assert_eq!(admin.switch_to_write_mode().await.status(), 303);
    admin
}

/// Opens the form at `path` and sends it with `fields` and the form's own token.
async fn submit(admin: &mut Browser<'_>, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = token_in(&body(admin.get(path).await).await);
    let mut sent: Fields = fields.to_vec();
    sent.push(("token", &token));
    admin.post(path, &sent).await
}

/// The write requests the portal sent PostGrid, as (method, path).
async fn writes_sent(app: &TestApp) -> Vec<(String, String)> {
    app.events_of("postgrid.request")
        .await
        .iter()
        .filter(|e| e["method"] != "GET")
        .map(|e| {
            let field = |name: &str| e[name].as_str().unwrap_or_default().to_owned();
            (field("method"), field("upstream_path"))
        })
        .collect()
}

fn letter_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("to", ORG_CONTACT),
        ("from", SENDER),
        ("template", ORG_TEMPLATE),
        ("merge.plan", "Gold"),
        ("mailing_class", "first_class"),
        ("size", "us_letter"),
        ("address_placement", "top_first_page"),
        ("description", "Second welcome"),
    ]
}

#[tokio::test]
async fn each_create_form_sent_twice_writes_once_and_lands_on_what_it_made() {
    let app = TestApp::spawn().await;
    let mut admin = writer(&app).await;
    let forms: [(&str, Fields, &str); 3] = [
        (
            "/impersonation/contacts/new",
            vec![
                ("first_name", "Ann"),
                ("address_line1", "1 Road"),
                ("city", "Springfield"),
                ("country_code", "US"),
            ],
            "/contacts",
        ),
        (
            "/impersonation/templates/new",
            vec![
                ("description", "Renewal"),
                ("html", "<p>Renew {{plan}}</p>"),
            ],
            "/templates",
        ),
        ("/impersonation/letters/new", letter_fields(), "/letters"),
    ];
    for (path, fields, upstream) in forms {
        let token = token_in(&body(admin.get(path).await).await);
        let mut sent = fields.clone();
        sent.push(("token", &token));
        let first = admin.post(path, &sent).await;
        assert_eq!(first.status(), 303, "{path}");
        let created = location(&first);
        // The double click: the same form, token and all, again.
        let again = admin.post(path, &sent).await;
        assert_eq!(again.status(), 303, "{path} again");
        assert_eq!(
            location(&again).split('?').next(),
            created.split('?').next(),
            "{path}: the repeat lands on what the first made"
        );
        let landed = body(admin.get(&location(&again)).await).await;
        assert!(
            landed.contains("This form was sent already"),
            "{path}: {landed}"
        );
        let posts: Vec<_> = writes_sent(&app)
            .await
            .into_iter()
            .filter(|(method, to)| method == "POST" && to == upstream)
            .collect();
        assert_eq!(posts.len(), 1, "{path} reached PostGrid once");
        // The Idempotency-Key comes from the form's token: the same form, the same key.
        let request = app
            .events_of("postgrid.request")
            .await
            .into_iter()
            .rfind(|e| e["method"] == "POST" && e["upstream_path"] == upstream)
            .expect("the request event");
        let key = request["detail"]["idempotency_key"]
            .as_str()
            .unwrap_or_default();
        assert!(!key.is_empty() && !key.contains(&token), "{path}: {key}");
    }
}

#[tokio::test]
async fn a_letter_from_a_template_is_created_with_its_merge_variables_and_cancelled_with_a_note() {
    let app = TestApp::spawn().await;
    let mut admin = writer(&app).await;

    // The template's variables are asked for, and a missing one is named beside its field.
    let form = body(
        admin
            .get(&format!(
                "/impersonation/letters/new?template={ORG_TEMPLATE}"
            ))
            .await,
    )
    .await;
    assert!(form.contains("name=\"merge.plan\""), "{form}");
    let without: Vec<_> = letter_fields()
        .into_iter()
        .filter(|(k, _)| *k != "merge.plan")
        .collect();
    let res = submit(&mut admin, "/impersonation/letters/new", &without).await;
    assert_eq!(res.status(), 422);
    let html = body(res).await;
    assert!(html.contains("Enter the value of {{plan}}"), "{html}");
    assert!(
        html.contains("value=\"Second welcome\""),
        "what was typed stays"
    );

    // A send date in the past never reaches PostGrid.
    let mut past = letter_fields();
    past.push(("send_date", "2020-01-01"));
    let res = submit(&mut admin, "/impersonation/letters/new", &past).await;
    assert_eq!(res.status(), 422);
    assert!(body(res)
        .await
        .contains("The send date cannot be in the past."));
    assert!(writes_sent(&app).await.is_empty(), "nothing was sent");

    let res = submit(&mut admin, "/impersonation/letters/new", &letter_fields()).await;
    assert_eq!(res.status(), 303);
    let page = location(&res);
    let id = page
        .trim_start_matches("/impersonation/letters/")
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let request = &app.events_of("postgrid.request").await;
    let sent = request
        .iter()
        .rfind(|e| e["upstream_path"] == "/letters")
        .expect("the create request");
    assert_eq!(sent["detail"]["body"]["mergeVariables"]["plan"], "Gold");
    assert_eq!(sent["detail"]["body"]["template"], ORG_TEMPLATE);

    // The response event names the letter made.
    let responses = app.events_of("postgrid.response").await;
    let made = responses
        .iter()
        .rfind(|e| e["upstream_path"] == "/letters" && e["method"] == "POST")
        .expect("the create response");
    assert_eq!(made["detail"]["resource_id"], id.as_str());

    // The cancellation: a note is required, then it is what PostGrid gets.
    let cancel = format!("/impersonation/letters/{id}/cancel");
    let res = admin.post(&cancel, &[("note", "  ")]).await;
    assert_eq!(res.status(), 422);
    assert!(body(res).await.contains("Say why the letter is cancelled"));
    let note = "The customer sent the wrong plan";
    let res = admin.post(&cancel, &[("note", note)]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/impersonation/letters/{id}?cancelled=1")
    );
    let cancelled = app
        .events_of("postgrid.request")
        .await
        .into_iter()
        .rfind(|e| e["operation"] == "letters.cancel")
        .expect("the cancel request");
    assert_eq!(
        cancelled["upstream_path"],
        format!("/letters/{id}/cancellation")
    );
    assert_eq!(cancelled["detail"]["body"]["note"], note);
    let shown = body(admin.get(&format!("/impersonation/letters/{id}")).await).await;
    assert!(shown.contains(note), "the note is shown with the letter");

    // A letter already printing cannot be cancelled: its page says so and offers no form.
    let printing = body(
        admin
            .get("/impersonation/letters/letter_demo0064printing/cancel")
            .await,
    )
    .await;
    assert!(printing.contains("This letter cannot be cancelled"));
    assert!(!printing.contains("name=\"note\""));
}

#[tokio::test]
async fn an_identical_contact_is_named_as_matched_not_created() {
    let app = TestApp::spawn().await;
    let mut admin = writer(&app).await;
    // The seeded recipient, as the seed writes it.
    let fields: Fields = vec![
        ("first_name", "Riley"),
        ("last_name", "Example"),
        ("company_name", "Customer & Co"),
        ("email", "riley@demo0064.example"),
        ("address_line1", "20 Main Street"),
        ("city", "New York"),
        ("province_or_state", "NY"),
        ("postal_or_zip", "10001"),
        ("country_code", "US"),
    ];
    let res = submit(&mut admin, "/impersonation/contacts/new", &fields).await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        location(&res),
        format!("/impersonation/contacts/{ORG_CONTACT}?matched=1")
    );
    let page = body(admin.get(&location(&res)).await).await;
    assert!(
        page.contains("PostGrid matched an existing contact"),
        "{page}"
    );
}

#[tokio::test]
async fn a_create_whose_answer_cannot_be_read_says_it_was_probably_made() {
    let app = TestApp::spawn().await;
    let mut admin = writer(&app).await;
    app.sim
        .inject(Fault::on("/templates").method("POST").malformed().times(1));
    let res = submit(
        &mut admin,
        "/impersonation/templates/new",
        &[("description", "Renewal"), ("html", "<p>x</p>")],
    )
    .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/impersonation/templates?unconfirmed=1");
    let list = body(admin.get(&location(&res)).await).await;
    assert!(list.contains("so it was probably made"), "{list}");
    assert!(!list.to_lowercase().contains("try again"));
    let response = app
        .events_of("postgrid.response")
        .await
        .into_iter()
        .rfind(|e| e["upstream_path"] == "/templates" && e["method"] == "POST")
        .expect("the response event");
    assert_eq!(response["detail"]["error"], "unreadable_success");
    assert_eq!(response["detail"]["probably_made"], true);
}

#[tokio::test]
async fn a_metadata_filter_sends_postgrids_structured_search() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    admin.start_impersonation(ORG).await;
    let res = admin
        .get("/impersonation/templates?meta_key=campaign&meta_value=onboarding")
        .await;
    assert_eq!(res.status(), 200);
    let html = body(res).await;
    assert!(html.contains(ORG_TEMPLATE), "the seeded template matches");
    let request = app
        .events_of("postgrid.request")
        .await
        .into_iter()
        .rfind(|e| e["upstream_path"] == "/templates")
        .expect("the list request");
    let search: serde_json::Value = serde_json::from_str(
        request["detail"]["query"]["search"]
            .as_str()
            .expect("a search"),
    )
    .expect("structured");
    assert_eq!(
        search,
        serde_json::json!({"metadata.campaign": "onboarding"})
    );
    let none = body(
        admin
            .get("/impersonation/templates?meta_key=campaign&meta_value=nothing")
            .await,
    )
    .await;
    assert!(!none.contains(ORG_TEMPLATE));
    // A key no metadata can have is named beside its field; nothing is asked of PostGrid.
    let before = app.events_of("postgrid.request").await.len();
    let bad = body(
        admin
            .get("/impersonation/templates?meta_key=no%20spaces&meta_value=x")
            .await,
    )
    .await;
    assert!(bad.contains("A metadata key is up to 40"), "{bad}");
    let keyless = body(admin.get("/impersonation/templates?meta_value=x").await).await;
    assert!(keyless.contains("Name the metadata key"), "{keyless}");
    let after = app.events_of("postgrid.request").await;
    assert_eq!(after.len(), before, "{:#}", after[after.len() - 1]);
}

#[tokio::test]
async fn live_mode_asks_to_confirm_what_costs_money_and_what_cannot_be_undone() {
    let app = TestApp::spawn_with(&[("POSTGRID_API_KEY", "live_sk_integration")]).await;
    let mut admin = writer(&app).await;
    let res = submit(&mut admin, "/impersonation/letters/new", &letter_fields()).await;
    assert_eq!(res.status(), 422);
    let html = body(res).await;
    assert!(
        html.contains("printed and mailed for O&#x27;Brien &amp; Daughters 64")
            || html.contains("printed and mailed for O'Brien &amp; Daughters 64"),
        "{html}"
    );
    assert!(html.contains("first_class, black and white, us_letter, single-sided"));
    let cancel = format!("/impersonation/letters/{ORG_LETTER}/cancel");
    let res = admin.post(&cancel, &[("note", "Wrong address")]).await;
    assert_eq!(res.status(), 422);
    assert!(body(res).await.contains("it cannot be undone"));
    let delete = format!("/impersonation/contacts/{SENDER}/delete");
    assert_eq!(admin.post(&delete, &[]).await.status(), 422);
    assert!(
        writes_sent(&app).await.is_empty(),
        "nothing unconfirmed was sent"
    );

    // Confirmed, each goes through once.
    let mut confirmed = letter_fields();
    confirmed.push(("confirm_live", "yes"));
    let res = submit(&mut admin, "/impersonation/letters/new", &confirmed).await;
    assert_eq!(res.status(), 303);
    let res = admin
        .post(
            &cancel,
            &[("note", "Wrong address"), ("confirm_live", "yes")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = admin.post(&delete, &[("confirm_live", "yes")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/impersonation/contacts?deleted=1");
    assert_eq!(writes_sent(&app).await.len(), 3);
}

#[tokio::test]
async fn a_form_postgrid_refused_goes_again_with_a_new_idempotency_key() {
    let app = TestApp::spawn().await;
    let mut admin = writer(&app).await;
    let path = "/impersonation/letters/new";
    let token = token_in(&body(admin.get(path).await).await);
    // A recipient of another sub-organization: PostGrid refuses it.
    let mut fields = letter_fields();
    fields[0] = ("to", "contact_demo0063to");
    fields.push(("token", &token));
    let res = admin.post(path, &fields).await;
    assert_eq!(res.status(), 422);
    let html = body(res).await;
    assert!(
        html.contains("The recipient is not a contact of this sub-organization."),
        "{html}"
    );
    let renewed = token_in(&html);
    assert_ne!(renewed, token, "the corrected form is a new request");

    let mut corrected = letter_fields();
    corrected.push(("token", &renewed));
    let res = admin.post(path, &corrected).await;
    assert_eq!(res.status(), 303);
    let keys: Vec<_> = app
        .events_of("postgrid.request")
        .await
        .into_iter()
        .filter(|e| e["upstream_path"] == "/letters" && e["method"] == "POST")
        .map(|e| e["detail"]["idempotency_key"].clone())
        .collect();
    assert_eq!(keys.len(), 2);
    assert_ne!(keys[0], keys[1]);
}
