//! Sandbox vs spec: schemathesis (pinned in `xtask/tools/requirements.txt`) generates requests
//! from `openapi/openapi.yaml` — examples, coverage, fuzzing and stateful phases — and sends them
//! to the sandbox. Every response must have a documented status, content type, headers and a
//! body matching the documented schema; no 5xx; schema-violating requests must be refused.
//!
//! Excluded check, with its reason: `positive_data_acceptance`. The pages' prose rules (exactly
//! one `orders/link` parameter, `sourceId` with a purchase-order number under an account token,
//! a non-empty `syncError`, item ids that belong to the request) cannot be written in OpenAPI
//! 3.0, so a schema-valid request may rightly be refused with 400.
//!
//! Refusals alone would prove little: the runs must also reach every operation's success path,
//! so that success responses are checked against the spec too. The dictionaries in
//! `tests/contract/schemathesis.toml` steer generated values towards the prose rules, the spec's
//! link chains createShipment 201 → flagShipmentsWithErrors in the stateful phase, and the
//! sandbox starts from [`contract_seed`] (the documented seed plus records that can each succeed
//! once). One sandbox serves three schemathesis runs, its state carrying over: the stateful phase
//! with two seeds, then the examples, coverage and fuzzing phases. Afterwards its state must show
//! at least [`MIN_SUCCESSES`] successes of each operation: shipments stored (201), shipments
//! holding a `syncError` (200), fulfillment requests with accounting fields set (204),
//! fulfillment requests failed in processing (204) and order items linked (200). These are
//! counted from what the sandbox holds (distinct records, so repeats do not count), not from
//! schemathesis' output; the responses per status from its HAR reports are printed beside them.
//!
//! schemathesis is installed by `cargo xtask tools` (run by `cargo xtask ci`); without it this
//! test fails, it never skips.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use flxpoint_sandbox::sandbox::seed::{
    FulfillmentRequest, FulfillmentRequestItem, Order, OrderItem, SOURCE_ID, STATUS_PROCESSED,
    STATUS_PROCESSING, STATUS_PROCESSING_ERROR,
};
use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, Seed, seed};
use serde_json::Value;

/// Successes of each operation the run must reach (counted from the sandbox's state).
const MIN_SUCCESSES: usize = 5;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The documented seed plus, for this test only, fulfillment requests 6001–6008 (Processing and
/// Processed by turns, source 100, one item 9101–9108 each) and orders 3101–3108 (one unmanaged
/// item 4101–4108 each): processing-failed succeeds once per request and a link once per item, so
/// the two seeded requests and two unmanaged items could never show five successes.
/// `tests/contract/schemathesis.toml` lists these ids in its dictionaries.
fn contract_seed() -> Seed {
    let mut seed = Seed::default();
    for n in 0..8 {
        let status = if n % 2 == 0 { STATUS_PROCESSING } else { STATUS_PROCESSED };
        seed.fulfillment_requests.push(FulfillmentRequest {
            id: 6001 + n,
            number: format!("ORDER_{}-1", 201 + n),
            source_id: SOURCE_ID,
            order_id: 3101 + n,
            processing_status: status.to_owned(),
            processing_error: None,
            accounting_synced: None,
            external_accounting_id: None,
            accounting_error: None,
            items: vec![FulfillmentRequestItem {
                id: 9101 + n,
                sku: format!("CT-{}", 101 + n),
                quantity: 2,
                order_item_id: 7101 + n,
                source_variant_id: 8101 + n,
                external_accounting_item_id: None,
            }],
        });
        seed.orders
            .push(Order { id: 3101 + n, items: vec![OrderItem { id: 4101 + n, linked: false }] });
    }
    seed
}

/// Successes of each operation, read from a state dump (`GET /_sandbox/state`) of a sandbox that
/// started from `seed` and had no faults injected.
fn successes(state: &Value, seed: &Seed) -> BTreeMap<&'static str, usize> {
    let list = |key: &str| -> &Vec<Value> {
        state[key].as_array().unwrap_or_else(|| panic!("no {key:?} array in the state: {state}"))
    };
    let shipments = list("shipments");
    let requests = list("fulfillmentRequests");
    let set = |value: &Value| !value.is_null();
    let accounting = requests.iter().filter(|request| {
        set(&request["accountingSynced"])
            || set(&request["externalAccountingId"])
            || set(&request["accountingError"])
            || request["items"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|item| set(&item["externalAccountingItemId"]))
    });
    let failed = requests.iter().filter(|request| {
        request["processingStatus"] == STATUS_PROCESSING_ERROR
            && request["processingError"].as_str().is_some_and(|error| !error.is_empty())
    });
    let unmanaged_at_start: Vec<i64> = seed
        .orders
        .iter()
        .flat_map(|order| &order.items)
        .filter(|item| !item.linked)
        .map(|item| item.id)
        .collect();
    let linked = list("orders")
        .iter()
        .flat_map(|order| order["items"].as_array().into_iter().flatten())
        .filter(|item| {
            item["linked"] == true
                && item["id"].as_i64().is_some_and(|id| unmanaged_at_start.contains(&id))
        });
    BTreeMap::from([
        ("createShipment (201: shipments stored)", shipments.len()),
        (
            "flagShipmentsWithErrors (200: shipments with a syncError)",
            shipments
                .iter()
                .filter(|s| s["syncError"].as_str().is_some_and(|e| !e.is_empty()))
                .count(),
        ),
        (
            "syncFulfillmentRequestAccounting (204: requests with accounting set)",
            accounting.count(),
        ),
        ("failFulfillmentRequest (204: requests failed in processing)", failed.count()),
        ("linkUnmanagedOrders (200: unmanaged items linked)", linked.count()),
    ])
}

