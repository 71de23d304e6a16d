//! Redis dies mid-run and comes back: two worker processes carry on at the documented fallback
//! (a quarter of the rate each, locally), no call hangs past its deadline, nothing panics, the
//! switch is logged once each way, and once Redis is back they share the limit again.

mod shared_limit_support;

use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use shared_limit_support::{Proxy, RedisServer, rate, spawn_worker, wait_worker, worker_settings};
use std::time::{Duration, Instant};

/// The worker processes' entry point (a no-op in a normal test run).
#[test]
fn worker() {
    shared_limit_support::worker_main();
}

#[test]
fn workers_fall_back_while_redis_is_down_and_share_again_when_it_is_back() {
    if std::env::var_os(shared_limit_support::WORKER_ENV).is_some() {
        return;
    }
    const DEADLINE_MS: u64 = 8_000;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let mut redis = RedisServer::start(None);
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let proxy = Proxy::start(sandbox.base_url()).await;
        let started = Instant::now();
        let mut workers = Vec::new();
        for id in 0..2 {
            let settings = worker_settings(&[
                ("base", proxy.base_url.clone()),
                ("redis", redis.url()),
                ("seconds", "19".into()),
                ("rate", "2".into()),
                ("burst", "1".into()),
                ("tasks", "2".into()),
                ("retry", "default".into()),
                ("deadline_ms", DEADLINE_MS.to_string()),
                ("id", id.to_string()),
            ]);
            let child = spawn_worker("worker", &settings);
            workers.push(tokio::task::spawn_blocking(move || {
                wait_worker(child, Duration::from_secs(60))
            }));
        }
        // Shared for 5 s; Redis dead for 6 s; back for the last 8 s.
        tokio::time::sleep(Duration::from_secs(5)).await;
        redis.kill();
        let killed = Instant::now();
        tokio::time::sleep(Duration::from_secs(6)).await;
        redis.restart();
        let restarted = Instant::now();
        // Back on the shared limit: the token's log is in Redis again.
        tokio::time::sleep(Duration::from_secs(4)).await;
        let keys = redis.command(&["KEYS", "flxpoint:rate:*"]);
        assert!(keys.contains(":log"), "no shared log after the restart: {keys}");

        for worker in workers {
            let out = worker.await.unwrap();
            assert!(out.success, "a worker failed (panic?):\n{}\n{}", out.stdout, out.stderr);
            assert!(
                !out.stderr.contains(seed::ACCOUNT_TOKEN)
                    && !out.stdout.contains(seed::ACCOUNT_TOKEN)
            );
            let result = out.result();
            println!("worker: {result:?}");
            // At a quarter of the rate a queued call may reach its deadline: then it ends there
            // with `Error::Timeout` (counted apart); no other error, and none outlives it.
            assert_eq!(result["other"], 0.0, "{result:?}\n{}", out.stderr);
            assert!(result["answered"] >= 3.0, "{result:?}");
            assert!(
                result["max_call_ms"] <= (DEADLINE_MS + 500) as f64,
                "a call outlived its deadline: {result:?}"
            );
            // Logged once when Redis went away, once when it came back: not per call.
            let down = out.stderr.matches("Redis is unreachable or too slow").count();
            let up = out.stderr.matches("Redis answers again").count();
            assert_eq!((down, up), (1, 1), "{}", out.stderr);
        }

        let arrivals = proxy.arrivals();
        let phase = |from: Instant, to: Instant| {
            arrivals.iter().filter(|a| a.at >= from && a.at < to).copied().collect::<Vec<_>>()
        };
        let times =
            |p: &[shared_limit_support::Arrival]| p.iter().map(|a| a.at).collect::<Vec<_>>();
        let before = phase(started, killed);
        // A second for the workers to notice; the fallback is per process: 2 × 0.5/s at most.
        let outage = phase(killed + Duration::from_secs(1), restarted);
        // The re-probe comes within 2 s; from then on the shared limit again.
        let after = phase(restarted + Duration::from_secs(3), Instant::now());
        let too_many =
            |p: &[shared_limit_support::Arrival]| p.iter().filter(|a| a.status == 429).count();
        println!(
            "before: {} at {:.2}/s ({} × 429); outage: {} in {:.1} s ({} × 429); after: {} at \
             {:.2}/s ({} × 429); all: {} × 429 (retried)",
            before.len(),
            rate(&times(&before)),
            too_many(&before),
            outage.len(),
            (restarted - killed).as_secs_f64() - 1.0,
            too_many(&outage),
            after.len(),
            rate(&times(&after)),
            too_many(&after),
            too_many(&arrivals),
        );
        assert_eq!(too_many(&before), 0);
        assert_eq!(too_many(&after), 0);
        assert!(rate(&times(&before)) >= 1.8, "shared before the outage");
        assert!(outage.len() >= 3, "work went on while Redis was down");
        // Two processes at a quarter of 2/s each: at most one request a second between them
        // (each may send once at once when it falls back).
        let outage_secs = (restarted - killed).as_secs_f64() - 1.0;
        assert!(outage.len() as f64 <= outage_secs * 1.0 + 2.0, "the fallback is conservative");
        assert!(rate(&times(&after)) >= 1.8, "shared again after the restart");
    });
}
