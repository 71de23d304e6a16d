//! The bulk-import benchmarks (issue 12), measured in one run:
//!
//! 1. import at the limit: 2,000 shipments through `Journal::run` against the sandbox enforcing
//!    R = 20 requests in any second per token, with k = 1 token (account) and k = 3 tokens
//!    (account + sources 100 and 200, rows routed by `sourceId`); wall time against the ideal
//!    N / (k·R), and the 429 count (target ≤ 1.03× with 0 × 429). Beside it, the naive loop an
//!    integrator would write (one `create_shipment`, then sleep 1/R; the library's limiter off,
//!    default retries) on the same N, R and k = 1. A fresh sandbox per scenario;
//! 2. validation: rows per second of a 1,000,000-row shipments file through the engine (the
//!    full open: SHA-256, every row checked, loaded into a new SQLite journal; and the checking
//!    alone, see [`validation`]) against plain `csv` + serde into a struct, interleaved round by
//!    round in rotating order so machine noise hits every side alike;
//! 3. memory: the peak RSS (`VmHWM`) of opening a 1,000,000-row file against a 10,000-row one,
//!    each in a child process of its own (this binary, re-run with [`CHILD`] set) so the peaks
//!    never mix (target ≤ 1.2×); and of refusing a file whose line 2 opens a quote never closed,
//!    followed by a 200 MB body, against the 10,000-row one (a record is read up to 1 MiB, not
//!    to the end of the file; target ≤ 1.2×);
//! 4. resume: reopening and running a finished 100,000-shipment journal (nothing to send;
//!    target < 5 s);
//! 5. sources: two source tokens, each at the documented 2 requests/second against the strict
//!    sandbox, sharing one import (see [`two_sources`]).
//!
//! `cargo bench -p flxpoint-ext --features import --bench import` prints a Markdown table (the
//! README keeps the last one); a word after `--` runs only the benchmarks whose group
//! (`limit`, `validation`, `memory`, `resume`) contains it, e.g. `-- memory`. Numbers, never assertions of speed: a slow machine must not fail
//! a build. (Correctness is checked: every shipment created, nothing sent on resume.)

use flxpoint_ext::import::{Journal, RunOptions, TokenRouter};
use flxpoint_ext::{Client, FulfillmentRequestRef, ShipmentLine, TokenKind};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use serde::Deserialize;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The server's limit per token (and the clients' rate).
const RATE: f64 = 20.0;

/// Set (to a shipments file) in a child process: open that file into a new journal, print the
/// peak RSS, exit.
const CHILD: &str = "FLXPOINT_IMPORT_BENCH_PEAK_OF";

/// How much to measure: `cargo bench` passes `--bench`; `cargo test --all-targets` runs this
/// binary without it, and then a tiny smoke run only proves the code works.
#[derive(Clone, Copy)]
struct Sizes {
    shipments_at_limit: usize,
    validation_rows: u64,
    validation_rounds: usize,
    memory_rows: (u64, u64),
    /// The body after the unclosed quote, in bytes.
    unclosed_body: u64,
    resume_shipments: u64,
    resume_rounds: usize,
}

const FULL: Sizes = Sizes {
    shipments_at_limit: 2_000,
    validation_rows: 1_000_000,
    validation_rounds: 3,
    memory_rows: (10_000, 1_000_000),
    unclosed_body: 200_000_000,
    resume_shipments: 100_000,
    resume_rounds: 5,
};
const SMOKE: Sizes = Sizes {
    shipments_at_limit: 12,
    validation_rows: 2_000,
    validation_rounds: 1,
    memory_rows: (100, 1_000),
    unclosed_body: 2_000_000,
    resume_shipments: 500,
    resume_rounds: 1,
};

/// One row of the table; `met` is `None` for an informational row.
struct Row {
    name: String,
    ours: String,
    baseline: String,
    ratio: f64,
    target: &'static str,
    met: Option<bool>,
}

