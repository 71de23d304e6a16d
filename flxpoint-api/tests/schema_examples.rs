//! A third tool agrees with Prism and progenitor on the page examples: openapi-schema-validator's
//! OAS 3.0 validator (a JSON Schema validator, pinned through `openapi-spec-validator` in
//! `xtask/tools/requirements.txt`) accepts every page example request, verbatim, against its
//! operation's request-body schema in `openapi.json` (the document this crate builds from), and
//! refuses `[]` in place of each `null` there (so the schema was applied). Under the
//! spec's former `nullable` beside `allOf: [$ref]`, it refused the `customFields: [null]`
//! examples, as Prism did.
//!
//! The venv is installed by `cargo xtask tools` (run by `cargo xtask ci`); without it this test
//! fails, it never skips.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

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

#[test]
fn every_page_example_verbatim_passes_a_json_schema_validator() {
    let python = venv_bin("python");
    assert!(python.exists(), "{} is missing: run `cargo xtask tools` (CI does)", python.display());
    let out = Command::new(python)
        .arg(root().join("flxpoint-api/tests/support/schema_check.py"))
        .arg(root().join("flxpoint-api/openapi.json"))
        .arg(root().join("openapi/examples"))
        .output()
        .expect("python runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["failures"], serde_json::json!([]), "{report:#}");
    // The 8 request examples (as in prism_page_examples.rs) and their 3 nulls.
    assert_eq!(report["accepted"].as_array().unwrap().len(), 8, "{report:#}");
    assert_eq!(report["null_controls"], 3, "{report:#}");
}