/// `N` in schemathesis' summary line `N generated, N passed, …`.
fn count(summary: &str, label: &str) -> u64 {
    summary
        .split(',')
        .find_map(|part| part.trim().strip_suffix(label)?.trim().parse().ok())
        .unwrap_or(0)
}

/// Responses per `METHOD path → status` in schemathesis' HAR report (for the test's output and
/// failure messages; the assertions read the sandbox's state).
fn statuses(har: &Value) -> BTreeMap<String, BTreeMap<u64, usize>> {
    let mut table: BTreeMap<String, BTreeMap<u64, usize>> = BTreeMap::new();
    for entry in har["log"]["entries"].as_array().into_iter().flatten() {
        let method = entry["request"]["method"].as_str().unwrap_or("?");
        let url = entry["request"]["url"].as_str().unwrap_or("?");
        let path = url.split_once("://").map_or(url, |(_, rest)| rest);
        let path = path.find('/').map_or("/", |at| &path[at..]);
        let path = path.split('?').next().unwrap_or(path);
        let operation = if path.starts_with("/fulfillment-requests/") {
            path.rsplit_once('/')
                .map_or(path.to_owned(), |(_, tail)| format!("/fulfillment-requests/{{id}}/{tail}"))
        } else {
            path.to_owned()
        };
        let status = entry["response"]["status"].as_u64().unwrap_or(0);
        *table.entry(format!("{method} {operation}")).or_default().entry(status).or_default() += 1;
    }
    table
}

/// The five documented operations as `METHOD path` (the HAR table's keys).
const OPERATIONS: [&str; 5] = [
    "POST /shipments",
    "PUT /shipments/flag-with-errors",
    "PATCH /fulfillment-requests/{id}/accounting-sync",
    "PATCH /fulfillment-requests/{id}/processing-failed",
    "PATCH /orders/link",
];

/// `cargo xtask tools` installs the venv as `xtask-venv` in the target directory. Found beside
/// `CARGO_TARGET_TMPDIR` (`<target dir>/tmp`, compiled in by cargo for the target directory this
/// test was built in), so it follows `CARGO_TARGET_DIR` and `build.target-dir` as xtask does,
/// with no variable to pass when the test is run by hand.
fn venv_bin(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR is inside the target directory")
        .join("xtask-venv/bin")
        .join(name)
}

