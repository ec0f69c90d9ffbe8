//! Audit log benchmarks (DESIGN §10), run with `cargo bench --bench audit`.
//!
//! Measures, side by side in one run on this machine:
//! - PostGrid calls per second against the in-process simulator at concurrency 1, 16 and 64,
//!   unaudited and audited with durable writes (group commit) on SQLite, and on PostgreSQL too
//!   when `BENCH_POSTGRES_URL` names a database (a schema is made there for the run, then
//!   dropped), with their ratios;
//! - filtered first-page and deep-page (10,000 events deep) review queries at the sizes in
//!   `BENCH_AUDIT_SIZES` (default `1000000`; `1000000,10000000` for the full report), and the
//!   whole read of a folded review page (its rows, the other halves of their calls, the result
//!   count up to 10,001);
//! - export rate (events/s) and peak memory growth while exporting every event.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use suborg_portal::audit::{AuditLog, AuditedCalls, Cursor, Filter, Format, Origin};
use suborg_portal::config::AuditKey;
use suborg_portal::db::Database;
use suborg_portal::postgrid::sim::{Seed, Simulator, BASE_PATH};
use suborg_portal::postgrid::{ClientOptions, Page, ParentClient, Transport, Unobserved};

#[path = "sample.rs"]
mod sample;
use sample::event;

const KEY: &str = "test_sk_bench";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    println!(
        "# audit benchmarks ({} cores)",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    calls(&dir).await?;
    let sizes: Vec<u64> = std::env::var("BENCH_AUDIT_SIZES")
        .unwrap_or_else(|_| "1000000".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    for size in sizes {
        review_and_export(&dir, size).await?;
    }
    Ok(())
}

fn audit_key() -> Arc<AuditKey> {
    Arc::new(
        AuditKey::parse("bench-audit-key-0123456789abcdef0123456789")
            .unwrap_or_else(|_| unreachable!()),
    )
}

async fn open(dir: &tempfile::TempDir, name: &str) -> anyhow::Result<AuditLog> {
    open_url(&format!("sqlite://{}/{name}.db", dir.path().display())).await
}

async fn open_url(url: &str) -> anyhow::Result<AuditLog> {
    let db = Database::connect(url).await?;
    db.migrate().await?;
    Ok(AuditLog::start(db, audit_key()))
}

/// A schema of its own in the database `base` names, dropped when the run ends.
struct PostgresSchema {
    base: String,
    name: String,
}

impl PostgresSchema {
    async fn create(base: &str) -> anyhow::Result<Self> {
        use sqlx::Connection;
        let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(base).await?;
        sqlx::query(&format!("create schema {name}"))
            .execute(&mut conn)
            .await?;
        Ok(Self {
            base: base.to_owned(),
            name,
        })
    }

    fn url(&self) -> String {
        let separator = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{separator}options[search_path]={}", self.base, self.name)
    }

    async fn drop(self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect(&self.base).await?;
        sqlx::query(&format!("drop schema {} cascade", self.name))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}

async fn calls(dir: &tempfile::TempDir) -> anyhow::Result<()> {
    let sim = Simulator::new(Some(KEY.to_owned()), Seed::Demo);
    let addr = sim.spawn(([127, 0, 0, 1], 0).into()).await?;
    let transport = Arc::new(Transport::new(
        url::Url::parse(&format!("http://{addr}{BASE_PATH}"))?,
        SecretString::from(KEY.to_owned()),
        ClientOptions::default(),
    )?);
    let mut logs = vec![("SQLite", open(dir, "calls").await?)];
    let postgres = match std::env::var("BENCH_POSTGRES_URL") {
        Ok(base) if !base.is_empty() => {
            let schema = PostgresSchema::create(&base).await?;
            logs.push(("PostgreSQL", open_url(&schema.url()).await?));
            Some(schema)
        }
        _ => None,
    };
    println!("\n## audited PostGrid calls (GET /sub_organizations?limit=10), durable writes");
    println!(
        "| concurrency | unaudited calls/s | engine | audited calls/s | audited / unaudited |"
    );
    println!("|---|---|---|---|---|");
    for concurrency in [1usize, 16, 64] {
        let total = if concurrency == 1 { 1000 } else { 4000 };
        let bare = run_calls(&transport, Arc::new(Unobserved), concurrency, total).await?;
        for (engine, log) in &logs {
            let observer = Arc::new(AuditedCalls::new(log.clone(), Origin::default()));
            let audited = run_calls(&transport, observer, concurrency, total).await?;
            println!(
                "| {concurrency} | {bare:.0} | {engine} | {audited:.0} | {:.2} |",
                audited / bare
            );
        }
    }
    if let Some(schema) = postgres {
        schema.drop().await?;
    }
    Ok(())
}

async fn run_calls(
    transport: &Arc<Transport>,
    observer: Arc<dyn suborg_portal::upstream::Recorder>,
    concurrency: usize,
    total: usize,
) -> anyhow::Result<f64> {
    let client = ParentClient::new(transport.clone(), observer);
    let remaining = Arc::new(AtomicU64::new(total as u64));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = client.clone();
            let remaining = remaining.clone();
            tokio::spawn(async move {
                while remaining
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    client.list_sub_orgs(&Page::default()).await?;
                }
                Ok::<_, suborg_portal::postgrid::PostgridError>(())
            })
        })
        .collect();
    for worker in workers {
        worker.await??;
    }
    Ok(total as f64 / started.elapsed().as_secs_f64())
}

