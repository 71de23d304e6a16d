//! The shared rate limit's benchmark (`cargo xtask bench-shared-limit`): aggregate rate
//! efficiency of 1, 4 and 8 worker processes sharing one token at R requests/second through a
//! real `redis-server`, and the latency a call gains from the Redis round trip against the
//! in-process limiter. Needs `redis-server` on PATH; prints a Markdown table.

use flxpoint_ext::{Client, LinkSelector, RetryPolicy};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const RATE: f64 = 20.0;
const SECONDS: f64 = 6.0;
const LATENCY_CALLS: usize = 300;

fn main() {
    if let Ok(settings) = std::env::var("SHARED_LIMIT_BENCH_WORKER") {
        return worker(&settings);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dir = std::env::temp_dir().join(format!("flxpoint-bench-redis-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut redis = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .arg("--dir")
        .arg(&dir)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (apt-get install redis-server)");
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let redis_url = format!("redis://127.0.0.1:{port}/");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let sandbox =
            Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() })
                .await
                .unwrap();
        println!("| workers (processes) | R per token | requests in {SECONDS} s | aggregate | efficiency (of R) |");
        println!("| --- | --- | --- | --- | --- |");
        for workers in [1, 4, 8] {
            let before = sandbox.request_count();
            let start_ms = now_ms() + 1500;
            let children: Vec<_> = (0..workers)
                .map(|id| {
                    Command::new(std::env::current_exe().unwrap())
                        .env(
                            "SHARED_LIMIT_BENCH_WORKER",
                            format!("{};{};{start_ms};{id}", sandbox.base_url(), redis_url),
                        )
                        .spawn()
                        .unwrap()
                })
                .collect();
            for mut child in children {
                assert!(tokio::task::block_in_place(|| child.wait()).unwrap().success());
            }
            let n = sandbox.request_count() - before;
            let aggregate = n as f64 / SECONDS;
            println!(
                "| {workers} | {RATE}/s | {n} | {aggregate:.2}/s | {:.1} % |",
                aggregate / RATE * 100.0
            );
        }
        // Latency: a rate so high that nobody waits, so the difference is the limiter's cost.
        let local = latency(Client::builder(seed::ACCOUNT_TOKEN).base_url(sandbox.base_url()))
            .await;
        let shared = latency(
            Client::builder(seed::ACCOUNT_TOKEN)
                .base_url(sandbox.base_url())
                .shared_rate_limit(redis_url.clone()),
        )
        .await;
        println!();
        println!("| limiter | mean per call | median per call | added by Redis (median) |");
        println!("| --- | --- | --- | --- |");
        println!("| in-process | {:.0} µs | {:.0} µs | |", local.0, local.1);
        println!(
            "| shared (Redis on loopback) | {:.0} µs | {:.0} µs | {:.0} µs |",
            shared.0,
            shared.1,
            shared.1 - local.1
        );
    });
    let _ = redis.kill();
    let _ = redis.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

/// Mean and median microseconds per call over `LATENCY_CALLS` sequential calls.
async fn latency(builder: flxpoint_ext::ClientBuilder) -> (f64, f64) {
    let client =
        builder.rate_limit(1_000_000.0, 10_000).retry(RetryPolicy::none()).build().unwrap();
    for _ in 0..20 {
        client.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await.ok();
    }
    let mut times = Vec::with_capacity(LATENCY_CALLS);
    for _ in 0..LATENCY_CALLS {
        let started = Instant::now();
        client.link_unmanaged_orders(LinkSelector::OrderId(3001)).send().await.ok();
        times.push(started.elapsed().as_secs_f64() * 1e6);
    }
    times.sort_by(f64::total_cmp);
    (times.iter().sum::<f64>() / times.len() as f64, times[times.len() / 2])
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

/// One worker: from the common start time, calls for `SECONDS` through the shared limit.
fn worker(settings: &str) {
    let parts: Vec<&str> = settings.split(';').collect();
    let (base, redis, start_ms, id) =
        (parts[0], parts[1], parts[2].parse::<u64>().unwrap(), parts[3]);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = Client::builder(seed::ACCOUNT_TOKEN)
            .base_url(base)
            .rate_limit(RATE, 1)
            .shared_rate_limit(redis)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        client.verify_shared_rate_limit().await.unwrap();
        tokio::time::sleep(Duration::from_millis(start_ms.saturating_sub(now_ms()))).await;
        let stop = Instant::now() + Duration::from_secs_f64(SECONDS);
        let id: i64 = id.parse().unwrap();
        while Instant::now() < stop {
            let call = client.fail_fulfillment_request(999_000 + id, "bench").send();
            // A call still waiting at the end is not counted (nor sent).
            let _ =
                tokio::time::timeout(stop.saturating_duration_since(Instant::now()), call).await;
        }
    });
}
