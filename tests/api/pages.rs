//! What every page promises: whole HTML, no scripts.

use crate::helpers::TestApp;

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

#[tokio::test]
async fn no_page_ships_a_script() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(suborg_portal::auth::Role::Admin).await;
    for path in ["/", "/login", "/missing", "/staff", "/account/password"] {
        let html = admin
            .get(path)
            .await
            .text()
            .await
            .expect("body")
            .to_ascii_lowercase();
        assert!(html.contains("</html>"), "{path}: {html}");
        assert!(!html.contains("<script"), "{path}: {html}");
    }
}

#[tokio::test]
async fn header_shows_the_postgrid_mode_of_the_key() {
    let test = TestApp::spawn().await;
    assert!(body_of(&test, "/login").await.contains("test mode"));
    let live = TestApp::spawn_with(&[("POSTGRID_API_KEY", "live_sk_x")]).await;
    assert!(body_of(&live, "/login").await.contains("live mode"));
}
