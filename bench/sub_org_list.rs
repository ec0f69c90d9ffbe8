//! Portal overhead on the sub-organization list page (DESIGN §10: ≤ 2 ms added at p50), run
//! with `cargo bench --bench sub_org_list`.
//!
//! Side by side in one run against the same in-process simulator: the bare upstream call
//! (`GET /sub_organizations?limit=20`) and the whole page (`GET /sub-orgs`) for a signed-in
//! viewer, which adds the session, the authorization check, two durable audit events and
//! rendering.

use std::time::{Duration, Instant};

use suborg_portal::postgrid::sim::{Seed, Simulator, BASE_PATH};

#[path = "support.rs"]
mod support;

const KEY: &str = "test_sk_bench";
const ROUNDS: usize = 500;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let sim = Simulator::new(Some(KEY.to_owned()), Seed::Demo);
    let sim_addr = sim.spawn(([127, 0, 0, 1], 0).into()).await?;
    let upstream = format!("http://{sim_addr}{BASE_PATH}");
    let portal = support::start_portal(KEY, Some(upstream.clone())).await?;
    let base = portal.base.clone();

    portal.add_viewers(0..1).await?;
    let client = support::client()?;
    let res = client
        .post(format!("{base}/login"))
        .header("origin", &base)
        .form(&[
            ("email", "staff0@bench.example"),
            ("password", support::PASSWORD),
        ])
        .send()
        .await?;
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no session cookie"))?;

    let bare = || async {
        client
            .get(format!("{upstream}/sub_organizations?limit=20&skip=0"))
            .header("x-api-key", KEY)
            .send()
            .await?
            .bytes()
            .await
    };
    let page = || async {
        client
            .get(format!("{base}/sub-orgs"))
            .header("cookie", &cookie)
            .send()
            .await?
            .bytes()
            .await
    };
    for _ in 0..50 {
        bare().await?;
        page().await?;
    }
    // Interleaved, so both see the same machine.
    let (mut upstream_times, mut page_times) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let started = Instant::now();
        bare().await?;
        upstream_times.push(started.elapsed());
        let started = Instant::now();
        let body = page().await?;
        page_times.push(started.elapsed());
        anyhow::ensure!(body.len() > 1000, "the page did not render");
    }
    upstream_times.sort();
    page_times.sort();
    let p = |v: &[Duration], q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    println!("# sub-organization list page over the bare upstream call ({ROUNDS} rounds each)");
    println!("| | p50 | p95 |");
    println!("|---|---|---|");
    println!(
        "| bare simulator call | {:.2?} | {:.2?} |",
        p(&upstream_times, 0.5),
        p(&upstream_times, 0.95)
    );
    println!(
        "| /sub-orgs page | {:.2?} | {:.2?} |",
        p(&page_times, 0.5),
        p(&page_times, 0.95)
    );
    println!(
        "| portal overhead | {:.2?} | {:.2?} |",
        p(&page_times, 0.5).saturating_sub(p(&upstream_times, 0.5)),
        p(&page_times, 0.95).saturating_sub(p(&upstream_times, 0.95))
    );
    Ok(())
}
