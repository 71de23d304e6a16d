//! Library behind `cargo xtask`: the spec pipeline (pages → fragments → openapi.yaml), the
//! fixtures, and the generated-surface summary. Split from `main.rs` so tests can call it.

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
