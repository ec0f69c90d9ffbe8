//! Sign-in benchmarks (DESIGN §10), run with `cargo bench --bench signin`.
//!
//! Side by side in one run: the median sign-in time, and the p50/p99 of another page while
//! nothing else happens and while 50 sign-ins run at once.

use std::time::{Duration, Instant};

use suborg_portal::auth::{password, staff};

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

    failures_by_kind(&portal, &client, &base).await?;

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

/// A failed sign-in must cost the same whether the email is unknown, disabled or active:
/// the three kinds interleaved, each from a client address of its round (so the address
/// throttle never steps in) and each known account used once (so none locks).
async fn failures_by_kind(
    portal: &support::Portal,
    client: &reqwest::Client,
    base: &str,
) -> anyhow::Result<()> {
    const ROUNDS: usize = 100;
    portal.add_viewers(1000..1000 + 2 * ROUNDS).await?;
    for n in 1000 + ROUNDS..1000 + 2 * ROUNDS {
        let email = format!("staff{n}@bench.example");
        let id = staff::find_by_email(&portal.state.db, &email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no {email}"))?
            .id;
        staff::update_staff(
            &portal.state.db,
            id,
            staff::Change::Disable,
            portal.state.clock.now(),
        )
        .await?;
    }
    let mut times: [Vec<Duration>; 3] = Default::default();
    for round in 0..ROUNDS {
        let emails = [
            format!("nobody{round}@bench.example"),
            format!("staff{}@bench.example", 1000 + ROUNDS + round),
            format!("staff{}@bench.example", 1000 + round),
        ];
        let address = format!("10.1.{}.{}", round / 250, round % 250 + 1);
        for offset in 0..3 {
            let kind = (round + offset) % 3;
            let started = Instant::now();
            let res = client
                .post(format!("{base}/login"))
                .header("origin", base)
                .header("x-forwarded-for", &address)
                .form(&[
                    ("email", emails[kind].as_str()),
                    ("password", "not the password"),
                ])
                .send()
                .await?;
            res.bytes().await?;
            times[kind].push(started.elapsed());
        }
    }
    for kind in &mut times {
        kind.sort();
    }
    let unknown = pct(&times[0], 0.5).as_secs_f64();
    println!("| failed sign-in, {ROUNDS} each, interleaved | p50 | p90 | p50 over unknown |");
    println!("|---|---|---|---|");
    for (name, t) in ["unknown email", "disabled account", "active account"]
        .iter()
        .zip(&times)
    {
        println!(
            "| {name} | {:.2?} | {:.2?} | {:.3}× |",
            pct(t, 0.5),
            pct(t, 0.9),
            pct(t, 0.5).as_secs_f64() / unknown
        );
    }
    Ok(())
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