/// This process's directory for schemathesis' files (several test processes may share a
/// target directory); removed after a passing run, kept after a failing one.
fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("schemathesis")
        .join(format!("run-{}", std::process::id()))
}

/// One schemathesis run against `base_url` with the given `--phases`; its output and HAR report
/// go to `work_dir()/<name>/`. Returns the output and the response table.
fn schemathesis(
    base_url: &str,
    phases: &str,
    seed: &str,
    name: &str,
) -> (String, BTreeMap<String, BTreeMap<u64, usize>>) {
    let bin = venv_bin("schemathesis");
    assert!(bin.exists(), "{} is missing: run `cargo xtask tools` (CI does)", bin.display());
    let work = work_dir().join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let output = Command::new(bin)
        .arg("--config-file")
        .arg(root().join("tests/contract/schemathesis.toml"))
        .arg("run")
        .arg(root().join("openapi/openapi.yaml"))
        .args(["--url", base_url, "--phases", phases])
        .args(["--header", &format!("X-API-TOKEN: {}", seed::ACCOUNT_TOKEN)])
        .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", "50", "--seed", seed, "--workers", "1"])
        .args(["--generation-database", "none", "--no-color"])
        .args(["--report", "har", "--report-dir"])
        .arg(&work)
        .current_dir(&work)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    std::fs::write(work.join("output.txt"), &stdout).unwrap();
    assert!(
        output.status.success(),
        "schemathesis ({phases}) found failures ({}; files in {}):\n{stdout}\n{}",
        output.status,
        work.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let har = std::fs::read_dir(&work)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "json"))
        .unwrap_or_else(|| panic!("no HAR report in {}", work.display()));
    let har: Value = serde_json::from_slice(&std::fs::read(&har).unwrap()).unwrap();
    (stdout, statuses(&har))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_conforms_to_the_spec_under_schemathesis() {
    let seed = contract_seed();
    // The rate limit has its own tests; here it would only turn most requests into 429s.
    let sandbox = Sandbox::start(SandboxConfig {
        rate_per_second: None,
        seed: seed.clone(),
        ..Default::default()
    })
    .await
    .expect("sandbox starts");
    let url = sandbox.base_url();
    // Three runs against one sandbox whose state carries over. The stateful phase runs first, on
    // the fresh seed: after the fuzzing phase, the tracking numbers it used would turn most of
    // its creates into 409s, leaving its link nothing to follow. It runs twice, with two seeds:
    // how many of its creates succeed (and so how many shipments its link flags) varies a lot
    // from one seed to another (5 to 17 flagged shipments per run, measured over eight seeds).
    let runs = tokio::task::spawn_blocking(move || {
        [
            ("stateful", "20261123", "stateful-1"),
            ("stateful", "20261124", "stateful-2"),
            ("examples,coverage,fuzzing", "20261123", "unit"),
        ]
        .map(|(phases, seed, name)| schemathesis(&url, phases, seed, name))
    })
    .await
    .unwrap();

    let mut generated = 0;
    let mut responses: BTreeMap<String, BTreeMap<u64, usize>> = BTreeMap::new();
    for (stdout, statuses) in &runs {
        let summary = stdout
            .lines()
            .find(|line| line.contains(" generated,"))
            .unwrap_or_else(|| panic!("no test-case summary in:\n{stdout}"));
        println!("schemathesis: {}", summary.trim());
        for line in stdout.lines().filter(|l| l.contains("API Links:") || l.contains("Scenarios:"))
        {
            println!("  {}", line.trim());
        }
        generated += count(summary, "generated");
        for (operation, by_status) in statuses {
            for (status, n) in by_status {
                *responses.entry(operation.clone()).or_default().entry(*status).or_default() += n;
            }
        }
    }
    println!("{} requests reached the sandbox", sandbox.request_count());
    assert!(generated >= 500, "too few test cases for a contract test: {generated}");
    // Every phase ran and passed (a skipped phase is printed with another mark).
    for phase in ["Stateful", "Examples", "Coverage", "Fuzzing"] {
        assert!(
            runs.iter()
                .any(|(stdout, _)| stdout.lines().any(|l| l.trim() == format!("✅ {phase}"))),
            "phase {phase} did not run and pass:\n{}",
            runs.iter().map(|(stdout, _)| stdout.as_str()).collect::<Vec<_>>().join("\n")
        );
    }
    let responses: BTreeMap<_, _> = responses
        .into_iter()
        .filter(|(operation, _)| OPERATIONS.contains(&operation.as_str()))
        .collect();
    for (operation, by_status) in &responses {
        println!("  {operation}: {by_status:?}");
    }

    // Each operation's success path was reached, as the sandbox's state shows.
    let successes = successes(&sandbox.state(), &seed);
    for (operation, n) in &successes {
        println!("  {operation}: {n}");
    }
    for (operation, &n) in &successes {
        assert!(
            n >= MIN_SUCCESSES,
            "{operation}: {n} < {MIN_SUCCESSES}; all: {successes:#?}\nresponses: {responses:#?}\n\
             schemathesis' output and HAR reports: {}",
            work_dir().display()
        );
    }
    sandbox.shutdown().await;
    let _ = std::fs::remove_dir_all(work_dir());
}

