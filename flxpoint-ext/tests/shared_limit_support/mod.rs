//! What the shared-limit tests share: a real `redis-server` of their own, a recording proxy in
//! front of the sandbox, and worker processes (the test binary run again as a worker).

#![allow(dead_code)] // each test binary uses a part

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The environment variable that turns the test binary into a worker.
pub const WORKER_ENV: &str = "FLXPOINT_SHARED_LIMIT_WORKER";

/// A free loopback port (bound, then released: good enough on a test machine).
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

/// `redis-server`, found on PATH or where Debian puts it. Missing is a failure, never a skip.
fn redis_server_binary() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("redis-server")).collect::<Vec<_>>())
        .unwrap_or_default();
    candidates
        .into_iter()
        .chain([PathBuf::from("/usr/bin/redis-server")])
        .find(|p| p.is_file())
        .expect(
            "redis-server is not installed: these tests need a real one \
             (Debian: apt-get install -y redis-server; .ci/run installs it)",
        )
}

/// A `redis-server` on a loopback port, without persistence; killed when dropped.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    password: Option<String>,
    dir: tempfile::TempDir,
}

impl RedisServer {
    pub fn start(password: Option<&str>) -> Self {
        Self::start_on(free_port(), password)
    }

    pub fn start_on(port: u16, password: Option<&str>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut server = Self { child: None, port, password: password.map(str::to_owned), dir };
        server.restart();
        server
    }

    /// Starts it again on the same port (after [`RedisServer::kill`]).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut cmd = Command::new(redis_server_binary());
        cmd.args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(password) = &self.password {
            cmd.args(["--requirepass", password]);
        }
        let child = cmd.spawn().expect("starting redis-server");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops (SIGSTOP) or continues (SIGCONT) the server: a Redis that no longer answers.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id();
        let status = Command::new("kill").args([signal, &pid.to_string()]).status().unwrap();
        assert!(status.success());
    }

    pub fn url(&self) -> String {
        match &self.password {
            Some(p) => format!("redis://:{p}@127.0.0.1:{}/", self.port),
            None => format!("redis://127.0.0.1:{}/", self.port),
        }
    }

    /// One command through `redis-cli`-free plain RESP: the tests' look into Redis.
    pub fn command(&self, args: &[&str]) -> String {
        use std::io::{Read, Write};
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut all: Vec<Vec<&str>> = Vec::new();
        if let Some(p) = &self.password {
            all.push(vec!["AUTH", p]);
        }
        all.push(args.to_vec());
        let mut out = String::new();
        for cmd in &all {
            let mut wire = format!("*{}\r\n", cmd.len());
            for a in cmd {
                wire += &format!("${}\r\n{a}\r\n", a.len());
            }
            stream.write_all(wire.as_bytes()).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            let mut buf = [0u8; 65536];
            let n = stream.read(&mut buf).unwrap();
            out = String::from_utf8_lossy(&buf[..n]).into_owned();
        }
        out
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A stopped server would ignore SIGKILL's reaping until continued.
            let _ = Command::new("kill").args(["-CONT", &child.id().to_string()]).status();
        }
        self.kill();
    }
}

/// One request the proxy saw: when it arrived, and the status the sandbox answered.
#[derive(Clone, Copy, Debug)]
pub struct Arrival {
    pub at: Instant,
    pub status: u16,
}

/// An HTTP proxy in front of the sandbox that records every arrival (time and status).
pub struct Proxy {
    pub base_url: String,
    pub arrivals: Arc<Mutex<Vec<Arrival>>>,
}

impl Proxy {
    pub async fn start(upstream: String) -> Proxy {
        let arrivals: Arc<Mutex<Vec<Arrival>>> = Arc::default();
        let http = reqwest::Client::builder().build().unwrap();
        let seen = arrivals.clone();
        let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let (http, seen, upstream) = (http.clone(), seen.clone(), upstream.clone());
            async move {
                let at = Instant::now();
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20).await.unwrap_or_default();
                let path = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let mut headers = parts.headers.clone();
                headers.remove("host");
                headers.remove("content-length");
                let answer = http
                    .request(parts.method.clone(), format!("{upstream}{path}"))
                    .headers(headers)
                    .body(body)
                    .send()
                    .await;
                let response = match answer {
                    Ok(answer) => {
                        let status = answer.status();
                        let headers = answer.headers().clone();
                        let bytes = answer.bytes().await.unwrap_or_default();
                        let mut response =
                            axum::response::Response::new(axum::body::Body::from(bytes));
                        *response.status_mut() = status;
                        *response.headers_mut() = headers;
                        response
                    }
                    Err(_) => {
                        let mut response = axum::response::Response::new(axum::body::Body::empty());
                        *response.status_mut() = http::StatusCode::BAD_GATEWAY;
                        response
                    }
                };
                seen.lock().unwrap().push(Arrival { at, status: response.status().as_u16() });
                response
            }
        });
        let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Proxy { base_url: format!("http://{addr}"), arrivals }
    }

    pub fn arrivals(&self) -> Vec<Arrival> {
        let mut all = self.arrivals.lock().unwrap().clone();
        all.sort_by_key(|a| a.at);
        all
    }
}