fn main() {
    if let Some(input) = std::env::var_os(CHILD) {
        child_peak(Path::new(&input));
        return;
    }
    let sizes = if std::env::args().any(|a| a == "--bench") { FULL } else { SMOKE };
    // A filter, as libtest's: the first argument that is not a flag.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let wanted = |group: &str| filter.as_deref().is_none_or(|f| group.contains(f));
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let mut rows = Vec::new();
    if wanted("limit") {
        rows.extend(runtime.block_on(at_the_limit(dir.path(), sizes)));
    }
    if wanted("sources") {
        rows.push(runtime.block_on(two_sources(dir.path(), sizes)));
    }
    if wanted("validation") {
        rows.extend(validation(dir.path(), sizes));
    }
    if wanted("memory") {
        rows.extend(memory(dir.path(), sizes));
    }
    if wanted("resume") {
        rows.push(runtime.block_on(resume(dir.path(), sizes)));
    }
    if sizes.validation_rows == SMOKE.validation_rows {
        println!("\nsmoke run (tiny sizes): numbers mean nothing; measure with");
        println!("`cargo bench -p flxpoint-ext --features import --bench import`");
    }
    println!("\n| benchmark | flxpoint-ext | baseline | ratio | target | met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        println!(
            "| {} | {} | {} | {:.3} | {} | {met} |",
            r.name, r.ours, r.baseline, r.ratio, r.target
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Import at the limit.

/// A client on `token` against `sandbox`, paced at R with burst 1 (the strict sandbox admits
/// at most R in any second: a burst of 2 would let R + 1 through in the first one), default
/// retries.
fn paced(sandbox: &Sandbox, token: &str, kind: TokenKind) -> Client {
    Client::builder(token)
        .base_url(sandbox.base_url())
        .token_kind(kind)
        .rate_limit(RATE, 1)
        .build()
        .unwrap()
}

/// `n` one-row shipments: a third without `sourceId` (fulfillment request 1388412), a third
/// with `sourceId` 100 (1388412, source 100's), a third with `sourceId` 200 by number
/// (`ORDER_125-1`, fulfillment request 5003).
fn limit_file(path: &Path, n: usize) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "fulfillmentRequestId,purchaseOrderNumber,sourceId,trackingNumber,carrier,sku,quantity"
    )
    .unwrap();
    for i in 0..n {
        match i % 3 {
            0 => writeln!(out, "1388412,,,LIM{i:08},ups,HG12123123,1"),
            1 => writeln!(out, "1388412,,100,LIM{i:08},ups,HG12123123,1"),
            _ => writeln!(out, ",ORDER_125-1,200,LIM{i:08},usps,ZZ-9,1"),
        }
        .unwrap();
    }
}

async fn limited_sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig { rate_per_second: Some(RATE), burst: None, ..Default::default() })
        .await
        .unwrap()
}

/// Two source tokens, no account token, each at the documented 2 requests/second against the
/// sandbox's strict default limit (at most 2 in any second per token): half the rows go with
/// each source's token. Each token keeps its own bucket, so the run should take N / (2 × 2) s,
/// half of what one token would, with 0 × 429. Smoke: 8 shipments.
async fn two_sources(dir: &Path, sizes: Sizes) -> Row {
    let n = if sizes.shipments_at_limit == SMOKE.shipments_at_limit { 8 } else { 60 };
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let source = |id, token| {
        Client::builder(token)
            .base_url(sandbox.base_url())
            .token_kind(TokenKind::Source { source_id: id })
            .build()
            .unwrap()
    };
    let router = TokenRouter::new()
        .source(seed::SOURCE_ID, source(seed::SOURCE_ID, seed::SOURCE_TOKEN))
        .source(seed::OTHER_SOURCE_ID, source(seed::OTHER_SOURCE_ID, seed::OTHER_SOURCE_TOKEN));
    let input = dir.join("two-sources.csv");
    let mut text = String::from(
        "fulfillmentRequestId,purchaseOrderNumber,sourceId,trackingNumber,sku,quantity\n",
    );
    for i in 0..n {
        text.push_str(&match i % 2 {
            0 => format!("1388412,,100,SRC{i:06},HG12123123,1\n"),
            _ => format!(",ORDER_125-1,200,SRC{i:06},ZZ-9,1\n"),
        });
    }
    std::fs::write(&input, text).unwrap();
    let mut journal = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap();
    let started = Instant::now();
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    let took = started.elapsed();
    assert_eq!((summary.created, summary.failed), (n as u64, 0), "{summary:?}");
    let too_many = too_many(&sandbox);
    // Each token's first call leaves at once: (n/2 − 1) intervals of 1/2 s per token.
    let ideal = (n as f64 / 2.0 - 1.0) / 2.0;
    let ratio = took.as_secs_f64() / ideal;
    Row {
        name: format!(
            "two source tokens at their own 2/s: {n} shipments, half each, strict sandbox"
        ),
        ours: format!("{:.2} s, {too_many} × 429", took.as_secs_f64()),
        baseline: format!(
            "ideal (N/2 − 1)/2 = {ideal:.2} s (one token alone: {:.2} s)",
            (n as f64 - 1.0) / 2.0
        ),
        ratio,
        target: "≤ 1.05×, 0 × 429",
        met: Some(ratio <= 1.05 && too_many == 0),
    }
}

