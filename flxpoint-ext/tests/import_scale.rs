//! Scale: loading is streaming (the process's peak memory for a 1,000,000-row file stays
//! within 1.2× of a 10,000-row file's), and resuming a finished 100,000-shipment journal takes
//! well under 5 s.
//!
//! One test binary, one test: the peak RSS (`VmHWM`) is per process, so nothing else may run
//! beside it.
#![cfg(feature = "import")]

mod import_support;

use flxpoint_ext::import::{Journal, RunOptions, TokenRouter};
use import_support::*;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// Writes a valid shipments file of `rows` rows (two per shipment).
fn big_file(path: &Path, rows: u64) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(out, "fulfillmentRequestId,trackingNumber,carrier,shippedAt,sku,quantity").unwrap();
    for i in 0..rows {
        let sku = if i % 2 == 0 { "HG12123123" } else { "AB-100" };
        writeln!(out, "1388412,1Z{:016},ups,2026-04-20T15:30:00Z,{sku},1", i / 2).unwrap();
    }
}

/// The process's peak RSS in KiB since the last reset.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

/// Loads `rows` rows into a new journal; returns the peak RSS (KiB) while doing it.
fn load(dir: &Path, router: &TokenRouter, rows: u64) -> u64 {
    let input = dir.join(format!("s{rows}.csv"));
    big_file(&input, rows);
    reset_peak();
    let journal = Journal::shipments(&input).open(router, |p| panic!("{p}")).unwrap();
    let peak = peak_kib();
    assert_eq!(journal.counts().unwrap().total, rows / 2);
    peak
}

#[tokio::test]
async fn loading_is_streaming_and_resuming_a_finished_journal_is_quick() {
    let sandbox = sandbox().await;
    let router = account_router(&sandbox);
    let dir = tempfile::tempdir().unwrap();

    let small = load(dir.path(), &router, 10_000);
    let large = load(dir.path(), &router, 1_000_000);
    eprintln!("peak RSS: 10,000 rows {small} KiB, 1,000,000 rows {large} KiB");
    assert!(
        large as f64 <= small as f64 * 1.2,
        "1,000,000 rows peaked at {large} KiB, 10,000 at {small} KiB"
    );

    // 100,000 shipments, all finished.
    let input = dir.path().join("s200000.csv");
    big_file(&input, 200_000);
    let journal = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap();
    drop(journal);
    set_state(&Journal::default_path(&input), "1", "created");
    let started = Instant::now();
    let mut journal = Journal::shipments(&input).open(&router, |p| panic!("{p}")).unwrap();
    assert!(journal.resumed());
    let summary = journal.run(&router, &RunOptions::new(), |_| {}).await.unwrap();
    let took = started.elapsed();
    eprintln!("resuming a finished 100,000-shipment journal: {took:?}");
    assert_eq!((summary.total, summary.created, summary.finished_this_run), (100_000, 100_000, 0));
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(sandbox.request_count(), 0);
}