/// The most arrivals in any window of `window` (arrivals sorted by time).
pub fn most_in_any_window(arrivals: &[Instant], window: Duration) -> usize {
    let mut most = 0;
    let mut start = 0;
    for end in 0..arrivals.len() {
        while arrivals[end] - arrivals[start] >= window {
            start += 1;
        }
        most = most.max(end - start + 1);
    }
    most
}

/// Arrivals per second from the first to the last ((n - 1) / span).
pub fn rate(arrivals: &[Instant]) -> f64 {
    match (arrivals.first(), arrivals.last()) {
        (Some(first), Some(last)) if arrivals.len() > 1 => {
            (arrivals.len() - 1) as f64 / (*last - *first).as_secs_f64()
        }
        _ => 0.0,
    }
}

/// A worker's settings, passed in [`WORKER_ENV`] as `key=value;…`.
pub fn worker_settings(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(";")
}

pub fn parse_settings(text: &str) -> HashMap<String, String> {
    text.split(';')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Starts this test binary again as a worker running `entry` (a test name).
pub fn spawn_worker(entry: &str, settings: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", entry, "--nocapture", "--test-threads=1"])
        .env(WORKER_ENV, settings)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting a worker process")
}

/// What a worker printed and how it ended, waited for at most `limit`.
pub struct WorkerOutput {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl WorkerOutput {
    /// The `RESULT k=v …` line's values.
    pub fn result(&self) -> HashMap<String, f64> {
        let line = self
            .stdout
            .lines()
            .find_map(|l| l.split_once("RESULT ").map(|(_, r)| r))
            .unwrap_or_else(|| panic!("no RESULT line in {}\n{}", self.stdout, self.stderr));
        line.split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.parse().unwrap()))
            .collect()
    }
}

/// Waits for the worker (killing it past `limit`, which fails the test).
pub fn wait_worker(mut child: Child, limit: Duration) -> WorkerOutput {
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let read = |r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            BufReader::new(r).lines().map_while(Result::ok).collect::<Vec<_>>().join("\n")
        })
    };
    let (out, err) = (read(Box::new(stdout)), read(Box::new(stderr)));
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a worker hung past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    WorkerOutput {
        success: status.success(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

/// The worker's body: when [`WORKER_ENV`] is set, runs calls with one token through a shared
/// limit for the given time and prints `RESULT …`; otherwise (a normal test run) nothing.
///
/// Settings: `base`, `redis`, `seconds`, `rate`, `burst`, `tasks`, `retry` (`none` or
/// `default`), `deadline_ms`, `id`.
pub fn worker_main() {
    let Ok(settings) = std::env::var(WORKER_ENV) else { return };
    let s = parse_settings(&settings);
    let get = |k: &str| s.get(k).unwrap_or_else(|| panic!("worker setting {k}")).clone();
    let num = |k: &str| get(k).parse::<f64>().unwrap();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .with_ansi(false)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let mut builder =
            flxpoint_ext::Client::builder(flxpoint_sandbox::sandbox::seed::ACCOUNT_TOKEN)
                .base_url(get("base"))
                .rate_limit(num("rate"), num("burst") as u32)
                .shared_rate_limit(get("redis"))
                .deadline(Duration::from_millis(num("deadline_ms") as u64));
        if get("retry") == "none" {
            builder = builder.retry(flxpoint_ext::RetryPolicy::none());
        }
        let client = builder.build().unwrap();
        let begun = Instant::now();
        let stop = begun + Duration::from_secs_f64(num("seconds"));
        let id = num("id") as i64;
        let mut tasks = Vec::new();
        for task in 0..num("tasks") as i64 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                // (calls, answered, rate_limited, timeouts, other, longest call)
                let mut tally = (0u64, 0u64, 0u64, 0u64, 0u64, Duration::ZERO);
                while Instant::now() < stop {
                    let started = Instant::now();
                    let outcome = client
                        .fail_fulfillment_request(999_000 + id * 100 + task, "shared limit")
                        .send()
                        .await;
                    tally.0 += 1;
                    tally.5 = tally.5.max(started.elapsed());
                    if started.elapsed() > Duration::from_secs(3) {
                        eprintln!(
                            "SLOW worker {id} task {task}: started at +{:.2} s, took {:.2} s: {:?}",
                            (started - begun).as_secs_f64(),
                            started.elapsed().as_secs_f64(),
                            outcome.as_ref().map(|_| ()).map_err(|e| e.to_string())
                        );
                    }
                    match outcome {
                        Ok(_) => tally.1 += 1,
                        Err(flxpoint_ext::Error::RateLimited { .. }) => tally.2 += 1,
                        Err(e) if e.status().is_some() => tally.1 += 1,
                        Err(flxpoint_ext::Error::Timeout { .. }) => tally.3 += 1,
                        Err(e) => {
                            eprintln!("worker {id}: {e}");
                            tally.4 += 1
                        }
                    }
                }
                tally
            }));
        }
        let mut total = (0u64, 0u64, 0u64, 0u64, 0u64, Duration::ZERO);
        for task in tasks {
            let t = task.await.unwrap();
            total = (
                total.0 + t.0,
                total.1 + t.1,
                total.2 + t.2,
                total.3 + t.3,
                total.4 + t.4,
                total.5.max(t.5),
            );
        }
        println!(
            "RESULT calls={} answered={} rate_limited={} timeouts={} other={} max_call_ms={}",
            total.0,
            total.1,
            total.2,
            total.3,
            total.4,
            total.5.as_millis()
        );
    });
}
