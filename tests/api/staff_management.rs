//! Staff management people can trust (issue #17): confirmations that say what follows,
//! enabling, unlocking, "(you)", a required new password, and one's own sessions.

use suborg_portal::auth::{staff, Role};

use crate::helpers::{location, TestApp};

async fn id_of(app: &TestApp, email: &str) -> i64 {
    staff::find_by_email(&app.state.db, email)
        .await
        .expect("query")
        .expect("row")
        .id
        .get()
}

#[tokio::test]
async fn disabling_says_how_many_sessions_end_and_can_be_undone() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let (lee, password) = app.add_staff(Role::Viewer).await;
    let mut one = app.browser();
    let mut two = app.browser();
    assert_eq!(one.sign_in(&lee, &password).await.status(), 303);
    assert_eq!(two.sign_in(&lee, &password).await.status(), 303);
    let id = id_of(&app, &lee).await;

    let page = admin.page(&format!("/staff/{id}/disable")).await;
    assert!(page.contains("2 sessions end now"), "{page}");
    let res = admin.post(&format!("/staff/{id}/disable"), &[]).await;
    assert_eq!(location(&res), "/staff?done=updated");
    for browser in [&mut one, &mut two] {
        assert!(location(&browser.get("/sub-orgs").await).starts_with("/login"));
    }
    let page = admin.page("/staff").await;
    assert!(
        page.contains(&format!("action=\"/staff/{id}/enable\"")),
        "Enable is offered"
    );

    let res = admin.post(&format!("/staff/{id}/enable"), &[]).await;
    assert_eq!(location(&res), "/staff?done=updated");
    assert_eq!(app.events_of("staff.enabled").await.len(), 1);
    assert_eq!(app.browser().sign_in(&lee, &password).await.status(), 303);
}

#[tokio::test]
async fn a_locked_account_shows_until_when_and_an_admin_unlocks_it() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let (lee, password) = app.add_staff(Role::Viewer).await;
    for _ in 0..5 {
        app.browser().sign_in(&lee, "not the password at all").await;
    }
    assert_eq!(
        app.browser().sign_in(&lee, &password).await.status(),
        401,
        "locked"
    );
    let page = admin.page("/staff").await;
    assert!(page.contains("Locked until"), "{page}");
    let id = id_of(&app, &lee).await;
    let res = admin.post(&format!("/staff/{id}/unlock"), &[]).await;
    assert_eq!(location(&res), "/staff?done=unlocked");
    assert_eq!(app.events_of("staff.unlocked").await.len(), 1);
    assert_eq!(app.browser().sign_in(&lee, &password).await.status(), 303);
}

#[tokio::test]
async fn your_own_row_and_the_last_admin_offer_nothing_that_would_be_refused() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let signed_in = app.events_of("auth.login.succeeded").await;
    let me = id_of(&app, signed_in[0]["actor_email"].as_str().expect("email")).await;
    let page = admin.page("/staff").await;
    assert!(page.contains(" (you)"));
    assert!(
        !page.contains(&format!("href=\"/staff/{me}/disable\"")),
        "no Disable on your row"
    );
    assert!(
        !page.contains(&format!("action=\"/staff/{me}/role\"")),
        "no role change on your row"
    );
    // Refusals are said on the staff pages, never as a missing page.
    let res = admin.post("/staff/not-a-number/disable", &[]).await;
    assert_eq!(res.status(), 409);
    assert!(res
        .text()
        .await
        .expect("page")
        .contains("There is no such staff member."));
    let page = admin.page(&format!("/staff/{me}/disable")).await;
    assert!(page.contains("You cannot disable or demote yourself"));
}

#[tokio::test]
async fn an_admin_can_require_a_new_password_at_next_sign_in() {
    let app = TestApp::spawn().await;
    let mut admin = app.signed_in(Role::Admin).await;
    let (lee, _) = app.add_staff(Role::Viewer).await;
    let id = id_of(&app, &lee).await;
    let temporary = "temporary-password-for-lee";
    let res = admin
        .post(
            &format!("/staff/{id}/password"),
            &[("password", temporary), ("must_change", "on")],
        )
        .await;
    assert_eq!(location(&res), "/staff?done=updated");
    let mut browser = app.browser();
    assert_eq!(browser.sign_in(&lee, temporary).await.status(), 303);
    assert_eq!(
        location(&browser.get("/sub-orgs").await),
        "/account/password?required=1"
    );
    let page = browser.page("/account/password?required=1").await;
    assert!(page.contains("An admin asked you to choose a new password"));
    let chosen = "lee-chose-this-password";
    let res = browser
        .post(
            "/account/password",
            &[
                ("current_password", temporary),
                ("new_password", chosen),
                ("confirm_password", chosen),
            ],
        )
        .await;
    assert_eq!(location(&res), "/account/password?done=changed");
    assert_eq!(browser.get("/sub-orgs").await.status(), 200);
}

#[tokio::test]
async fn people_see_and_end_their_own_sessions() {
    let app = TestApp::spawn().await;
    let (lee, password) = app.add_staff(Role::Viewer).await;
    let mut here = app.browser();
    let mut elsewhere = app.browser();
    here.sign_in(&lee, &password).await;
    elsewhere.sign_in(&lee, &password).await;
    let page = here.page("/account").await;
    assert_eq!(page.matches("/end\"").count(), 2, "{page}");
    assert!(page.contains("Sign out (this session)"));
    // The other session's form: the one not marked as this one.
    let other = page
        .split("action=\"/account/sessions/")
        .skip(1)
        .find(|rest| {
            rest.contains("End this session") && rest.find("End this session") < rest.find("</tr>")
        })
        .and_then(|rest| rest.split('/').next())
        .expect("the other session")
        .to_owned();
    let res = here
        .post(&format!("/account/sessions/{other}/end"), &[])
        .await;
    assert_eq!(location(&res), "/account?done=ended");
    assert!(location(&elsewhere.get("/sub-orgs").await).starts_with("/login"));
    assert_eq!(
        here.get("/sub-orgs").await.status(),
        200,
        "this one goes on"
    );
    assert_eq!(app.events_of("auth.session_ended").await.len(), 1);
}