#[test]
fn summary_counts_are_read_from_schemathesis_output() {
    let line = "  1238 generated, 1230 passed, 8 skipped";
    assert_eq!(count(line, "generated"), 1238);
    assert_eq!(count(line, "passed"), 1230);
    assert_eq!(count(line, "failed"), 0);
}

#[test]
fn the_seed_alone_shows_no_success() {
    let sandbox_seed = contract_seed();
    let state = serde_json::json!({
        "shipments": [],
        "fulfillmentRequests": serde_json::to_value(&sandbox_seed.fulfillment_requests).unwrap(),
        "orders": serde_json::to_value(&sandbox_seed.orders).unwrap(),
    });
    assert!(successes(&state, &sandbox_seed).values().all(|&n| n == 0), "{state}");
}

#[test]
fn each_kind_of_success_is_counted() {
    let sandbox_seed = contract_seed();
    let mut requests = serde_json::to_value(&sandbox_seed.fulfillment_requests).unwrap();
    requests[0]["accountingError"] = "rejected".into();
    requests[4]["items"][0]["externalAccountingItemId"] = "EXT-1".into();
    requests[5]["processingStatus"] = STATUS_PROCESSING_ERROR.into();
    requests[5]["processingError"] = "no stock".into();
    let mut orders = serde_json::to_value(&sandbox_seed.orders).unwrap();
    orders[0]["items"][0]["linked"] = true.into(); // 4001, unmanaged in the seed
    let state = serde_json::json!({
        "shipments": [{"id": 1}, {"id": 2, "syncError": "refused"}, {"id": 3, "syncError": ""}],
        "fulfillmentRequests": requests,
        "orders": orders,
    });
    let counted: Vec<usize> = successes(&state, &sandbox_seed).into_values().collect();
    // In key order: create, fail, flag, link, accounting.
    assert_eq!(counted, [3, 1, 1, 1, 2]);
}

#[test]
fn the_dictionaries_name_every_record_the_contract_seed_adds() {
    let config = include_str!("../contract/schemathesis.toml");
    let seed = contract_seed();
    let default = Seed::default();
    let added_requests =
        seed.fulfillment_requests.iter().filter(|r| !default.fulfillment_requests.contains(r));
    let added_orders = seed.orders.iter().filter(|o| !default.orders.contains(o));
    let mut ids: Vec<i64> = Vec::new();
    for request in added_requests {
        ids.push(request.id);
        ids.extend(request.items.iter().map(|item| item.id));
    }
    for order in added_orders {
        ids.push(order.id);
        ids.extend(order.items.iter().map(|item| item.id));
    }
    assert_eq!(ids.len(), 32, "8 requests, 8 request items, 8 orders, 8 order items");
    for id in ids {
        assert!(config.contains(&format!(" {id},")) || config.contains(&format!(" {id}]")), "{id}");
    }
}
