//! `--redis-url` / `--redis-url-file` / `FLXPOINT_REDIS_URL`: the command line takes its
//! rate-limit slots from a real `redis-server` (started here on a free loopback port, without
//! persistence; a missing redis-server fails the test), checks it before sending anything (exit
//! 2 unless `--redis-fallback`), and a Redis URL's password is never taken on the command line
//! nor printed.

mod common;

use common::{Fixture, Run, TOKEN};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` of this test's own; killed when dropped.
struct Redis {
    child: Child,
    port: u16,
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

impl Redis {
    fn start() -> Self {
        Self::spawn(&[])
    }

    /// One that requires `password` of every client.
    fn with_password(password: &str) -> Self {
        Self::spawn(&["--requirepass", password])
    }

    fn spawn(extra: &[&str]) -> Self {
        let port = closed_port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "no"])
            .args(extra)
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
        self.scripts_run_with(None)
    }

    /// [`Redis::scripts_run`] of one started [`Redis::with_password`].
    fn scripts_run_with(&self, password: Option<&str>) -> u64 {
        let mut command = Command::new("redis-cli");
        command.args(["-p", &self.port.to_string()]);
        if let Some(password) = password {
            command.args(["--no-auth-warning", "-a", password]);
        }
        let out = command.args(["INFO", "commandstats"]).output().expect("redis-cli runs");
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

/// Redis's password in every run below; none may print it.
const PASSWORD: &str = "redis-pass-8c1f";
/// A wrong one.
const WRONG: &str = "wrong-pass-53e0";

/// The default environment (the sandbox and the token) and FLXPOINT_REDIS_URL, if given.
fn run_with_redis(fixture: &Fixture, args: &[&str], redis_url: Option<&str>) -> Run {
    let base_url = fixture.sandbox.base_url();
    let mut env = vec![("FLXPOINT_BASE_URL", base_url.as_str()), ("FLXPOINT_API_TOKEN", TOKEN)];
    env.extend(redis_url.map(|url| ("FLXPOINT_REDIS_URL", url)));
    let run = fixture.run_with(args, None, &env);
    for secret in [PASSWORD, WRONG] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "{run:#?}");
    }
    run
}

/// Exit 2 with a `redis` error saying `what`, and nothing sent.
fn assert_refused(run: &Run, fixture: &Fixture, what: &str) {
    assert_eq!(run.code, 2, "{run:#?}");
    assert_eq!(run.error()["error"], "redis", "{run:#?}");
    let message = run.error()["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains(what) && message.contains("--redis-fallback"), "{run:#?}");
    assert_eq!(fixture.sandbox.request_count(), 0, "nothing was sent: {run:#?}");
}

const LINK: [&str; 4] = ["orders", "link", "--order-id", "3001"];

#[test]
fn a_wrong_redis_password_exits_2_before_sending() {
    let redis = Redis::with_password(PASSWORD);
    let fixture = Fixture::new();
    let wrong = format!("redis://:{WRONG}@127.0.0.1:{}", redis.port);
    let run = run_with_redis(&fixture, &LINK, Some(&wrong));
    assert_refused(&run, &fixture, "refused the credentials");
    assert_eq!(redis.scripts_run_with(Some(PASSWORD)), 0);

    let right = format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port);
    run_with_redis(&fixture, &LINK, Some(&right)).assert_ok();
    assert!(redis.scripts_run_with(Some(PASSWORD)) >= 1);
}

#[test]
fn an_unreachable_redis_exits_2_before_sending() {
    let fixture = Fixture::new();
    let url = format!("redis://:{PASSWORD}@127.0.0.1:{}", closed_port());
    let run = run_with_redis(&fixture, &LINK, Some(&url));
    assert_refused(&run, &fixture, "cannot be used");
}

#[test]
fn redis_fallback_goes_on_at_the_fallback_rate_with_a_warning() {
    let redis = Redis::with_password(PASSWORD);
    let fixture = Fixture::new();
    for url in [
        format!("redis://:{PASSWORD}@127.0.0.1:{}", closed_port()),
        format!("redis://:{WRONG}@127.0.0.1:{}", redis.port),
    ] {
        let args = [&LINK[..], &["--redis-fallback"]].concat();
        let run = run_with_redis(&fixture, &args, Some(&url));
        run.assert_ok();
        // flxpoint-ext's own warning, through the CLI's subscriber: one plain line.
        let warning = run.stderr.lines().find(|l| l.trim_start().starts_with("WARN"));
        let warning = warning.unwrap_or_else(|| panic!("no warning: {run:#?}"));
        assert!(warning.contains("locally") && warning.contains("fallback"), "{run:#?}");
        assert!(!warning.contains('\u{1b}'), "no colour codes: {warning:?}");
    }
}

#[test]
fn a_password_on_the_command_line_is_refused_before_sending() {
    let fixture = Fixture::new();
    for url in [
        format!("redis://:{PASSWORD}@127.0.0.1:1"),
        format!("redis://default:{PASSWORD}@127.0.0.1:1/0"),
        "redis://default@127.0.0.1:1".to_owned(),
        format!("unix:///tmp/redis.sock?pass={PASSWORD}"),
    ] {
        let args = [&LINK[..], &["--redis-url", &url]].concat();
        let run = run_with_redis(&fixture, &args, None);
        assert_eq!(run.code, 2, "{run:#?}");
        assert_eq!(run.error()["field"], "--redis-url", "{run:#?}");
        let rule = run.error()["rule"].as_str().unwrap_or_default().to_owned();
        assert!(rule.contains("FLXPOINT_REDIS_URL") && rule.contains("--redis-url-file"), "{rule}");
    }
    assert_eq!(fixture.sandbox.request_count(), 0);
}

#[test]
fn a_url_without_password_on_the_command_line_and_one_in_a_file_are_used() {
    let open = Redis::start();
    let locked = Redis::with_password(PASSWORD);
    let fixture = Fixture::new();
    let url = format!("redis://127.0.0.1:{}", open.port);
    run_with_redis(&fixture, &[&LINK[..], &["--redis-url", &url]].concat(), None).assert_ok();
    assert!(open.scripts_run() >= 1);

    // The file wins over FLXPOINT_REDIS_URL (here unreachable); its content is trimmed.
    let unreachable = format!("redis://127.0.0.1:{}", closed_port());
    let file = common::file(&format!("  redis://:{PASSWORD}@127.0.0.1:{}\n", locked.port));
    let path = file.path().to_str().unwrap();
    let args = [&LINK[..], &["--redis-url-file", path]].concat();
    run_with_redis(&fixture, &args, Some(&unreachable)).assert_ok();
    assert!(locked.scripts_run_with(Some(PASSWORD)) >= 1);

    let wrong = common::file(&format!("redis://:{WRONG}@127.0.0.1:{}", locked.port));
    let args = [&LINK[..], &["--redis-url-file", wrong.path().to_str().unwrap()]].concat();
    let run = run_with_redis(&fixture, &args, None);
    assert_eq!((run.code, run.error()["error"].as_str()), (2, Some("redis")), "{run:#?}");
}

#[test]
fn the_bulk_commands_check_redis_before_sending() {
    let redis = Redis::with_password(PASSWORD);
    let fixture = Fixture::new();
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("shipments.csv");
    std::fs::write(
        &csv,
        "fulfillmentRequestId,trackingNumber,sku,quantity\n1388412,T1,HG12123123,1\n",
    )
    .unwrap();
    let csv = csv.to_str().unwrap();
    let import = ["shipments", "import", csv];

    let wrong = format!("redis://:{WRONG}@127.0.0.1:{}", redis.port);
    let run = run_with_redis(&fixture, &import, Some(&wrong));
    assert_refused(&run, &fixture, "refused the credentials");

    let on_the_line = format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port);
    let run =
        run_with_redis(&fixture, &[&import[..], &["--redis-url", &on_the_line]].concat(), None);
    assert_eq!((run.code, run.error()["field"].as_str()), (2, Some("--redis-url")), "{run:#?}");
    assert_eq!(fixture.sandbox.request_count(), 0);

    // --sandbox with a Redis URL: its embedded sandbox receives nothing either.
    let unreachable = format!("redis://127.0.0.1:{}", closed_port());
    let run = run_with_redis(&fixture, &["shipments", "import", "--sandbox"], Some(&unreachable));
    assert_eq!((run.code, run.error()["error"].as_str()), (2, Some("redis")), "{run:#?}");
    assert!(run.stderr.contains("had received 0 API request(s)"), "{run:#?}");

    let right = format!("redis://:{PASSWORD}@127.0.0.1:{}", redis.port);
    run_with_redis(&fixture, &import, Some(&right)).assert_ok();
    assert!(fixture.sandbox.request_count() >= 1);
}
