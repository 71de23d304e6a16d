//! Library behind `cargo xtask`: the spec pipeline (pages → fragments → openapi.yaml), the
//! fixtures, and the generated-surface summary. Split from `main.rs` so tests can call it.
#![forbid(unsafe_code)]

pub mod build_bench;
pub mod diff;
pub mod fixtures;
pub mod pages;
pub mod publish;
pub mod semver;
pub mod spec;
pub mod surface;
pub mod tools;

use std::path::PathBuf;

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// `<root>/openapi`.
pub fn openapi_dir() -> PathBuf {
    root().join("openapi")
}

/// Generates the client from the YAML text of an OpenAPI document, with the settings in
/// flxpoint-codegen (the same call flxpoint-api's build.rs makes on the JSON form).
pub fn generate(spec_yaml: &str) -> anyhow::Result<String> {
    let spec: openapiv3::OpenAPI = serde_yaml_ng::from_str(spec_yaml)?;
    flxpoint_codegen::generate(&spec).map_err(|e| anyhow::anyhow!("{e}"))
}
