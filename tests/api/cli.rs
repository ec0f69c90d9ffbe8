//! The binary's own checks of its configuration.

use std::process::Command;

fn serve_with(vars: &[(&str, &str)]) -> (bool, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_suborg-portal"));
    cmd.arg("serve").current_dir(dir.path()).env_clear();
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const AUDIT: (&str, &str) = ("PORTAL_AUDIT_KEY", "0123456789abcdef0123456789abcdef");
const API: (&str, &str) = ("POSTGRID_API_KEY", "test_sk_x");

#[test]
fn serve_without_required_variables_names_them() {
    let (ok, err) = serve_with(&[AUDIT]);
    assert!(!ok);
    assert!(err.contains("POSTGRID_API_KEY"), "{err}");

    let (ok, err) = serve_with(&[API]);
    assert!(!ok);
    assert!(err.contains("PORTAL_AUDIT_KEY"), "{err}");
}

#[test]
fn serve_with_malformed_values_names_them() {
    for (name, value) in [
        ("PORTAL_ADDR", "nowhere"),
        ("POSTGRID_BASE_URL", "not a url"),
        ("PORTAL_AUDIT_KEY", "short"),
    ] {
        let mut vars = vec![AUDIT, API];
        vars.retain(|(k, _)| *k != name);
        vars.push((name, value));
        let (ok, err) = serve_with(&vars);
        assert!(!ok, "{name}={value} was accepted");
        assert!(err.contains(name), "{name}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one clear line: {err}");
    }
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["demo", "serve", "migrate", "sim", "audit"] {
        let out = Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .args([sub, "--help"])
            .output()
            .expect("binary runs");
        assert!(out.status.success(), "{sub} --help");
        assert!(!out.stdout.is_empty());
    }
}

mod audit_commands {
    use std::process::{Command, Output};
    use std::sync::Arc;

    use serde_json::json;
    use suborg_portal::audit::{Action, AuditLog, NewEvent, Origin, Outcome};
    use suborg_portal::config::AuditKey;
    use suborg_portal::db::Database;

    use crate::helpers::{drop_append_only_triggers, execute, fresh_database_url, AUDIT_KEY};

    fn run(url: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", url)
            .env("PORTAL_AUDIT_KEY", AUDIT_KEY)
            .output()
            .expect("binary runs")
    }

    async fn log_with_events(url: &str, n: usize) -> Database {
        let db = Database::connect(url).await.expect("db");
        db.migrate().await.expect("migrated");
        let log = AuditLog::start(
            db.clone(),
            Arc::new(AuditKey::parse(AUDIT_KEY).expect("key")),
        );
        for i in 0..n {
            let event = NewEvent::new(Action::AuditExported, Outcome::Ok, Origin::default())
                .detail(json!({"n": i, "note": "=cmd|' /C calc'!A0"}));
            log.append(event).await.expect("appended");
        }
        db
    }

    #[tokio::test]
    async fn verify_checkpoint_and_export_from_the_command_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = fresh_database_url(dir.path()).await;
        let db = log_with_events(&url, 4).await;

        let verified = run(&url, &["audit", "verify"]);
        assert!(verified.status.success(), "{verified:?}");
        assert!(String::from_utf8_lossy(&verified.stdout).contains("intact: 4 events"));

        let checkpoint = run(&url, &["audit", "checkpoint"]);
        assert!(checkpoint.status.success());
        let cp_path = dir.path().join("checkpoint.json");
        std::fs::write(&cp_path, &checkpoint.stdout).expect("write checkpoint");
        let cp: serde_json::Value = serde_json::from_slice(&checkpoint.stdout).expect("json");
        assert_eq!(cp["seq"], 4);

        let csv = run(&url, &["audit", "export", "--format", "csv"]);
        assert!(csv.status.success());
        let text = String::from_utf8_lossy(&csv.stdout);
        assert!(
            text.starts_with("seq,id,at,action,outcome,actor_id,"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 5, "{text}");
        let jsonl = run(
            &url,
            &[
                "audit",
                "export",
                "--format",
                "jsonl",
                "--since",
                "2000-01-01T00:00:00Z",
            ],
        );
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&jsonl.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).expect("json line"))
            .collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0]["detail"]["n"], 0, "detail is an object");
        assert_eq!(lines[0]["actor_email"], serde_json::Value::Null);
        let none = run(
            &url,
            &[
                "audit",
                "export",
                "--format",
                "jsonl",
                "--until",
                "2000-01-01T00:00:00Z",
            ],
        );
        assert!(none.stdout.is_empty());
        let bad = run(
            &url,
            &["audit", "export", "--format", "csv", "--since", "last week"],
        );
        assert!(!bad.status.success());
        assert!(String::from_utf8_lossy(&bad.stderr).contains("--since"));

        drop_append_only_triggers(&db).await;
        execute(&db, "delete from audit_events where seq = 4")
            .await
            .expect("delete");
        let cp_arg = cp_path.to_string_lossy().into_owned();
        let truncated = run(&url, &["audit", "verify", "--checkpoint", &cp_arg]);
        assert!(!truncated.status.success());
        let err = String::from_utf8_lossy(&truncated.stderr);
        assert!(err.contains("seq 4") && err.contains("truncated"), "{err}");

        execute(
            &db,
            "update audit_events set reason = 'nothing to see' where seq = 2",
        )
        .await
        .expect("edit");
        let edited = run(&url, &["audit", "verify"]);
        assert!(!edited.status.success());
        let err = String::from_utf8_lossy(&edited.stderr);
        assert!(err.contains("seq 2") && err.contains("edited"), "{err}");
    }

    #[test]
    fn audit_commands_need_the_audit_key() {
        let out = Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .args(["audit", "verify"])
            .env_clear()
            .env("DATABASE_URL", "sqlite::memory:")
            .output()
            .expect("runs");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("PORTAL_AUDIT_KEY"));
    }
}
