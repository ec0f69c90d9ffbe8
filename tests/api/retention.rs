//! Retention: sealed archives of the oldest events, the prune that removes exactly those, and
//! verification that goes on from the recorded boundary and still finds every kind of
//! tampering after it. Nothing but a prune gets past the append-only guard.

use std::path::Path;
use std::process::Command;

use serde_json::json;
use suborg_portal::audit::{
    verify_archive, Action, NewEvent, Origin, Outcome, Problem, RetentionError, Verdict,
};

use crate::helpers::{drop_append_only_triggers, execute, TestApp, AUDIT_KEY};

async fn with_events(n: usize) -> TestApp {
    let app = TestApp::spawn().await;
    for i in 0..n {
        let event = NewEvent::new(Action::AuditExported, Outcome::Ok, Origin::default())
            .detail(json!({ "n": i, "name": "O'Brien & \"Daughters\"" }));
        app.state.audit.append(event).await.expect("appended");
    }
    app
}

/// Archives the events through `through` to `name` in `dir`; returns the archive's path.
async fn archived(app: &TestApp, through: i64, dir: &Path, name: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    app.state
        .audit
        .archive(through, &path, "2026-12-06T00:00:00.000000Z")
        .await
        .expect("archived");
    path
}

async fn verdict(app: &TestApp) -> Verdict {
    app.state.audit.verify(None).await.expect("verified")
}

fn refusal(result: Result<impl std::fmt::Debug, RetentionError>) -> String {
    match result {
        Err(RetentionError::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn archive_then_prune_removes_exactly_the_archived_events_and_verify_goes_on() {
    let app = with_events(30).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let first = dir.path().join("first.jsonl");
    let seal = app
        .state
        .audit
        .archive(20, &first, "2026-12-06T00:00:00.000000Z")
        .await
        .expect("archived");
    assert_eq!((seal.first_seq, seal.through_seq, seal.events), (1, 20, 20));
    let lines = std::fs::read_to_string(&first).expect("archive");
    assert_eq!(lines.lines().count(), 21, "20 events and the seal");
    let key = AUDIT_KEY.as_bytes();
    let (checked, _) = verify_archive(key, &first).await.expect("read");
    assert_eq!(
        checked,
        Verdict::Intact {
            events: 20,
            head_seq: 20
        }
    );
    let again = app
        .state
        .audit
        .archive(20, &first, "2026-12-06T00:00:00.000000Z")
        .await;
    assert!(refusal(again).contains("never overwritten"));

    let pruned = app.state.audit.prune(&first).await.expect("pruned");
    assert_eq!(
        (pruned.first_seq, pruned.through_seq, pruned.recorded_at_seq),
        (1, 20, 31)
    );
    let events = app.audit_events().await;
    assert_eq!(events[0]["seq"], 21, "exactly the archived events went");
    let recorded = app.events_of("audit.pruned").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["detail"]["through_seq"], 20);
    assert_eq!(recorded[0]["detail"]["archive"]["mac"], seal.mac);
    assert_eq!(
        verdict(&app).await,
        Verdict::Intact {
            events: 11,
            head_seq: 31
        },
        "the pruned log verifies from its boundary"
    );

    // The next archive starts where the last ended; a second prune goes on from there.
    let second = dir.path().join("second.jsonl");
    let seal = app
        .state
        .audit
        .archive(26, &second, "2026-12-06T00:00:00.000000Z")
        .await
        .expect("archived");
    assert_eq!((seal.first_seq, seal.through_seq), (21, 26));
    app.state.audit.prune(&second).await.expect("pruned");
    assert!(matches!(
        verdict(&app).await,
        Verdict::Intact { head_seq: 32, .. }
    ));
    // An archive already pruned cannot be pruned again.
    assert!(refusal(app.state.audit.prune(&first).await).contains("starts at seq 1"));
}

#[tokio::test]
async fn tampering_after_the_boundary_is_still_found() {
    for (what, sql, seq, problem) in [
        (
            "an edit",
            "update audit_events set reason = 'nothing to see' where seq = 14",
            14,
            Problem::Edited,
        ),
        (
            // Reported at the event after it, as any event missing before another.
            "the first event kept deleted",
            "delete from audit_events where seq = 11",
            12,
            Problem::Missing,
        ),
        (
            "an event in the middle deleted",
            "delete from audit_events where seq = 13",
            13,
            Problem::Missing,
        ),
    ] {
        let app = with_events(15).await;
        let dir = tempfile::tempdir().expect("temporary directory");
        let archive = archived(&app, 10, dir.path(), "a.jsonl").await;
        app.state.audit.prune(&archive).await.expect("pruned");
        drop_append_only_triggers(&app.state.db).await;
        execute(&app.state.db, sql).await.expect("tampered");
        assert_eq!(
            verdict(&app).await,
            Verdict::Broken { seq, problem },
            "{what}"
        );
    }
}

#[tokio::test]
async fn only_a_prune_gets_past_the_append_only_guard() {
    let app = with_events(12).await;
    let refused = execute(&app.state.db, "delete from audit_events where seq = 1").await;
    assert!(refused.is_err(), "a plain delete is refused");
    let dir = tempfile::tempdir().expect("temporary directory");
    let archive = archived(&app, 5, dir.path(), "a.jsonl").await;
    app.state.audit.prune(&archive).await.expect("pruned");
    for sql in [
        "delete from audit_events where seq = 6",
        "update audit_events set reason = 'x' where seq = 7",
        "delete from audit_prunes",
        "update audit_prunes set through_seq = 100",
    ] {
        assert!(
            execute(&app.state.db, sql).await.is_err(),
            "{sql} is refused after a prune too"
        );
    }
    // With the database's owner rights, a made-up prune record lets rows go: the chain still
    // tells, because no audit.pruned event names that boundary.
    execute(
        &app.state.db,
        "insert into audit_prunes (through_seq, first_seq, boundary_hash, archive_mac, pruned_at) \
         values (8, 6, 'x', 'y', 'z')",
    )
    .await
    .expect("a forged prune record");
    execute(&app.state.db, "delete from audit_events where seq <= 8")
        .await
        .expect("deleted under the forged record");
    assert_eq!(
        verdict(&app).await,
        Verdict::Broken {
            seq: 9,
            problem: Problem::Missing
        }
    );
}

/// Rewrites line `n` (0-based) of the archive at `path` through `edit`.
fn edit_line(path: &Path, n: usize, edit: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).expect("archive");
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == n { edit(l) } else { l.to_owned() })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").expect("archive rewritten");
}

