//! Generates the client from `openapi.yaml` (in this crate: a copy of the workspace's
//! `openapi/openapi.yaml` that `cargo xtask spec` keeps identical) into `OUT_DIR` with the
//! settings in `flxpoint-codegen` (the one place that holds them). It reads nothing outside this
//! crate, so the packaged crate builds on its own.

fn main() {
    let spec = "openapi.yaml";
    // Only the document drives the output; a no-op rebuild runs no codegen.
    println!("cargo:rerun-if-changed={spec}");
    let yaml = std::fs::read_to_string(spec).unwrap_or_else(|e| panic!("reading {spec}: {e}"));
    let code =
        flxpoint_codegen::generate(&yaml).unwrap_or_else(|e| panic!("generating from {spec}: {e}"));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("codegen.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
