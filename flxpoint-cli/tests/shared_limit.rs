//! `--redis-url` / `FLXPOINT_REDIS_URL`: the command line takes its rate-limit slots from a real
//! `redis-server` (started here on a free loopback port, without persistence; a missing
//! redis-server fails the test), and a Redis URL's password is never printed.

mod common;

use common::{Fixture, TOKEN};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of this test's own; killed when dropped.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start() -> Self {
        let port =
            TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is not installed (Debian: apt-get install redis-server)");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    /// How many scripts Redis has run (`EVAL` and `EVALSHA`), from `INFO commandstats`.
    fn scripts_run(&self) -> u64 {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "INFO", "commandstats"])
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("cmdstat_eval:") || l.starts_with("cmdstat_evalsha:"))
            .filter_map(|l| l.split("calls=").nth(1)?.split(',').next()?.parse::<u64>().ok())
            .sum()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn every_call_takes_its_slot_from_redis() {
    let redis = Redis::start();
    let fixture = Fixture::new();
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let env = [
        ("FLXPOINT_BASE_URL", fixture.sandbox.base_url()),
        ("FLXPOINT_API_TOKEN", TOKEN.to_owned()),
        ("FLXPOINT_REDIS_URL", url),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(redis.scripts_run(), 0);
    for order in ["3001", "3002"] {
        fixture.run_with(&["orders", "link", "--order-id", order], None, &env).assert_ok();
    }
    assert!(redis.scripts_run() >= 2, "Redis ran {} scripts", redis.scripts_run());
}

#[test]
fn a_bad_redis_url_is_refused_before_sending_without_its_password() {
    let fixture = Fixture::new();
    let base_url = fixture.sandbox.base_url();
    for args in [
        vec!["orders", "link", "--order-id", "3001", "--redis-url", "redis://:hunter2@[::1:6379"],
        vec!["orders", "link", "--order-id", "3001"],
    ] {
        let env = [
            ("FLXPOINT_BASE_URL", base_url.as_str()),
            ("FLXPOINT_API_TOKEN", TOKEN),
            ("FLXPOINT_REDIS_URL", "rediss://:hunter2@no host/0"),
        ];
        let run = fixture.run_with(&args, None, &env);
        assert_eq!(run.code, 2, "{run:#?}");
        assert!(!run.stderr.contains("hunter2") && !run.stdout.contains("hunter2"), "{run:#?}");
        assert_eq!(fixture.sandbox.request_count(), 0);
    }
}