/// Fills the log through the real append path (group commit, batches of up to 256), queueing
/// without waiting for each commit, then waits for all of them.
async fn fill(log: &AuditLog, size: u64) -> anyhow::Result<f64> {
    let started = Instant::now();
    for i in 0..size {
        log.append_in_background(event(i as i64)).await?;
    }
    log.flush().await?;
    Ok(size as f64 / started.elapsed().as_secs_f64())
}

fn percentile(mut samples: Vec<Duration>, p: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index.min(samples.len() - 1)]
}

async fn time_query(
    log: &AuditLog,
    filter: &Filter,
    cursor: Cursor,
) -> anyhow::Result<(Duration, Duration)> {
    let mut samples = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let page = log.find(filter, cursor, 50).await?;
        samples.push(started.elapsed());
        anyhow::ensure!(!page.is_empty(), "empty page");
    }
    Ok((percentile(samples.clone(), 0.5), percentile(samples, 0.95)))
}

/// What the review page reads for one page, as it reads it: the page (page views of the log
/// left out), the other halves of its calls and which of them the filter selects, and the
/// result count up to 10,001.
async fn time_folded_page(
    log: &AuditLog,
    filter: &Filter,
    cursor: Cursor,
) -> anyhow::Result<(Duration, Duration)> {
    let filter = Filter {
        hide_views: true,
        ..filter.clone()
    };
    let mut samples = Vec::new();
    for _ in 0..200 {
        let started = Instant::now();
        let page = log.find(&filter, cursor, 50).await?;
        let mut calls: Vec<String> = page
            .iter()
            .filter(|e| e.action.ends_with(".request") || e.action.ends_with(".response"))
            .filter_map(|e| e.call_id.clone())
            .collect();
        calls.sort();
        calls.dedup();
        let halves = log.find_calls(&calls).await?;
        let selected = log.selected_among(&filter, &halves).await?;
        let count = log.count_up_to(&filter, 10_001).await?;
        samples.push(started.elapsed());
        anyhow::ensure!(
            !page.is_empty() && !halves.is_empty() && !selected.is_empty() && count > 0,
            "empty page"
        );
    }
    Ok((percentile(samples.clone(), 0.5), percentile(samples, 0.95)))
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(str::to_owned)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        .unwrap_or(0)
}

async fn review_and_export(dir: &tempfile::TempDir, size: u64) -> anyhow::Result<()> {
    let log = open(dir, &format!("review{size}")).await?;
    let rate = fill(&log, size).await?;
    println!("\n## {size} events (filled through the durable append path at {rate:.0} events/s)");
    println!("| query | p50 | p95 |");
    println!("|---|---|---|");
    let by_actor = Filter {
        actor_email: Some("staff7@example.com".to_owned()),
        ..Filter::default()
    };
    let by_sub_org = Filter {
        sub_org_id: Some("sub_org_bench0017".to_owned()),
        ..Filter::default()
    };
    for (name, filter) in [("actor", &by_actor), ("sub-org", &by_sub_org)] {
        let (p50, p95) = time_query(&log, filter, Cursor::Newest).await?;
        println!("| first page, by {name} | {p50:.2?} | {p95:.2?} |");
        // The cursor 10,000 matching events deep, found once, then paged from like a person would.
        let mut cursor = Cursor::Newest;
        for _ in 0..(10_000 / 500) {
            let page = log.find(filter, cursor, 500).await?;
            match page.last() {
                Some(last) => cursor = Cursor::Before(last.seq),
                None => break,
            }
        }
        let (p50, p95) = time_query(&log, filter, cursor).await?;
        println!("| page 10,000 deep, by {name} | {p50:.2?} | {p95:.2?} |");
        let (p50, p95) = time_folded_page(&log, filter, Cursor::Newest).await?;
        println!("| folded review page (rows, their calls, count), first, by {name} | {p50:.2?} | {p95:.2?} |");
        let (p50, p95) = time_folded_page(&log, filter, cursor).await?;
        println!("| folded review page, 10,000 deep, by {name} | {p50:.2?} | {p95:.2?} |");
    }

    if size > 1_000_000 {
        // The export figures are for a million events; larger logs are for the queries.
        return Ok(());
    }
    let baseline = rss_kib();
    let peak = Arc::new(AtomicU64::new(baseline));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        std::thread::spawn(move || {
            while sampling.load(Ordering::SeqCst) {
                peak.fetch_max(rss_kib(), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };
    for format in [Format::Jsonl, Format::Csv] {
        let started = Instant::now();
        let count = log
            .export(&Filter::default(), format, tokio::io::sink())
            .await?;
        let elapsed = started.elapsed();
        println!(
            "| export {format:?} of {count} events | {:.0} events/s | {elapsed:.2?} |",
            count as f64 / elapsed.as_secs_f64()
        );
    }
    sampling.store(false, Ordering::SeqCst);
    let _ = sampler.join();
    println!(
        "| export peak RSS growth | {} KiB | baseline {} KiB |",
        peak.load(Ordering::SeqCst).saturating_sub(baseline),
        baseline
    );
    Ok(())
}
