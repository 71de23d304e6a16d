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
//! schemathesis is installed by `cargo xtask tools` (run by `cargo xtask ci`); without it this
//! test fails, it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

use flxpoint_tests::sandbox::{Sandbox, SandboxConfig, seed};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `N` in schemathesis' summary line `N generated, N passed, …`.
fn count(summary: &str, label: &str) -> u64 {
    summary
        .split(',')
        .find_map(|part| part.trim().strip_suffix(label)?.trim().parse().ok())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_conforms_to_the_spec_under_schemathesis() {
    let bin = root().join("target/xtask-venv/bin/schemathesis");
    assert!(bin.exists(), "{} is missing: run `cargo xtask tools` (CI does)", bin.display());
    // The rate limit has its own tests; here it would only turn most requests into 429s.
    let sandbox = Sandbox::start(SandboxConfig { rate_per_second: None, ..Default::default() })
        .await
        .expect("sandbox starts");
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("schemathesis");
    std::fs::create_dir_all(&work).unwrap();
    let mut command = Command::new(bin);
    command
        .arg("--config-file")
        .arg(root().join("tests/contract/schemathesis.toml"))
        .arg("run")
        .arg(root().join("openapi/openapi.yaml"))
        .args(["--url", &sandbox.base_url()])
        .args(["--header", &format!("X-API-TOKEN: {}", seed::ACCOUNT_TOKEN)])
        .args(["--checks", "all", "--exclude-checks", "positive_data_acceptance"])
        .args(["--max-examples", "50", "--seed", "20261123", "--workers", "1"])
        .args(["--generation-database", "none", "--no-color"])
        .current_dir(&work);
    let output = tokio::task::spawn_blocking(move || command.output()).await.unwrap().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    let summary = stdout
        .lines()
        .find(|line| line.contains(" generated,"))
        .unwrap_or_else(|| panic!("no test-case summary in:\n{stdout}"));
    let generated = count(summary, "generated");
    let requests = sandbox.request_count();
    println!("schemathesis: {summary}; {requests} requests reached the sandbox");
    assert!(generated >= 500, "too few test cases for a contract test: {summary}");
    // Every phase ran and passed (a skipped phase is printed with another mark).
    for phase in ["Examples", "Coverage", "Fuzzing", "Stateful"] {
        assert!(
            stdout.lines().any(|l| l.trim() == format!("✅ {phase}")),
            "phase {phase} did not run and pass:\n{stdout}"
        );
    }
    // Fuzzing reached the operations' logic, not only their 400/404 paths.
    assert!(!sandbox.shipments().is_empty(), "no shipment was ever created");
    sandbox.shutdown().await;
}

#[test]
fn summary_counts_are_read_from_schemathesis_output() {
    let line = "  1238 generated, 1230 passed, 8 skipped";
    assert_eq!(count(line, "generated"), 1238);
    assert_eq!(count(line, "passed"), 1230);
    assert_eq!(count(line, "failed"), 0);
}
