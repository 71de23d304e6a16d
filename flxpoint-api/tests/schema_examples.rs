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

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn every_page_example_verbatim_passes_a_json_schema_validator() {
    let python = root().join("target/xtask-venv/bin/python");
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
