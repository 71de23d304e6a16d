//! Library behind `cargo xtask`: the spec pipeline (pages → fragments → openapi.yaml), the
//! fixtures, and the generated-surface summary. Split from `main.rs` so tests can call it.
#![forbid(unsafe_code)]

pub mod build_bench;
pub mod diff;
pub mod fixtures;
pub mod pages;
pub mod publish;
pub mod scenario;
pub mod semver;
pub mod spec;
pub mod surface;
pub mod tools;

use anyhow::{Context, Result, bail};
use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The directory cargo builds into, where `cargo package` writes its `.crate`s and xtask keeps
/// its venv and scratch projects: resolved once, as [`resolve_target_dir`] with this process's
/// `CARGO_TARGET_DIR`. Panics if cargo cannot tell (no xtask command can go on without it).
pub fn target_dir() -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        resolve_target_dir(std::env::var_os("CARGO_TARGET_DIR").as_deref())
            .unwrap_or_else(|e| panic!("the target directory: {e:#}"))
    })
    .clone()
}

/// The target directory as cargo resolves it for the workspace, with `CARGO_TARGET_DIR` set to
/// `cargo_target_dir` (or unset): `cargo metadata`'s `target_directory`, which also honours
/// `build.target-dir` in config files and `CARGO_BUILD_TARGET_DIR`. It runs in [`root`], as
/// xtask's cargo commands do, so a relative `CARGO_TARGET_DIR` means the same to both.
pub fn resolve_target_dir(cargo_target_dir: Option<&OsStr>) -> Result<PathBuf> {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["metadata", "--format-version", "1", "--no-deps", "--offline"]).current_dir(root());
    match cargo_target_dir {
        Some(dir) => cmd.env("CARGO_TARGET_DIR", dir),
        None => cmd.env_remove("CARGO_TARGET_DIR"),
    };
    let out = cmd.output().context("running cargo metadata")?;
    if !out.status.success() {
        bail!("cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    }
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let dir =
        metadata["target_directory"].as_str().context("target_directory in cargo metadata")?;
    Ok(PathBuf::from(dir))
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