fn too_many(sandbox: &Sandbox) -> u64 {
    sandbox.state()["counters"]["tooManyRequests"].as_u64().unwrap()
}

/// One import of the `n`-shipment file with `tokens` tokens (1 or 3) on a fresh sandbox:
/// (wall time of the run, 429s).
async fn import_at_limit(dir: &Path, n: usize, tokens: usize) -> (Duration, u64) {
    let sandbox = limited_sandbox().await;
    let mut router =
        TokenRouter::new().account(paced(&sandbox, seed::ACCOUNT_TOKEN, TokenKind::Account));
    if tokens == 3 {
        for (id, token) in [
            (seed::SOURCE_ID, seed::SOURCE_TOKEN),
            (seed::OTHER_SOURCE_ID, seed::OTHER_SOURCE_TOKEN),
        ] {
            router = router.source(id, paced(&sandbox, token, TokenKind::Source { source_id: id }));
        }
    }
    let input = dir.join(format!("limit-k{tokens}.csv"));
    limit_file(&input, n);
    let mut journal = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap();
    let started = Instant::now();
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    let took = started.elapsed();
    assert_eq!((summary.created, summary.failed), (n as u64, 0), "{summary:?}");
    assert_eq!(sandbox.shipments().len(), n);
    (took, too_many(&sandbox))
}

/// The naive loop: one call, then sleep 1/R; the library's limiter off, retries as default.
async fn naive_loop(n: usize) -> (Duration, u64) {
    let sandbox = limited_sandbox().await;
    let client = Client::builder(seed::ACCOUNT_TOKEN)
        .base_url(sandbox.base_url())
        .token_kind(TokenKind::Account)
        .no_rate_limit()
        .build()
        .unwrap();
    let started = Instant::now();
    for i in 0..n {
        client
            .create_shipment(FulfillmentRequestRef::id(1388412), format!("NAIVE{i:08}"))
            .carrier("ups")
            .line(ShipmentLine::sku("HG12123123", 1))
            .send()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs_f64(1.0 / RATE)).await;
    }
    let took = started.elapsed();
    assert_eq!(sandbox.shipments().len(), n);
    (took, too_many(&sandbox))
}

async fn at_the_limit(dir: &Path, sizes: Sizes) -> Vec<Row> {
    let n = sizes.shipments_at_limit;
    let mut rows = Vec::new();
    let mut one_token = Duration::ZERO;
    for tokens in [1, 3] {
        let (took, too_many) = import_at_limit(dir, n, tokens).await;
        if tokens == 1 {
            one_token = took;
        }
        let ideal = n as f64 / (tokens as f64 * RATE);
        let ratio = took.as_secs_f64() / ideal;
        rows.push(Row {
            name: format!(
                "import at the limit: {n} shipments, k = {tokens} token{}, R = {RATE}/s",
                if tokens == 1 { "" } else { "s" }
            ),
            ours: format!("{:.2} s, {too_many} × 429", took.as_secs_f64()),
            baseline: format!("ideal N/(k·R) = {ideal:.2} s"),
            ratio,
            target: "≤ 1.03×, 0 × 429",
            met: Some(ratio <= 1.03 && too_many == 0),
        });
    }
    let (naive, naive_429) = naive_loop(n).await;
    let ideal = n as f64 / RATE;
    rows.push(Row {
        name: format!("import k = 1 vs naive loop (informational): {n} shipments, R = {RATE}/s"),
        ours: format!("{:.2} s", one_token.as_secs_f64()),
        baseline: format!(
            "naive call + sleep 1/R: {:.2} s ({:.3}× ideal), {naive_429} × 429",
            naive.as_secs_f64(),
            naive.as_secs_f64() / ideal
        ),
        ratio: one_token.as_secs_f64() / naive.as_secs_f64(),
        target: "—",
        met: None,
    });
    rows
}

// ---------------------------------------------------------------------------------------------
// 2. Validation.

/// A valid shipments file of `rows` rows, two per shipment.
fn big_file(path: &Path, rows: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "fulfillmentRequestId,trackingNumber,carrier,shippedAt,sku,quantity").unwrap();
    for i in 0..rows {
        let sku = if i % 2 == 0 { "HG12123123" } else { "AB-100" };
        writeln!(out, "1388412,1Z{:016},ups,2026-04-20T15:30:00Z,{sku},1", i / 2).unwrap();
    }
}

