//! Crash safety, end to end: `flxpoint sandbox` runs as its own OS process; `flxpoint
//! shipments import` of a few hundred shipments is killed with SIGKILL at random moments, with
//! random faults injected into the sandbox between runs (503 before the server acts, 503 after
//! it acted, dropped connections, latency), then run to completion. Every shipment of the file
//! must exist exactly once in the sandbox, with its items, and the report must account for each
//! one (created with the id the sandbox gave it, or already existing after a lost answer).
//!
//! The sandbox refuses a repeated tracking number, so "exactly once" alone would hold even
//! for an importer that re-sent everything on resume. So the sandbox also counts every create
//! it receives per tracking number, refused ones included, and the test bounds the repeats by
//! what the journal admits re-sending (the shipments left in flight by each kill) and the
//! faults that can make the client itself repeat a call; a kill counts only when it hit calls
//! in flight (the next run says how many); and every shipment must end created or, with
//! evidence, already existing (never failed).
//!
//! The random choices come from one seed, printed (and taken from `CRASH_SEED` to replay).

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = flxpoint_sandbox::sandbox::seed::ACCOUNT_TOKEN;
/// Shipments in the file.
const SHIPMENTS: usize = 320;
/// Kills at least (that hit calls in flight).
const KILLS: usize = 5;
/// Calls in flight at once (`--concurrency`): no kill can leave more in flight.
const CONCURRENCY: u64 = 4;

/// A child process killed when dropped (the sandbox, on any test failure too).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `flxpoint sandbox --port 0 --rate 20` as its own process; its URL.
fn start_sandbox() -> (Killed, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flxpoint"))
        .args(["sandbox", "--port", "0", "--rate", "20"])
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("flxpoint sandbox starts");
    let stdout = child.stdout.take().unwrap();
    let guard = Killed(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");
    (guard, url.to_owned())
}

/// The admin API of the sandbox process.
struct Admin {
    url: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Admin {
    fn state(&self) -> Value {
        self.runtime.block_on(async {
            let response = self.http.get(format!("{}/_sandbox/state", self.url)).send().await;
            response.unwrap().json().await.unwrap()
        })
    }

    fn inject(&self, faults: &Value) {
        self.runtime.block_on(async {
            let response = self
                .http
                .post(format!("{}/_sandbox/faults", self.url))
                .json(faults)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 204, "{faults}");
        });
    }

    fn clear_faults(&self) {
        self.runtime.block_on(async {
            let url = format!("{}/_sandbox/faults", self.url);
            assert_eq!(self.http.delete(url).send().await.unwrap().status(), 204);
        });
    }
}

/// The file: `SHIPMENTS` shipments on fulfillment request 1388412, every fifth of two items;
/// the expected shipments as tracking number → SKUs.
fn shipments_file(dir: &Path, tag: &str) -> (String, BTreeMap<String, Vec<String>>) {
    let mut text = String::from("fulfillmentRequestId,trackingNumber,carrier,sku,quantity\n");
    let mut expected = BTreeMap::new();
    for i in 0..SHIPMENTS {
        let tracking = format!("1Z{tag}{i:05}");
        let mut skus = vec!["HG12123123".to_owned()];
        if i % 5 == 0 {
            skus.push("AB-100".to_owned());
        }
        for sku in &skus {
            text.push_str(&format!("1388412,{tracking},ups,{sku},1\n"));
        }
        expected.insert(tracking, skus);
    }
    let path = dir.join("shipments.csv");
    std::fs::write(&path, text).unwrap();
    (path.to_str().unwrap().to_owned(), expected)
}

/// Random faults for the next run, on `/shipments` only.
fn random_faults(rng: &mut fastrand::Rng, tally: &mut BTreeMap<&'static str, u32>) -> Value {
    let mut faults = Vec::new();
    for _ in 0..rng.usize(1..=3) {
        let (kind, fault) = match rng.u8(0..4) {
            0 => ("503 before commit", json!({"kind": "status", "status": 503})),
            1 => ("503 after commit", json!({"kind": "status", "status": 503, "after": true})),
            2 => ("dropped connection", json!({"kind": "drop"})),
            _ => ("latency", json!({"kind": "latency", "ms": rng.u64(200..=1500)})),
        };
        let mut fault = fault;
        fault["path"] = "/shipments".into();
        *tally.entry(kind).or_default() += 1;
        faults.push(fault);
    }
    Value::Array(faults)
}

/// `flxpoint shipments import FILE --rate 20 --report REPORT` with the account token.
fn import(url: &str, file: &str, report: &str, log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_flxpoint"))
        .args(["shipments", "import", file, "--rate", "20", "--report", report])
        .args(["--concurrency", &CONCURRENCY.to_string()])
        .env_clear()
        .env("FLXPOINT_BASE_URL", url)
        .env("FLXPOINT_API_TOKEN", TOKEN)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("flxpoint starts")
}

/// The number in the resume note: "…, N in flight when it stopped".
fn resent_in_flight(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| {
            let before = l.strip_suffix(" in flight when it stopped (sent again)")?;
            before.rsplit(' ').next()?.parse().ok()
        })
        .unwrap_or(0)
}

