//! PostgreSQL restarting under a running portal: while it is away `/readyz` says 503 and
//! nothing reaches PostGrid (no call without its audit event); once it is back the same
//! process serves again, with the sessions it had. The test runs its own PostgreSQL cluster
//! from the installed server binaries, so restarting it disturbs no other test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::instances::{free_port, Deployment, Visitor};

/// A throwaway PostgreSQL cluster in a temporary directory, on a port of its own.
struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// Root may not run the server: the commands then run as the `postgres` user.
    as_postgres: bool,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn create() -> Self {
        let bin = server_binaries();
        let dir = tempfile::Builder::new()
            .prefix("portal-pg-")
            .tempdir()
            .expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("data directory");
        let as_postgres = command_output("id", &["-u"]) == "0";
        if as_postgres {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
                .expect("directory opened to the postgres user");
            let uid = command_output("id", &["-u", "postgres"]).parse().ok();
            let gid = command_output("id", &["-g", "postgres"]).parse().ok();
            std::os::unix::fs::chown(&data, uid, gid).expect("data directory given to postgres");
        }
        let cluster = Self {
            bin,
            port: free_port(),
            data,
            as_postgres,
            _dir: dir,
        };
        let data = cluster.data.to_string_lossy().into_owned();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.start();
        cluster
    }

    /// One of the server's programs, run as the user that owns the cluster.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(program);
            command
        } else {
            Command::new(program)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .expect("server binary runs");
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let data = self.data.to_string_lossy().into_owned();
        let options = format!(
            "-p {} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port
        );
        let log = self.data.join("server.log").to_string_lossy().into_owned();
        self.run(
            "pg_ctl",
            &["-D", &data, "-l", &log, "-o", &options, "-w", "start"],
        );
    }

    fn stop(&self) {
        let data = self.data.to_string_lossy().into_owned();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let _ = self
            .command("pg_ctl")
            .args(["-D", &data, "-m", "immediate", "stop"])
            .output();
    }
}

/// The newest installed PostgreSQL server's binaries (Debian's layout).
fn server_binaries() -> PathBuf {
    let root = Path::new("/usr/lib/postgresql");
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .expect("PostgreSQL's server is installed under /usr/lib/postgresql (scripts/test.sh installs it)")
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().expect("a PostgreSQL server with initdb").1
}

fn command_output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().expect("runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_run_sends_nothing_unrecorded_and_recovers() {
    let cluster = Cluster::create();
    let dir = tempfile::tempdir().expect("tempdir");
    let deployment = Deployment::new(dir.path(), cluster.url()).await;
    let password = deployment.add_staff("viewer@staff.example", "viewer");
    let portal = Arc::new(deployment.start("portal").await);
    let visitor = Visitor::new();
    visitor
        .sign_in(&portal, "viewer@staff.example", &password)
        .await;
    assert_eq!(visitor.status(&portal, "/sub-orgs").await, 200);

    // Load throughout: before, during and after the restart.
    let running = Arc::new(AtomicBool::new(true));
    let load = {
        let (portal, visitor, running) = (portal.clone(), visitor.clone(), running.clone());
        tokio::spawn(async move {
            let mut statuses: HashMap<u16, u32> = HashMap::new();
            while running.load(Ordering::Relaxed) {
                *statuses
                    .entry(visitor.status(&portal, "/sub-orgs").await)
                    .or_default() += 1;
            }
            statuses
        })
    };
    tokio::time::sleep(Duration::from_secs(2)).await;

    cluster.stop();
    // Requests in flight at the stop may still finish; after that nothing gets through.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent_while_down = deployment.sim.request_count();
    assert_eq!(
        portal.ready().await,
        Some(503),
        "/readyz while PostgreSQL is down"
    );
    assert_ne!(visitor.status(&portal, "/sub-orgs").await, 200);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        deployment.sim.request_count(),
        sent_while_down,
        "a PostGrid request went out while its audit event could not be written"
    );

    cluster.start();
    portal.wait_until_ready(Duration::from_secs(30)).await;
    assert_eq!(
        visitor.status(&portal, "/sub-orgs").await,
        200,
        "the same process serves again, and the session survived"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    running.store(false, Ordering::Relaxed);
    let statuses = load.await.expect("load finished");
    assert!(
        statuses.get(&200).copied().unwrap_or_default() > 10,
        "{statuses:?}"
    );

    eprintln!("statuses across the restart: {statuses:?}");
    Arc::into_inner(portal).expect("one owner").stop();
    deployment.assert_chain_intact();
    deployment.assert_calls_recorded_and_paired();
}