/// The same row, the way an integrator would read it with plain csv + serde.
#[allow(dead_code)] // read only by the decoder
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PlainRow {
    fulfillment_request_id: Option<i64>,
    tracking_number: String,
    carrier: Option<String>,
    shipped_at: Option<chrono::DateTime<chrono::Utc>>,
    sku: Option<String>,
    quantity: i64,
}

/// A router whose only client can never send: none is contacted while opening.
fn offline_router(kind: TokenKind) -> TokenRouter {
    TokenRouter::new().account(
        Client::builder(seed::ACCOUNT_TOKEN)
            .base_url("http://127.0.0.1:9")
            .token_kind(kind)
            .build()
            .unwrap(),
    )
}

/// The full open of `input` into a new journal at `journal` (removed afterwards).
fn time_open(input: &Path, journal: &Path, router: &TokenRouter, rows: u64) -> Duration {
    let started = Instant::now();
    let opened =
        Journal::shipments(input).journal_path(journal).open(router, |p| panic!("{p}")).unwrap();
    let took = started.elapsed();
    assert_eq!(opened.counts().unwrap().total, rows / 2);
    drop(opened);
    remove_journal(journal);
    took
}

/// The checking alone: every row is read, parsed, routed and checked by
/// `CreateShipment::to_request` like a valid one, and refused by its very last rule (a
/// CHANNEL token cannot create shipments), so that nothing reaches SQLite. This adds one
/// `Problem` per row (counted, dropped), so it slightly overstates the checking's cost; it
/// still includes the file's SHA-256 and creating (then removing) the empty journal.
fn time_checks(input: &Path, journal: &Path, router: &TokenRouter, rows: u64) -> Duration {
    let mut problems = 0u64;
    let started = Instant::now();
    let refused = Journal::shipments(input)
        .journal_path(journal)
        .open(router, |p| problems += black_box(p).line.min(1));
    let took = started.elapsed();
    assert!(refused.is_err());
    assert_eq!(problems, rows, "one problem per row");
    remove_journal(journal);
    took
}

fn time_serde(input: &Path, rows: u64) -> Duration {
    let started = Instant::now();
    let mut reader = csv::Reader::from_path(input).unwrap();
    let mut n = 0u64;
    for row in reader.deserialize::<PlainRow>() {
        black_box(row.unwrap());
        n += 1;
    }
    let took = started.elapsed();
    assert_eq!(n, rows);
    took
}

fn remove_journal(journal: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = journal.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
}

