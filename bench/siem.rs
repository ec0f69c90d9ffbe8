//! SIEM streaming benchmark (DESIGN §10: ≥ 10,000 events/s to a local syslog receiver), run
//! with `cargo bench --bench siem`. Needs Debian's rsyslog (`apt-get install rsyslog`).
//!
//! Side by side in one run, each into a fresh rsyslog on a loopback port:
//! - bare: the same RFC 5424 frames, made beforehand, written down one TCP connection as fast
//!   as it goes (what the receiver takes in at most);
//! - portal: the portal's syslog stream delivering a log of the same events from its cursor
//!   (reading the database, framing, confirming, moving the durable cursor).
//!
//! Each rate is events over the time until rsyslog has written the last one. `BENCH_SIEM_EVENTS`
//! sets how many (default 200,000).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use suborg_portal::audit::streams::{settings::StreamSettings, syslog, Streams};
use suborg_portal::audit::{AuditLog, Filter, Format};
use suborg_portal::clock::SystemClock;
use suborg_portal::config::AuditKey;
use suborg_portal::db::Database;
use tokio::io::AsyncWriteExt;

#[path = "sample.rs"]
mod sample;
use sample::event;

const RSYSLOGD: &str = "/usr/sbin/rsyslogd";

struct Receiver {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Receiver {
    /// rsyslog writing one byte and a newline per message, so counting is cheap.
    fn start(dir: &Path, name: &str) -> anyhow::Result<Self> {
        let dir = dir.join(name);
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let out = dir.join("received");
        let config = format!(
            "global(workDirectory=\"{dir}\" maxMessageSize=\"64k\")\n\
             module(load=\"imtcp\")\n\
             input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{port}\")\n\
             template(name=\"tick\" type=\"string\" string=\".\\n\")\n\
             *.* action(type=\"omfile\" file=\"{out}\" template=\"tick\")\n",
            dir = dir.display(),
            out = out.display(),
        );
        let conf = dir.join("rsyslog.conf");
        std::fs::write(&conf, config)?;
        let child = Command::new(RSYSLOGD)
            .arg("-n")
            .arg("-f")
            .arg(&conf)
            .arg("-i")
            .arg(dir.join("pid"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(Instant::now() < deadline, "rsyslog does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(Self { child, port, out })
    }

    fn received(&self) -> u64 {
        std::fs::metadata(&self.out).map_or(0, |m| m.len() / 2)
    }

    /// Waits until `n` messages are written; returns when that happened.
    async fn wait_for(&self, n: u64) -> anyhow::Result<Instant> {
        let deadline = Instant::now() + Duration::from_secs(600);
        while self.received() < n {
            anyhow::ensure!(
                Instant::now() < deadline,
                "rsyslog wrote {} of {n}",
                self.received()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Ok(Instant::now())
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    anyhow::ensure!(
        Path::new(RSYSLOGD).exists(),
        "rsyslog is not installed: apt-get install rsyslog"
    );
    let n: u64 = std::env::var("BENCH_SIEM_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let dir = tempfile::tempdir()?;
    let db = Database::connect(&format!("sqlite://{}/portal.db", dir.path().display())).await?;
    db.migrate().await?;
    let key = Arc::new(AuditKey::parse(
        "bench-audit-key-0123456789abcdef0123456789",
    )?);
    let log = AuditLog::start(db.clone(), key);
    for i in 0..n {
        log.append_in_background(event(i as i64)).await?;
    }
    log.flush().await?;

    // The frames the bare writer sends: the very bytes the portal would.
    let mut exported = Vec::new();
    log.export(&Filter::default(), Format::Jsonl, &mut exported)
        .await?;
    let mut frames = Vec::with_capacity(exported.len() * 2);
    for line in exported.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        let stored = serde_json::from_slice(line)?;
        syslog::frame(&stored, "bench-host", "1", &mut frames);
    }
    println!(
        "# SIEM streaming: {n} events, {:.0} bytes per frame",
        frames.len() as f64 / n as f64
    );

    let bare = Receiver::start(dir.path(), "bare")?;
    let started = Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", bare.port)).await?;
    tcp.write_all(&frames).await?;
    tcp.flush().await?;
    let done = bare.wait_for(n).await?;
    let bare_rate = n as f64 / (done - started).as_secs_f64();
    drop(tcp);
    drop(bare);

    let receiver = Receiver::start(dir.path(), "portal")?;
    let settings = StreamSettings::from_lookup(&|name: &str| match name {
        "PORTAL_AUDIT_SYSLOG" => Some(format!("tcp://127.0.0.1:{}", receiver.port)),
        _ => None,
    })?;
    let started = Instant::now();
    let streams = Streams::start(&settings, &db, &log, Arc::new(SystemClock))?;
    let done = receiver.wait_for(n).await?;
    let portal_rate = n as f64 / (done - started).as_secs_f64();
    streams.stop().await;

    println!("| writer | events/s | ratio to bare |");
    println!("|---|---|---|");
    println!("| bare TCP writer (pre-framed) | {bare_rate:.0} | 1.00 |");
    println!(
        "| portal syslog stream (from the database) | {portal_rate:.0} | {:.2} |",
        portal_rate / bare_rate
    );
    println!(
        "budget: ≥ 10,000 events/s — {}",
        if portal_rate >= 10_000.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}