#[tokio::test]
async fn a_prune_is_refused_unless_the_archive_checks_out() {
    let app = with_events(10).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let key = AUDIT_KEY.as_bytes();
    let archive = |name: &str| dir.path().join(name);
    let make = |name: &'static str| {
        let path = archive(name);
        let log = app.state.audit.clone();
        async move {
            log.archive(6, &path, "2026-12-06T00:00:00.000000Z")
                .await
                .expect("archived");
            path
        }
    };

    let edited = make("edited.jsonl").await;
    edit_line(&edited, 2, |l| l.replace("Daughters", "Sons"));
    let (checked, _) = verify_archive(key, &edited).await.expect("read");
    assert_eq!(
        checked,
        Verdict::Broken {
            seq: 3,
            problem: Problem::Edited
        }
    );
    assert!(refusal(app.state.audit.prune(&edited).await).contains("does not verify"));

    let cut = make("cut.jsonl").await;
    let text = std::fs::read_to_string(&cut).expect("archive");
    let kept: Vec<&str> = text.lines().take(4).collect();
    std::fs::write(&cut, kept.join("\n") + "\n").expect("cut");
    let (checked, _) = verify_archive(key, &cut).await.expect("read");
    assert_eq!(
        checked,
        Verdict::Broken {
            seq: 5,
            problem: Problem::Truncated { last_seq: 4 }
        }
    );

    let forged = make("forged.jsonl").await;
    edit_line(&forged, 6, |l| {
        l.replace("\"through_seq\":6", "\"through_seq\":5")
    });
    let (checked, _) = verify_archive(key, &forged).await.expect("read");
    assert!(
        matches!(
            checked,
            Verdict::Broken {
                problem: Problem::CheckpointForged,
                ..
            }
        ),
        "{checked:?}"
    );
    let (other_key, _) = verify_archive(b"another-audit-key-0123456789abcdef", &forged)
        .await
        .expect("read");
    assert!(matches!(other_key, Verdict::Broken { .. }));

    // An archive of another log, under the same key, is not this log's.
    let other = with_events(10).await;
    let foreign = archive("foreign.jsonl");
    other
        .state
        .audit
        .archive(6, &foreign, "2026-12-06T00:00:00.000000Z")
        .await
        .expect("archived");
    assert!(
        refusal(app.state.audit.prune(&foreign).await).contains("not the one archived"),
        "checked against the chain, event for event"
    );

    // A stream that has not delivered the events yet keeps them.
    let good = make("good.jsonl").await;
    execute(
        &app.state.db,
        "insert into audit_sinks (name, target, cursor_seq) values ('syslog', 'tcp://siem:514', 3)",
    )
    .await
    .expect("a lagging sink");
    let why = refusal(app.state.audit.prune(&good).await);
    assert!(why.contains("syslog") && why.contains("seq 3"), "{why}");
    assert_eq!(app.audit_events().await.len(), 10, "nothing was pruned");
}

