//! Health, security headers, request ids and file serving.

use crate::helpers::TestApp;

#[tokio::test]
async fn healthz_answers_ok() {
    let app = TestApp::spawn().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn readyz_reports_a_migrated_database_as_ready() {
    let app = TestApp::spawn().await;
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.expect("body"), "ready");
}

fn assert_security_headers(res: &reqwest::Response) {
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let csp = header("content-security-policy");
    assert!(csp.contains("default-src 'none'"), "csp: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "csp: {csp}");
    assert!(!csp.contains("script-src"), "csp allows scripts: {csp}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let app = TestApp::spawn().await;
    let res = app.get("/login").await;
    assert_eq!(res.status(), 200);
    assert_security_headers(&res);
}

#[tokio::test]
async fn unknown_paths_are_404_pages_with_security_headers() {
    let app = TestApp::spawn().await;
    let mut viewer = app.signed_in(suborg_portal::auth::Role::Viewer).await;
    let res = viewer.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert_security_headers(&res);
    let body = res.text().await.expect("body");
    assert!(body.contains("Page not found"), "{body}");
}

#[tokio::test]
async fn a_request_id_is_generated_and_echoed() {
    let app = TestApp::spawn().await;
    let generated = app.get("/healthz").await;
    let id = generated
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("generated id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");

    let echoed = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .expect("sent");
    assert_eq!(echoed.headers()["x-request-id"], "trace-abc-123");

    let forged = app
        .client
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await
        .expect("sent");
    assert_ne!(forged.headers()["x-request-id"], "bad id with spaces");
}

#[tokio::test]
async fn only_bundled_assets_are_served_as_files() {
    let app = TestApp::spawn().await;
    let css = app.get("/assets/portal.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/css"));
    let mut admin = app.signed_in(suborg_portal::auth::Role::Admin).await;
    for path in [
        "/data/portal.db",
        "/portal.db",
        "/Cargo.toml",
        "/src/main.rs",
        "/assets/../Cargo.toml",
        "/assets/%2e%2e%2fCargo.toml",
        "/style/portal.css",
    ] {
        let res = admin.get(path).await;
        assert_eq!(res.status(), 404, "{path} must not be served");
        let anonymous = app.get(path).await;
        assert!(
            matches!(anonymous.status().as_u16(), 303 | 404),
            "{path}: {}",
            anonymous.status()
        );
    }
}
