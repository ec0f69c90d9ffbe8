//! Sign-in benchmarks (DESIGN §10), run with `cargo bench --bench signin`.
//!
//! Side by side in one run: the median sign-in time, and the p50/p99 of another page while
//! nothing else happens and while 50 sign-ins run at once.

use std::time::{Duration, Instant};

use suborg_portal::auth::password;

#[path = "support.rs"]
mod support;

use support::PASSWORD;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let portal = support::start_portal("test_sk_bench", None).await?;
    let base = portal.base.clone();

    portal.add_viewers(0..60).await?;
    let client = support::client()?;

    println!("# sign-in benchmarks");
    println!(
        "argon2id m={} KiB, t={}, p={}; hashing slots: {}",
        password::MEMORY_KIB,
        password::ITERATIONS,
        password::LANES,
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
    );
    let mut times = Vec::new();
    for n in 50..60 {
        let started = Instant::now();
        let status = sign_in(&client, &base, n).await?;
        times.push(started.elapsed());
        anyhow::ensure!(status == 303, "sign-in failed: {status}");
    }
    times.sort();
    println!("median sign-in: {:.1?}", times[times.len() / 2]);

    page_times(&client, &base, 200).await?; // warm-up
    let quiet = page_times(&client, &base, 400).await?;
    let burst = {
        let client = client.clone();
        let base = base.clone();
        tokio::spawn(async move {
            let tasks: Vec<_> = (0..50)
                .map(|n| {
                    let client = client.clone();
                    let base = base.clone();
                    tokio::spawn(async move { sign_in(&client, &base, n).await })
                })
                .collect();
            for task in tasks {
                let _ = task.await;
            }
        })
    };
    let loaded = page_times(&client, &base, 400).await?;
    burst.await?;
    println!("| GET /login | p50 | p99 |");
    println!("|---|---|---|");
    println!(
        "| alone | {:.2?} | {:.2?} |",
        pct(&quiet, 0.5),
        pct(&quiet, 0.99)
    );
    println!(
        "| during 50 concurrent sign-ins | {:.2?} | {:.2?} |",
        pct(&loaded, 0.5),
        pct(&loaded, 0.99)
    );
    Ok(())
}

async fn sign_in(client: &reqwest::Client, base: &str, n: usize) -> anyhow::Result<u16> {
    let email = format!("staff{n}@bench.example");
    let res = client
        .post(format!("{base}/login"))
        .header("origin", base)
        .form(&[("email", email.as_str()), ("password", PASSWORD)])
        .send()
        .await?;
    Ok(res.status().as_u16())
}

async fn page_times(
    client: &reqwest::Client,
    base: &str,
    n: usize,
) -> anyhow::Result<Vec<Duration>> {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        let res = client.get(format!("{base}/login")).send().await?;
        res.bytes().await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
