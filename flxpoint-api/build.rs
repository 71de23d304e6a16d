//! Generates the client from `openapi.json` (in this crate: the workspace's
//! `openapi/openapi.yaml` as JSON, which `cargo xtask spec` writes and `--check` keeps current)
//! into `OUT_DIR` with the settings in `flxpoint-codegen` (the one place that holds them). It
//! reads nothing outside this crate, so the packaged crate builds on its own.

fn main() {
    let spec = "openapi.json";
    // Only the document drives the output; a no-op rebuild runs no codegen.
    println!("cargo:rerun-if-changed={spec}");
    let json = std::fs::read_to_string(spec).unwrap_or_else(|e| panic!("reading {spec}: {e}"));
    let code = flxpoint_codegen::generate_from_json(&json)
        .unwrap_or_else(|e| panic!("generating from {spec}: {e}"));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("codegen.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