fn validation(dir: &Path, sizes: Sizes) -> Vec<Row> {
    let rows = sizes.validation_rows;
    let input = dir.join(format!("s{rows}.csv"));
    big_file(&input, rows);
    let journal = dir.join("validation.journal");
    let valid = offline_router(TokenKind::Account);
    let refusing = offline_router(TokenKind::Channel);
    // [full open, checks alone, csv + serde], interleaved round by round.
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..sizes.validation_rounds {
        for side in (0..3).map(|k| (k + round) % 3) {
            samples[side].push(match side {
                0 => time_open(&input, &journal, &valid, rows),
                1 => time_checks(&input, &journal, &refusing, rows),
                _ => time_serde(&input, rows),
            });
        }
    }
    let [open, checks, serde] =
        samples.map(|mut list| rows as f64 / median(&mut list).as_secs_f64());
    let thousands = |r: f64| format!("{:.0} k rows/s", r / 1e3);
    let baseline = format!("{} (csv + serde into a struct)", thousands(serde));
    vec![
        Row {
            name: format!("validation, full open: {rows} rows (SHA-256 + checks + SQLite load)"),
            ours: thousands(open),
            baseline: baseline.clone(),
            ratio: open / serde,
            target: "—",
            met: None,
        },
        Row {
            name: format!("validation, checks alone: {rows} rows (nothing reaches SQLite)"),
            ours: thousands(checks),
            baseline,
            ratio: checks / serde,
            target: "—",
            met: None,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// 3. Memory.

/// The process's peak RSS in KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// In the child: opens `input` into a new journal beside it, prints the shipments loaded, the
/// problems found (then none are loaded) and the peak RSS.
fn child_peak(input: &Path) {
    let router = offline_router(TokenKind::Account);
    let mut problems = 0u64;
    let opened = Journal::shipments(input).open(&router, |_| problems += 1);
    let total = opened.as_ref().map_or(0, |journal| journal.counts().unwrap().total);
    let peak = peak_kib();
    drop(opened);
    remove_journal(&Journal::default_path(input));
    println!("{total} {problems} {peak}");
}

/// Runs a child on `input`: (shipments loaded, problems found, peak RSS in KiB).
fn peak_of(input: &Path) -> (u64, u64, u64) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(CHILD, input)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let mut words = text.split_whitespace().map(|w| w.parse::<u64>().unwrap());
    (words.next().unwrap(), words.next().unwrap(), words.next().unwrap())
}

/// A shipments file whose line 2 opens a quote that is never closed, then `body` bytes of rows.
fn unclosed_quote_file(path: &Path, body: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "fulfillmentRequestId,trackingNumber,carrier,shippedAt,sku,quantity").unwrap();
    writeln!(out, "1388412,\"1Z-UNCLOSED,ups,2026-04-20T15:30:00Z,HG12123123,1").unwrap();
    let row = "1388412,1Z0000000000000000,ups,2026-04-20T15:30:00Z,HG12123123,1\n";
    for _ in 0..body / row.len() as u64 {
        out.write_all(row.as_bytes()).unwrap();
    }
}

fn memory(dir: &Path, sizes: Sizes) -> Vec<Row> {
    let (small, large) = sizes.memory_rows;
    let mut peaks = Vec::new();
    for rows in [small, large] {
        let input = dir.join(format!("m{rows}.csv"));
        big_file(&input, rows);
        let (total, problems, peak) = peak_of(&input);
        assert_eq!((total, problems), (rows / 2, 0));
        peaks.push(peak);
    }
    let unclosed = dir.join("unclosed.csv");
    unclosed_quote_file(&unclosed, sizes.unclosed_body);
    let (total, problems, unclosed_peak) = peak_of(&unclosed);
    assert_eq!((total, problems), (0, 1), "refused with one problem");
    std::fs::remove_file(&unclosed).unwrap();
    let mib = |kib: u64| format!("{:.1} MiB", kib as f64 / 1024.0);
    let ratio = peaks[1] as f64 / peaks[0] as f64;
    let unclosed_ratio = unclosed_peak as f64 / peaks[0] as f64;
    vec![
        Row {
            name: format!("memory: peak RSS of opening {large} rows vs {small} (a process each)"),
            ours: mib(peaks[1]),
            baseline: mib(peaks[0]),
            ratio,
            target: "≤ 1.2×",
            met: Some(ratio <= 1.2),
        },
        Row {
            name: format!(
                "memory: peak RSS of refusing an unclosed quote on line 2 + {} MB body vs \
                 opening {small} rows",
                sizes.unclosed_body / 1_000_000
            ),
            ours: mib(unclosed_peak),
            baseline: mib(peaks[0]),
            ratio: unclosed_ratio,
            target: "≤ 1.2×",
            met: Some(unclosed_ratio <= 1.2),
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// 4. Resume.

async fn resume(dir: &Path, sizes: Sizes) -> Row {
    let shipments = sizes.resume_shipments;
    let sandbox = Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() })
        .await
        .unwrap();
    let router = TokenRouter::new().account(
        Client::builder(seed::ACCOUNT_TOKEN).base_url(sandbox.base_url()).build().unwrap(),
    );
    let input = dir.join(format!("r{shipments}.csv"));
    big_file(&input, shipments * 2);
    // Loaded, then every shipment marked created as a finished run would have left it.
    drop(Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap());
    let conn = rusqlite::Connection::open(Journal::default_path(&input)).unwrap();
    let marked = conn
        .execute("UPDATE units SET state = 'created', shipment_id = id, attempts = 1", [])
        .unwrap();
    assert_eq!(marked as u64, shipments);
    drop(conn);
    let mut samples = Vec::new();
    for _ in 0..sizes.resume_rounds {
        let started = Instant::now();
        let mut journal = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap();
        let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
        samples.push(started.elapsed());
        assert!(journal.resumed());
        assert_eq!(
            (summary.total, summary.created, summary.finished_this_run),
            (shipments, shipments, 0)
        );
    }
    assert_eq!(sandbox.request_count(), 0, "nothing to send");
    let slowest = *samples.iter().max().unwrap();
    let typical = median(&mut samples);
    Row {
        name: format!("resume: reopen + run a finished {shipments}-shipment journal"),
        ours: format!(
            "{:.1} ms (median of {}, slowest {:.1} ms), 0 requests",
            typical.as_secs_f64() * 1e3,
            sizes.resume_rounds,
            slowest.as_secs_f64() * 1e3
        ),
        baseline: "target 5 s".into(),
        ratio: slowest.as_secs_f64() / 5.0,
        target: "< 5 s",
        met: Some(slowest < Duration::from_secs(5)),
    }
}

fn median(samples: &mut [Duration]) -> Duration {
    samples.sort_unstable();
    samples[samples.len() / 2]
}
