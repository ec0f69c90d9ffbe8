//! What every page promises: whole HTML, no scripts.

use crate::helpers::{
    location, TestApp, ORG, ORG_CONTACT, ORG_LETTER, ORG_POSTCARD, ORG_TEMPLATE, SUBUSER,
};

async fn body_of(app: &TestApp, path: &str) -> String {
    app.get(path).await.text().await.expect("body")
}

#[tokio::test]
async fn login_page_has_labelled_fields_and_no_script() {
    let app = TestApp::spawn().await;
    let html = body_of(&app, "/login").await;
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.trim_end().ends_with("</html>"),
        "content after </html>: {html}"
    );
    assert!(!html.to_ascii_lowercase().contains("<script"), "{html}");
    assert!(
        html.contains(r#"<label for="email">Email</label>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<label for="password">Password</label>"#),
        "{html}"
    );
    assert!(
        html.contains(r#"name="password" type="password""#),
        "{html}"
    );
    assert!(html.contains(r#"method="post""#), "{html}");
}

/// A path that shows the page of `route`, one of the router's page routes.
fn page_path(route: &str, impersonation: &str) -> String {
    match route {
        "/sub-orgs/{id}" => format!("/sub-orgs/{ORG}"),
        "/sub-orgs/{id}/users" => format!("/sub-orgs/{ORG}/users"),
        "/audit/events/{seq}" => "/audit/events/1".to_owned(),
        "/audit/impersonations/{id}" => format!("/audit/impersonations/{impersonation}"),
        "/impersonation/contacts/{id}" => format!("/impersonation/contacts/{ORG_CONTACT}"),
        "/impersonation/templates/{id}" => {
            format!("/impersonation/templates/{ORG_TEMPLATE}")
        }
        "/impersonation/letters/{id}" => format!("/impersonation/letters/{ORG_LETTER}"),
        "/impersonation/contacts/{id}/delete" => {
            format!("/impersonation/contacts/{ORG_CONTACT}/delete")
        }
        "/impersonation/templates/{id}/delete" => {
            format!("/impersonation/templates/{ORG_TEMPLATE}/delete")
        }
        "/impersonation/letters/{id}/cancel" => {
            format!("/impersonation/letters/{ORG_LETTER}/cancel")
        }
        "/impersonation/postcards/{id}" => format!("/impersonation/postcards/{ORG_POSTCARD}"),
        // The first staff member (the visitors are added after).
        "/staff/{id}/disable" => "/staff/1/disable".to_owned(),
        "/staff/{id}/role" => "/staff/1/role?role=auditor".to_owned(),
        "/sendgrid/subusers/{name}" => format!("/sendgrid/subusers/{SUBUSER}"),
        "/sendgrid/subusers/{name}/status" => format!("/sendgrid/subusers/{SUBUSER}/status"),
        "/sendgrid/acting/suppressions/{kind}" => {
            "/sendgrid/acting/suppressions/bounces".to_owned()
        }
        "/sendgrid/acting/templates/{id}" => {
            "/sendgrid/acting/templates/00000001-0001-4000-a000-000000000000".to_owned()
        }
        other => {
            assert!(
                !other.contains('{'),
                "no example path for the page {other}: add one"
            );
            other.to_owned()
        }
    }
}

/// Whether the markup runs anything: a script element, an event-handler attribute or a
/// `javascript:` URL.
fn runs_script(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    if lower.contains("<script") || lower.contains("javascript:") {
        return Some("a script element or URL".to_owned());
    }
    // Attributes live inside tags, from each `<` to the next `>`; an attribute name starts
    // after a space, a `/` or the quote that ended the value before it.
    let tags = lower
        .split('<')
        .skip(1)
        .filter_map(|rest| rest.split('>').next());
    tags.flat_map(|tag| {
        tag.match_indices("on").filter_map(move |(at, _)| {
            let before = tag[..at].chars().next_back()?;
            let starts_a_name = before.is_ascii_whitespace() || "/\"'".contains(before);
            let rest = &tag[at + 2..];
            let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
            let assigned = rest[name_len..].trim_start().starts_with('=');
            (starts_a_name && name_len > 0 && assigned).then(|| format!("on{}", &rest[..name_len]))
        })
    })
    .next()
}

/// What the page walk checks of every page: whole HTML, nothing that runs, and a policy that
/// would refuse a script anyway.
fn assert_inert(what: &str, headers: &axum::http::HeaderMap, html: &str) {
    assert!(html.trim_end().ends_with("</html>"), "{what}: {html}");
    assert_eq!(runs_script(html), None, "{what}: {html}");
    let policy = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        policy.starts_with("default-src 'none';"),
        "{what}: {policy}"
    );
    assert!(!policy.contains("script-src"), "{what}: {policy}");
}

/// Every page the router lists, in both modes of an impersonation (so every form is on
/// some page) and to a visitor signed out, is whole HTML that runs nothing.
#[tokio::test]
async fn no_page_ships_a_script() {
    for running in [
        "<SCRIPT>",
        "<a href=\"javascript:x\">",
        "<p onclick='x'>",
        "<svg/onload=x>",
        "<p class=\"a\"onclick=x>",
        "<p onclick = \"x\">",
    ] {
        assert!(runs_script(running).is_some(), "{running}");
    }
    assert_eq!(
        runs_script("<p class=\"x\">Acting on behalf: one=two</p>"),
        None
    );
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(suborg_portal::auth::Role::Admin).await;
    // The page a new sub-organization lands on, with its notice.
    let created = location(&admin.create_sub_org("Page Walk Ltd").await);
    assert!(created.ends_with("?created=1"), "{created}");
    assert_eq!(admin.start_impersonation(ORG).await.status(), 303);
    const SQL: &str = "select id from impersonations";
    let impersonation: String =
        suborg_portal::on_engine!(app.state.db, |pool| sqlx::query_scalar(SQL)
            .fetch_one(pool)
            .await
            .expect("the impersonation"));
    let pages: Vec<String> = suborg_portal::http::routes()
        .into_iter()
        .filter(|(method, route)| {
            // Not pages: the stylesheet, the exports, the health checks and where the identity
            // provider sends people back (tests/api/sso.rs).
            *method == axum::http::Method::GET
                && !route.starts_with("/assets/")
                && !route.starts_with("/audit/export.")
                && !matches!(
                    route.as_str(),
                    "/healthz" | "/readyz" | "/login/sso/callback"
                )
        })
        .map(|(_, route)| page_path(&route, &impersonation))
        .chain(["/missing".to_owned(), created])
        .collect();
    assert!(pages.len() > 20, "{pages:?}");
    let mut visitors = vec![("read-only", admin)];
    let mut writer = app.signed_in(suborg_portal::auth::Role::Admin).await;
    assert_eq!(writer.start_impersonation(ORG).await.status(), 303);
    assert_eq!(writer.switch_to_write_mode().await.status(), 303);
    visitors.push(("write mode", writer));
    visitors.push(("signed out", app.browser()));
    for (who, browser) in &mut visitors {
        for path in &pages {
            let res = browser.get(path).await;
            let status = res.status();
            let headers = res.headers().clone();
            let html = res.text().await.expect("body");
            if status.is_redirection() {
                assert_eq!(*who, "signed out", "{path} redirects an admin");
                continue;
            }
            if *who != "signed out" && path != "/missing" {
                assert_eq!(status, 200, "{path} ({who})");
            }
            assert_inert(&format!("{path} ({who})"), &headers, &html);
        }
    }
    // The pages a refused form shows again.
    let (_, mut writer) = visitors.swap_remove(1);
    let template = format!("/impersonation/templates/{ORG_TEMPLATE}");
    let refused: [(&str, &[(&str, &str)]); 8] = [
        ("/impersonation/contacts/new", &[("first_name", "Riley")]),
        ("/impersonation/templates/new", &[("description", "x")]),
        (&template, &[("html", "")]),
        ("/impersonation/letters/new", &[("to", ORG_CONTACT)]),
        ("/impersonation/mode", &[("why", "short")]),
        ("/impersonation/handoff", &[("email", "nobody")]),
        ("/account/password", &[("current_password", "x")]),
        ("/staff", &[("email", "not an email")]),
    ];
    for (path, form) in refused {
        let res = writer.post(path, form).await;
        let status = res.status();
        let headers = res.headers().clone();
        let html = res.text().await.expect("body");
        assert!(status.is_client_error(), "{path}: {status}");
        assert_inert(&format!("POST {path}"), &headers, &html);
    }
}

#[tokio::test]
async fn header_shows_the_postgrid_mode_of_the_key() {
    let test = TestApp::spawn().await;
    assert!(body_of(&test, "/login").await.contains("test mode"));
    let live = TestApp::spawn_with(&[("POSTGRID_API_KEY", "live_sk_x")]).await;
    assert!(body_of(&live, "/login").await.contains("live mode"));
}
