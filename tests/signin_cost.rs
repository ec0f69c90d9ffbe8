//! A failed sign-in does the same database work whether the email is unknown, belongs to a
//! disabled account or to an active one, so its timing cannot tell which emails have accounts
//! (measured too, side by side, by `cargo bench --bench signin`).
//! The statements are read from sqlx's own `sqlx::query` trace events; a test binary of its
//! own, so no other test's queries mix in.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

use std::sync::Mutex;

use suborg_portal::auth::{staff, Role};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

use helpers::TestApp;

static STATEMENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Keeps the SQL of every statement sqlx runs.
struct Statements;

/// One statement as sqlx reports it: its text, or its summary when the text is that short.
#[derive(Default)]
struct Sql {
    summary: String,
    statement: String,
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Visit for Sql {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = one_line(value),
            "db.statement" => self.statement = one_line(value),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut sql = Sql::default();
        event.record(&mut sql);
        let text = if sql.statement.is_empty() {
            sql.summary
        } else {
            sql.statement
        };
        if let Ok(mut all) = STATEMENTS.lock() {
            all.push(text);
        }
    }
}

/// The statements run since the last call, sorted. The pool's set-up of a connection it opens
/// on the way (its PRAGMAs) is no part of a sign-in's work: it happens whenever the pool grows.
fn taken() -> Vec<String> {
    let mut all = std::mem::take(&mut *STATEMENTS.lock().expect("lock"));
    all.retain(|sql| !sql.starts_with("PRAGMA "));
    all.sort();
    all
}

async fn fail_sign_in(app: &TestApp, email: &str) -> Vec<String> {
    taken();
    let mut browser = app.browser();
    let res = browser.sign_in(email, "not the password at all").await;
    assert_eq!(res.status(), 401, "{email}");
    app.state.audit.flush().await.expect("flushed");
    taken()
}

#[tokio::test]
async fn a_failed_sign_in_does_the_same_work_for_unknown_disabled_and_known_emails() {
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Statements))
        .expect("the only subscriber in this process");
    let app = TestApp::spawn().await;
    let (known, _) = app.add_staff(Role::Viewer).await;
    let (disabled, _) = app.add_staff(Role::Viewer).await;
    let id = staff::find_by_email(&app.state.db, &disabled)
        .await
        .expect("db")
        .expect("staff")
        .id;
    staff::update_staff(
        &app.state.db,
        id,
        staff::Change::Disable,
        app.state.clock.now(),
    )
    .await
    .expect("disabled");
    let unknown = "nobody.here@staff.example";
    // Once each first, so start-up work (migrations, the first sweep) is behind us.
    for email in [unknown, disabled.as_str(), known.as_str()] {
        fail_sign_in(&app, email).await;
    }
    let for_unknown = fail_sign_in(&app, unknown).await;
    let for_disabled = fail_sign_in(&app, &disabled).await;
    let for_known = fail_sign_in(&app, &known).await;
    // Every write is unconditional (an insert, an upsert), so the same statements are the same
    // work: nothing runs, or changes rows, only when the email has an account.
    assert!(
        for_unknown
            .iter()
            .any(|sql| sql.starts_with("insert into signin_lockouts")),
        "the lockout is counted for an unknown email too: {for_unknown:#?}"
    );
    assert_eq!(for_unknown, for_known, "unknown and known emails");
    assert_eq!(for_disabled, for_known, "disabled and known emails");
}
