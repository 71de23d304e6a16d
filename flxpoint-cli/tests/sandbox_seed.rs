//! `flxpoint sandbox --seed FILE` as its own process: the CLI talks to it with the seed's own
//! token and ids; a bad seed is refused before anything listens (exit 2, the bad field named).

mod common;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The example seed shipped with flxpoint-sandbox, and its account token (a fake value).
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/seeds/example.yaml");
const EXAMPLE_ACCOUNT_TOKEN: &str = "acme-account-token";

/// A child process killed when dropped (on a failing assertion too).
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sandbox(seed: &str) -> Killed {
    sandbox_with(&["--seed", seed])
}

/// `flxpoint --no-rate-limit sandbox --port 0 ARGS`, its output piped.
fn sandbox_with(args: &[&str]) -> Killed {
    let child = Command::new(env!("CARGO_BIN_EXE_flxpoint"))
        .args(["--no-rate-limit", "sandbox", "--port", "0"])
        .args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("flxpoint sandbox starts");
    Killed(child)
}

#[test]
fn the_sandbox_command_serves_the_seed_file() {
    let mut server = sandbox(EXAMPLE);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}"));
    assert!(url.starts_with("http://127.0.0.1:"), "{line}");

    let create = [
        "shipments",
        "create",
        "--fulfillment-request-id",
        "700001",
        "--tracking-number",
        "CLI-SEED-1",
        "--item",
        "sku=STOVE-MINI,quantity=1",
    ];
    let env = [("FLXPOINT_BASE_URL", url), ("FLXPOINT_API_TOKEN", EXAMPLE_ACCOUNT_TOKEN)];
    let run = common::run(&create, None, &env);
    run.assert_ok();
    let shipment = run.json();
    assert_eq!(shipment["fulfillmentRequestId"], 700001);
    assert_eq!(shipment["orderId"], 910001);
    assert_eq!(shipment["shipmentItems"][0]["fulfillmentRequestItemId"], 800002);
    assert!(!run.stderr.contains(EXAMPLE_ACCOUNT_TOKEN), "{run:#?}");

    // The built-in seed's token is not this seed's.
    let env = [("FLXPOINT_BASE_URL", url), ("FLXPOINT_API_TOKEN", common::TOKEN)];
    let run = common::run(&create, None, &env);
    assert_eq!(run.code, 1, "{run:#?}");
    assert_eq!(run.error()["status"], 401, "{run:#?}");

    server.0.kill().unwrap();
    let mut stderr = String::new();
    server.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("\"Acme account\" (account token)"), "{stderr}");
    assert!(!stderr.contains(EXAMPLE_ACCOUNT_TOKEN), "a token value in the log: {stderr}");
}

/// `flxpoint sandbox --seed path`, expected to stop at once: exit code, stdout, last stderr line.
fn refused(path: &Path) -> (Option<i32>, String, Value) {
    let mut server = sandbox(path.to_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "{path:?}: the sandbox started with a bad seed");
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    server.0.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    server.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let error = serde_json::from_str(stderr.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("stderr not JSON ({e}): {stderr}"));
    (status.code(), stdout, error)
}

#[test]
fn a_bad_seed_file_exits_2_naming_the_field_and_nothing_listens() {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let bad = common::file(&text.replace("quantity: 3", "quantity: 0"));
    let (code, stdout, error) = refused(bad.path());
    assert_eq!(code, Some(2), "{error}");
    assert!(stdout.is_empty(), "nothing listens: {stdout}");
    assert_eq!(error["error"], "validation", "{error}");
    assert_eq!(error["field"], "--seed", "{error}");
    let rule = error["rule"].as_str().unwrap();
    assert!(
        rule.ends_with("fulfillmentRequests[3].items[0].quantity: must be at least 1"),
        "{rule}"
    );

    let (code, stdout, error) = refused(Path::new("/nonexistent/seed.yaml"));
    assert_eq!(code, Some(2), "{error}");
    assert!(stdout.is_empty());
    assert_eq!(error["error"], "input", "{error}");
}

#[test]
fn the_sandbox_command_bounds_its_request_journal() {
    let mut server = sandbox_with(&["--journal-limit", "1"]);
    let mut line = String::new();
    BufReader::new(server.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}"));
    let env = [("FLXPOINT_BASE_URL", url), ("FLXPOINT_API_TOKEN", common::TOKEN)];
    for order in ["3001", "3003"] {
        common::run(&["orders", "link", "--order-id", order], None, &env).assert_ok();
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let journal: Value = runtime.block_on(async {
        let answer = reqwest::get(format!("{url}/_sandbox/requests")).await.unwrap();
        answer.json().await.unwrap()
    });
    assert_eq!((journal["limit"].as_u64(), journal["dropped"].as_u64()), (Some(1), Some(1)));
    let kept = journal["requests"].as_array().unwrap();
    assert_eq!(kept.len(), 1, "{journal}");
    assert_eq!(kept[0]["query"], "orderId=3003", "the newest is kept");
}
