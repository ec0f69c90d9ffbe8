//! A full disk under SQLite: audit writes fail (and with them sign-in and PostGrid calls),
//! then resume by themselves within seconds of space coming back, with no restart.
//!
//! Needs a small volume of its own: a tmpfs the test mounts, which takes root. Elsewhere it
//! says why it did not run and passes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use suborg_portal::audit::{Action, NewEvent, Origin, Outcome, Verdict};
use suborg_portal::auth::Role;

use crate::helpers::TestApp;

/// A tmpfs mounted for one test, unmounted when dropped.
struct SmallVolume {
    dir: tempfile::TempDir,
}

impl SmallVolume {
    fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .is_ok_and(|s| s.success());
        mounted.then_some(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for SmallVolume {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes into `path` until the volume is full.
fn fill(path: &Path) -> PathBuf {
    use std::io::Write;
    let filler = path.join("filler");
    let mut file = std::fs::File::create(&filler).expect("filler file");
    let block = vec![0u8; 64 * 1024];
    while file.write_all(&block).is_ok() {}
    // Whatever fits in the last partial block too.
    while file.write_all(&block[..512]).is_ok() {}
    let _ = file.sync_all();
    filler
}

fn probe() -> NewEvent {
    NewEvent::new(Action::Logout, Outcome::Ok, Origin::default())
}

#[tokio::test]
async fn audit_writes_resume_within_seconds_once_the_full_disk_has_room_again() {
    if std::env::var("PORTAL_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty()) {
        eprintln!("SKIPPED: the full-disk test runs on SQLite only (its own tmpfs volume)");
        return;
    }
    let Some(volume) = SmallVolume::mount("4m") else {
        eprintln!("SKIPPED: could not mount a tmpfs for the full-disk test (it needs root)");
        return;
    };
    let url = format!("sqlite://{}/portal.db", volume.path().display());
    let app = TestApp::spawn_with(&[("DATABASE_URL", &url)]).await;
    let (email, password) = app.add_staff(Role::Admin).await;
    app.state
        .audit
        .append(probe())
        .await
        .expect("writable at first");

    let filler = fill(volume.path());
    let mut refused = 0;
    for _ in 0..20 {
        // Each attempt writes a batch of events, so the WAL needs fresh pages.
        let batch = (0..50).map(|_| app.state.audit.append(probe()));
        let results = futures_util::future::join_all(batch).await;
        refused += results.iter().filter(|r| r.is_err()).count();
    }
    assert!(refused > 0, "the full disk refused audit writes");
    let mut browser = app.browser();
    let res = browser.sign_in(&email, &password).await;
    assert_eq!(res.status(), 503, "no sign-in that cannot be recorded");

    std::fs::remove_file(&filler).expect("space freed");
    let freed = Instant::now();
    loop {
        let Err(err) = app.state.audit.append(probe()).await else {
            break;
        };
        assert!(
            freed.elapsed() < Duration::from_secs(10),
            "audit writes did not resume within 10 s of space coming back: {err}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Not one lucky connection: every write and sign-in works again.
    for _ in 0..20 {
        app.state
            .audit
            .append(probe())
            .await
            .expect("writes resumed");
    }
    let res = browser.sign_in(&email, &password).await;
    assert_eq!(res.status(), 303, "sign-in works again");
    let verdict = app.state.audit.verify(None).await.expect("verifies");
    assert!(matches!(verdict, Verdict::Intact { .. }), "{verdict:?}");
}
