//! Several worker processes, one token, one limit kept in a real Redis: four OS processes (this
//! test binary run again as workers) against the strict sandbox for 15 s. Not one 429, the
//! aggregate rate within 3 % of the limit, never more than 2 arrivals in any second.

mod shared_limit_support;

use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use shared_limit_support::{
    Proxy, RedisServer, most_in_any_window, rate, spawn_worker, wait_worker, worker_settings,
};
use std::time::Duration;

/// The worker processes' entry point (a no-op in a normal test run).
#[test]
fn worker() {
    shared_limit_support::worker_main();
}

#[test]
fn four_worker_processes_share_one_token_without_a_429() {
    if std::env::var_os(shared_limit_support::WORKER_ENV).is_some() {
        return;
    }
    const WORKERS: usize = 4;
    const SECONDS: f64 = 15.0;
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let redis = RedisServer::start(None);
        // The documented limit, strictly: at most 2 accepted in any 1 s per token.
        let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
        let proxy = Proxy::start(sandbox.base_url()).await;
        let mut workers = Vec::new();
        for id in 0..WORKERS {
            let settings = worker_settings(&[
                ("base", proxy.base_url.clone()),
                ("redis", redis.url()),
                ("seconds", SECONDS.to_string()),
                ("rate", "2".into()),
                ("burst", "1".into()),
                ("tasks", "2".into()),
                ("retry", "none".into()),
                ("deadline_ms", "30000".into()),
                ("id", id.to_string()),
            ]);
            let child = spawn_worker("worker", &settings);
            workers.push(tokio::task::spawn_blocking(move || {
                wait_worker(child, Duration::from_secs(90))
            }));
        }
        let mut calls = Vec::new();
        for worker in workers {
            let out = worker.await.unwrap();
            assert!(out.success, "a worker failed:\n{}\n{}", out.stdout, out.stderr);
            for text in [&out.stdout, &out.stderr] {
                assert!(!text.contains(seed::ACCOUNT_TOKEN), "the token leaked: {text}");
            }
            let result = out.result();
            assert_eq!(result["rate_limited"], 0.0, "{result:?}");
            assert_eq!(result["timeouts"] + result["other"], 0.0, "{result:?}\n{}", out.stderr);
            // Redis answered all along: never a fallback warning.
            assert!(!out.stderr.contains("shared rate limit"), "{}", out.stderr);
            calls.push(result["calls"]);
        }

        let arrivals = proxy.arrivals();
        let times: Vec<_> = arrivals.iter().map(|a| a.at).collect();
        let counters = &sandbox.state()["counters"];
        let most = most_in_any_window(&times, Duration::from_secs(1));
        let aggregate = rate(&times);
        println!(
            "{WORKERS} processes, {SECONDS} s: {} requests, per worker {calls:?}, aggregate \
             {aggregate:.3}/s ({:.1} % of 2/s), at most {most} in any 1 s, sandbox {counters}",
            times.len(),
            aggregate / 2.0 * 100.0
        );
        assert_eq!(counters["tooManyRequests"], 0, "{counters}");
        assert_eq!(counters["rateLimited"], 0, "{counters}");
        assert!(arrivals.iter().all(|a| a.status != 429));
        assert_eq!(counters["requestsReceived"], times.len() as u64);
        assert_eq!(calls.iter().sum::<f64>() as usize, times.len());
        assert!(most <= 2, "{most} requests in one second");
        assert!(aggregate >= 0.97 * 2.0, "aggregate {aggregate:.3}/s");
        // Each worker had its turns (processes ask again when the script says a slot frees).
        for c in &calls {
            assert!(*c >= 3.0, "a starved worker: {calls:?}");
        }

        // Redis holds the token's keys under its fingerprint only, and they expire.
        let keys = redis.command(&["KEYS", "*"]);
        assert!(keys.contains("flxpoint:rate:{"), "{keys}");
        assert!(!keys.contains(seed::ACCOUNT_TOKEN), "{keys}");
        let log_key = keys
            .lines()
            .find(|l| l.starts_with("flxpoint:rate:") && l.ends_with(":log"))
            .unwrap_or_else(|| panic!("{keys}"))
            .to_owned();
        let ttl = redis.command(&["PTTL", &log_key]);
        let ttl: i64 = ttl.trim().trim_start_matches(':').parse().unwrap();
        assert!(ttl > 0 && ttl <= 2_000, "the log expires: PTTL {ttl}");
    });
}
