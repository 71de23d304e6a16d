//! `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! - `spec [--check]`: extract fragments and fixtures from the pages, assemble
//!   `openapi/openapi.yaml`; `--check` fails with a diff when anything on disk is stale.
//! - `generate [--check]`: `spec`, then whether the generated surface changed in a breaking or
//!   additive way, then the snapshot tests of the generated code and API surface, accepting the
//!   new snapshots (`--check`: failing on any difference instead).
//! - `tools`: install the pinned third-party validators (npm and PyPI).
//! - `package`: package every publishable crate with verification, then build from the
//!   `.crate`s: the packaged flxpoint-api's docs as docs.rs does, flxpoint-ext's examples.
//! - `msrv`: install the declared `rust-version` with rustup and check the workspace with it.
//! - `bench-build [--rounds N] [--timings]`: the cold build of a small flxpoint-ext consumer
//!   against a reqwest + serde + tokio baseline (README "Benchmarks").
//! - `bench-shared-limit`: the rate limit shared by worker processes through Redis (aggregate
//!   efficiency with 1, 4 and 8 processes; the latency Redis adds), flxpoint-ext README.
//! - `scenario`: a field added to the spec in a scratch copy reaches the wire from the ext
//!   builder, `flxpoint shipments create --body` and an import column, with no code change.
//! - `ci`: everything CI checks, in one command.
#![forbid(unsafe_code)]

use anyhow::{Result, bail};
use std::process::Command;
use xtask::tools;

mod bench_shared_limit;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let check = args.iter().any(|a| a == "--check");
    match args.first().map(String::as_str) {
        Some("spec") => spec(check),
        Some("generate") => generate(check),
        Some("tools") => tools::install(),
        Some("package") => xtask::publish::package().and_then(|()| xtask::publish::from_crates()),
        Some("msrv") => xtask::publish::msrv(),
        Some("bench-build") => xtask::build_bench::run(&args[1..]),
        Some("bench-shared-limit") => bench_shared_limit::run(),
        Some("scenario") => xtask::scenario::run(),
        Some("ci") => ci(),
        _ => {
            bail!(
                "usage: cargo xtask \
                 <spec|generate|tools|package|msrv|bench-build|bench-shared-limit|scenario|ci> [--check]"
            )
        }
    }
}

fn spec(check: bool) -> Result<()> {
    let dir = xtask::openapi_dir();
    let outputs = xtask::spec::build(&dir)?;
    if check {
        if let Some(diff) = xtask::spec::check(&dir, &outputs)? {
            bail!("{diff}\nopenapi/ is stale: run `cargo xtask spec` and commit the result");
        }
        println!("openapi/: up to date ({} files)", outputs.len());
    } else {
        xtask::spec::write(&dir, &outputs)?;
        println!("openapi/: wrote {} files", outputs.len());
    }
    Ok(())
}

fn generate(check: bool) -> Result<()> {
    spec(check)?;
    // What the regenerated surface means for users' version numbers (see CHANGELOG.md).
    println!("{}", xtask::semver::against_snapshot()?.verdict());
    let mut test = cargo(&["test", "--package", "xtask", "--test", "generated"]);
    if check {
        test.env("INSTA_UPDATE", "no");
    } else {
        // Write the new snapshots in place; review them with `git diff` (or `cargo insta review`).
        test.env("INSTA_UPDATE", "always").env("INSTA_FORCE_PASS", "1");
    }
    run(&mut test)
}

fn ci() -> Result<()> {
    run(&mut cargo(&["fmt", "--all", "--check"]))?;
    run(&mut cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    run(cargo(&["doc", "--workspace", "--no-deps"]).env("RUSTDOCFLAGS", "-D warnings"))?;
    spec(true)?;
    tools::install()?;
    tools::validate_spec(&xtask::openapi_dir().join("openapi.yaml"))?;
    // flxpoint-ext's `import` and `redis` features are on in the workspace (flxpoint-cli uses
    // them), so clippy, docs, the MSRV check and these tests cover them; the shared rate
    // limit's tests run against a real redis-server, which `tools::install` installs.
    let mut counts = tools::run_tests(
        cargo(&["test", "--workspace", "--all-targets"]).env("INSTA_UPDATE", "no"),
    )?;
    // flxpoint-api's doc examples are progenitor's generated `ignore` blocks, not tests.
    counts += tools::run_tests(&mut cargo(&[
        "test",
        "--workspace",
        "--doc",
        "--exclude",
        "flxpoint-api",
    ]))?;
    // Without TLS, flxpoint-ext refuses an https base URL when the client is built.
    counts += tools::run_tests(&mut cargo(&[
        "test",
        "--package",
        "flxpoint-ext",
        "--lib",
        "--no-default-features",
    ]))?;
    // A spec change reaches every interface users touch (issue 18's scenario).
    xtask::scenario::run()?;
    // What crates.io and docs.rs users get, and the declared minimum Rust version.
    xtask::publish::tls_features()?;
    xtask::publish::package()?;
    xtask::publish::from_crates()?;
    xtask::publish::msrv()?;
    // The main job (README command 1): the whole flow against the embedded sandbox; it checks
    // its own outcomes and exits non-zero on any surprise.
    run(&mut cargo(&["run", "--package", "flxpoint-ext", "--example", "quickstart"]))?;
    println!("cargo xtask ci: all checks passed");
    // One closing line that counts every test run above.
    println!(
        "tests: {} passed, {} failed, {} skipped",
        counts.passed, counts.failed, counts.ignored
    );
    Ok(())
}

fn cargo(args: &[&str]) -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(args).current_dir(xtask::root());
    cmd
}

fn run(cmd: &mut Command) -> Result<()> {
    xtask::tools::run(cmd)
}