#[tokio::test]
async fn archive_verify_and_prune_from_the_command_line() {
    let app = with_events(8).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let out = dir.path().join("segment.jsonl");
    let out_arg = out.display().to_string();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_suborg-portal"))
            .args(args)
            .env_clear()
            .env("DATABASE_URL", &app.db_url)
            .env("PORTAL_AUDIT_KEY", AUDIT_KEY)
            .output()
            .expect("binary runs")
    };
    let beyond = run(&["audit", "archive", "--through-seq", "99", "--out", &out_arg]);
    assert!(!beyond.status.success());
    assert!(String::from_utf8_lossy(&beyond.stderr).contains("--through-seq"));
    let archived = run(&["audit", "archive", "--through-seq", "5", "--out", &out_arg]);
    assert!(archived.status.success(), "{archived:?}");
    assert!(String::from_utf8_lossy(&archived.stdout).contains("archived 5 events"));
    let verified = run(&["audit", "verify", "--archive", &out_arg]);
    assert!(verified.status.success(), "{verified:?}");
    assert!(String::from_utf8_lossy(&verified.stdout).contains("archive intact: 5 events"));
    let pruned = run(&["audit", "prune", "--archive", &out_arg]);
    assert!(pruned.status.success(), "{pruned:?}");
    assert!(String::from_utf8_lossy(&pruned.stdout).contains("pruned 5 events"));
    let whole = run(&["audit", "verify"]);
    assert!(whole.status.success(), "{whole:?}");
    assert!(
        String::from_utf8_lossy(&whole.stdout).contains("intact: 4 events, head at seq 9"),
        "{whole:?}"
    );
    edit_line(&out, 0, |l| l.replace("\"n\":0", "\"n\":1"));
    let tampered = run(&["audit", "verify", "--archive", &out_arg]);
    assert!(!tampered.status.success());
    assert!(String::from_utf8_lossy(&tampered.stderr).contains("broken at seq 1"));
}

#[tokio::test]
async fn pruning_through_the_newest_event_keeps_the_chain_going() {
    let app = with_events(6).await;
    let dir = tempfile::tempdir().expect("temporary directory");
    let archive = archived(&app, 6, dir.path(), "all.jsonl").await;
    let pruned = app.state.audit.prune(&archive).await.expect("pruned");
    assert_eq!(pruned.recorded_at_seq, 7, "the record follows the old head");
    let events = app.audit_events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["action"], "audit.pruned");
    assert_eq!(events[0]["prev_hash"], events[0]["detail"]["boundary_hash"]);
    assert_eq!(
        verdict(&app).await,
        Verdict::Intact {
            events: 1,
            head_seq: 7
        }
    );
    let refused = execute(&app.state.db, "delete from audit_events where seq = 7").await;
    assert!(refused.is_err(), "the record itself is kept");
}