#[test]
fn killed_at_random_with_faults_it_resumes_and_creates_every_shipment_exactly_once() {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| fastrand::u64(..));
    println!("CRASH_SEED={seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let started = Instant::now();

    let (_sandbox, url) = start_sandbox();
    let admin = Admin {
        url: url.clone(),
        http: reqwest::Client::new(),
        runtime: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
    };
    let dir = tempfile::tempdir().unwrap();
    let (file, expected) = shipments_file(dir.path(), &format!("{:04}", seed % 10_000));
    let report = dir.path().join("r.csv");
    let report = report.to_str().unwrap().to_owned();

    let mut faults = BTreeMap::new();
    let (mut kills, mut runs, mut resent, mut finished_early) = (0usize, 0usize, 0u64, 0usize);
    // Kills that hit calls in flight, as the run after each says.
    let (mut kills_in_flight, mut last_was_kill) = (0usize, false);
    while kills_in_flight < KILLS {
        assert!(
            runs < KILLS * 6,
            "after {runs} runs only {kills_in_flight} kills hit calls in flight: the journal \
             never showed calls in flight, or the import kept finishing before the kill"
        );
        admin.inject(&random_faults(&mut rng, &mut faults));
        let log = dir.path().join(format!("run{runs}.log"));
        let mut child = import(&url, &file, &report, &log);
        runs += 1;
        // 0.3 to 2.5 s: from before the first request to well into the run.
        std::thread::sleep(Duration::from_millis(rng.u64(300..=2500)));
        let exited = child.try_wait().unwrap();
        if exited.is_none() {
            child.kill().unwrap(); // SIGKILL on Unix
            let status = child.wait().unwrap();
            assert!(status.code().is_none(), "killed, not exited: {status:?}");
            kills += 1;
        } else {
            finished_early += 1;
        }
        let stderr = std::fs::read_to_string(&log).unwrap();
        assert!(!stderr.contains(TOKEN), "{stderr}");
        let in_flight = resent_in_flight(&stderr);
        // An importer that commits outcomes late leaves everything it sent in flight.
        assert!(in_flight <= CONCURRENCY, "run {runs}: {in_flight} in flight after one kill");
        resent += in_flight;
        kills_in_flight += usize::from(last_was_kill && in_flight > 0);
        last_was_kill = exited.is_none();
        // Faults not consumed by this run are dropped, so that the next gets its own; a pause
        // lets the sandbox's rate-limit window (1 s) empty, as a restart after a crash would.
        admin.clear_faults();
        std::thread::sleep(Duration::from_millis(rng.u64(1100..=1500)));
        let done = admin.state()["shipments"].as_array().unwrap().len();
        println!("run {runs}: killed={} shipments in the sandbox: {done}", exited.is_none());
    }

    // To the end, without faults.
    let log = dir.path().join("final.log");
    let child = import(&url, &file, &report, &log);
    let output = child.wait_with_output().unwrap();
    let stderr = std::fs::read_to_string(&log).unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let in_flight = resent_in_flight(&stderr);
    assert!(in_flight <= CONCURRENCY, "final run: {in_flight} in flight after one kill");
    resent += in_flight;
    kills_in_flight += usize::from(last_was_kill && in_flight > 0);
    let state = admin.state();
    // First, before the outcomes: what the server received against what the journal admits.
    // Every create the sandbox received, refused ones included: one per shipment, plus at most
    // one per shipment the journal says it re-sent after a kill, plus one per fault after
    // which the client may repeat a call the server had received (503 after acting, a dropped
    // connection).
    let received = &state["traffic"]["createsReceived"];
    let (mut repeats, mut repeated) = (0, BTreeMap::new());
    for tracking in expected.keys() {
        let n = received[tracking].as_u64().unwrap_or(0);
        assert!(n >= 1, "{tracking} was never received");
        repeats += n - 1;
        if n > 1 {
            repeated.insert(tracking.clone(), n);
        }
    }
    let client_repeats = u64::from(
        faults.get("503 after commit").copied().unwrap_or(0)
            + faults.get("dropped connection").copied().unwrap_or(0),
    );
    assert!(
        repeats <= resent + client_repeats,
        "{repeats} repeated creates, but the journal re-sent {resent} and faults allow \
         {client_repeats} more: {repeated:?}"
    );
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(!stderr.contains(TOKEN) && !stdout.contains(TOKEN));
    assert!(kills_in_flight >= KILLS, "{kills_in_flight} kills hit calls in flight");
    let summary: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(summary["total"], SHIPMENTS, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    assert_eq!(summary["notDone"], 0, "{summary}");

    // The sandbox: every shipment of the file exactly once, with its items, nothing else.
    let shipments = state["shipments"].as_array().unwrap();
    let mut ids: BTreeMap<String, i64> = BTreeMap::new();
    for s in shipments {
        assert_eq!(s["fulfillmentRequestId"], 1388412, "{s}");
        let tracking = s["trackingNumber"].as_str().unwrap().to_owned();
        let skus: Vec<String> = s["shipmentItems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                assert_eq!(i["quantity"], 1, "{s}");
                i["sku"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(expected.get(&tracking), Some(&skus), "unexpected shipment or items: {s}");
        let earlier = ids.insert(tracking.clone(), s["id"].as_i64().unwrap());
        assert!(earlier.is_none(), "{tracking} was created twice");
    }
    assert_eq!(ids.len(), SHIPMENTS, "every shipment of the file exists");

    // The report: created (with the sandbox's id) or already existing, for every shipment.
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(!text.contains(TOKEN));
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("line,fulfillmentRequest,trackingNumber,outcome,shipmentId,error")
    );
    let (mut created, mut existing, mut reported) = (0, 0, BTreeSet::new());
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), 6, "{line}");
        assert_eq!(cells[1], "1388412", "{line}");
        let tracking = cells[2];
        assert!(reported.insert(tracking.to_owned()), "reported twice: {line}");
        match cells[3] {
            "created" => {
                created += 1;
                assert_eq!(cells[4].parse::<i64>().ok(), ids.get(tracking).copied(), "{line}");
            }
            "already_exists" => {
                existing += 1;
                if !cells[4].is_empty() {
                    assert_eq!(cells[4].parse::<i64>().ok(), ids.get(tracking).copied(), "{line}");
                }
            }
            other => panic!("outcome {other}: {line}"),
        }
    }
    assert_eq!(reported.len(), SHIPMENTS);
    assert_eq!(reported, expected.keys().cloned().collect::<BTreeSet<_>>());
    let journal = std::fs::read(format!("{file}.journal")).unwrap();
    assert!(
        !journal.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
        "no token in the journal"
    );

    println!(
        "seed {seed}: {SHIPMENTS} shipments, {runs} interrupted runs ({kills} SIGKILLs, \
         {finished_early} finished before the kill) + 1 final; faults injected: {faults:?}; \
         in-flight shipments re-sent on resume: {resent} ({kills_in_flight} kills hit calls in \
         flight); repeated creates received: {repeats}; report: {created} created, {existing} \
         already existing; final run {} s; total {:.1} s",
        summary["seconds"],
        started.elapsed().as_secs_f64()
    );
}
