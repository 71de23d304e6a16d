//! What a crates.io user gets: every publishable crate packaged and built from its `.crate`,
//! the docs of the packaged `flxpoint-api` and `flxpoint-ext` built as docs.rs builds them, each
//! TLS choice built, and the declared MSRV checked with that toolchain.

use anyhow::{Context, Result, bail};
use std::path::Path;
use std::process::Command;

/// The crates published to crates.io (everything but `xtask`).
pub const PUBLISHED: [&str; 5] =
    ["flxpoint-codegen", "flxpoint-api", "flxpoint-ext", "flxpoint-sandbox", "flxpoint-cli"];

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(crate::root());
    cmd
}

/// `cargo package` for every published crate, *with* verification: each `.crate` is unpacked
/// and built on its own (workspace crates that depend on each other are resolved from the
/// other `.crate`s, as cargo does for a multi-package `package`). Then the file list of each.
pub fn package() -> Result<()> {
    forget_earlier_verifications()?;
    let mut cmd = cargo();
    cmd.args(["package", "--allow-dirty"]);
    for name in PUBLISHED {
        cmd.args(["--package", name]);
    }
    crate::tools::run(&mut cmd).context("cargo package (with verification)")?;
    for name in PUBLISHED {
        let mut list = cargo();
        list.args(["package", "--allow-dirty", "--list", "--package", name]);
        let out = list.output()?;
        if !out.status.success() {
            bail!("cargo package --list -p {name}: {}", String::from_utf8_lossy(&out.stderr));
        }
        let files = String::from_utf8(out.stdout)?;
        println!(
            "{name}: {} files: {}",
            files.lines().count(),
            files.lines().collect::<Vec<_>>().join(" ")
        );
    }
    Ok(())
}

/// Cargo verifies a multi-package `package` against a temporary local registry, and unpacks each
/// of our `.crate`s under `$CARGO_HOME/registry/src/-<hash>/` (the hash is of that registry's
/// path). It never unpacks the same name and version twice, so a second run would verify
/// against the sources of the first; they are removed first. Only our crates, only there.
fn forget_earlier_verifications() -> Result<()> {
    let home = std::env::var_os("CARGO_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cargo")));
    let Some(src) = home.map(|h| h.join("registry/src")) else { return Ok(()) };
    let Ok(registries) = std::fs::read_dir(&src) else { return Ok(()) };
    let version = env!("CARGO_PKG_VERSION");
    for registry in registries {
        let registry = registry?.path();
        if !registry.file_name().is_some_and(|n| n.to_string_lossy().starts_with('-')) {
            continue;
        }
        for name in PUBLISHED {
            let unpacked = registry.join(format!("{name}-{version}"));
            if unpacked.exists() {
                std::fs::remove_dir_all(&unpacked)
                    .with_context(|| format!("removing {}", unpacked.display()))?;
            }
        }
    }
    Ok(())
}

/// Builds from the unpacked `.crate`s, outside the workspace, as a crates.io user would: the
/// docs of `flxpoint-api` as docs.rs builds them (`DOCS_RS=1`, `--cfg docsrs`, warnings
/// denied; its `build.rs` must generate the client from files the crate ships),
/// `flxpoint-ext`'s examples (which use the sandbox), and the `flxpoint` binary. The workspace
/// crates are not on crates.io yet, so each is patched to its own unpacked `.crate`. Run after
/// [`package`].
pub fn from_crates() -> Result<()> {
    let version = env!("CARGO_PKG_VERSION");
    // Where `cargo package` wrote them: the target directory, wherever it is.
    let packaged = crate::target_dir().join("package");
    let scratch = std::env::temp_dir().join("flxpoint-from-crates");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let mut patches = Vec::new();
    for name in PUBLISHED {
        let archive = packaged.join(format!("{name}-{version}.crate"));
        crate::tools::run(Command::new("tar").arg("xzf").arg(&archive).arg("-C").arg(&scratch))
            .with_context(|| format!("unpacking {}", archive.display()))?;
        let dir = scratch.join(format!("{name}-{version}"));
        patches.push(format!("patch.crates-io.{name}.path={:?}", path_str(&dir)?));
    }
    let in_crate = |name: &str, args: &[&str]| {
        let mut cmd = cargo();
        cmd.current_dir(scratch.join(format!("{name}-{version}"))).args(args);
        for patch in &patches {
            cmd.arg("--config").arg(patch);
        }
        // Outside the workspace, so its config (the debuginfo profile) is not found by itself.
        cmd.arg("--config").arg(crate::root().join(".cargo/config.toml"));
        // The workspace's target dir: the dependencies `cargo package` just verified against are
        // the same fresh resolution, so they are not built (and stored) a second time.
        cmd.env("CARGO_TARGET_DIR", crate::target_dir());
        cmd
    };
    // As docs.rs builds them (`[package.metadata.docs.rs]`: every feature, `--cfg docsrs`, a
    // nightly; RUSTC_BOOTSTRAP lets the stable toolchain accept `feature(doc_cfg)` as it does).
    for (name, lib) in [("flxpoint-api", "flxpoint_api"), ("flxpoint-ext", "flxpoint_ext")] {
        let dir = crate::target_dir().join("doc").join(lib);
        // The workspace's own `cargo doc` wrote the same path: only a fresh file proves this build.
        std::fs::remove_dir_all(&dir).ok();
        let mut doc = in_crate(name, &["doc", "--no-deps", "--all-features"]);
        doc.env("DOCS_RS", "1")
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTDOCFLAGS", "--cfg docsrs -D warnings");
        crate::tools::run(&mut doc)
            .with_context(|| format!("docs.rs-style build of the packaged {name}"))?;
        let index = dir.join("index.html");
        if !index.exists() {
            bail!("{} was not written", index.display());
        }
        println!("docs.rs-style docs of the packaged {name}: {}", index.display());
    }
    crate::tools::run(&mut in_crate("flxpoint-ext", &["build", "--examples", "--all-features"]))
        .context("building flxpoint-ext's examples from its .crate")?;
    println!("flxpoint-ext's examples build from its .crate");
    // What `cargo install flxpoint-cli` builds.
    crate::tools::run(&mut in_crate("flxpoint-cli", &["build", "--bins"]))
        .context("building the flxpoint binary from its .crate")?;
    println!("the flxpoint binary builds from its .crate");
    std::fs::remove_dir_all(&scratch).ok();
    Ok(())
}

/// Each TLS choice of the libraries builds: `native-tls` instead of the default `rustls`, and
/// neither (plain http only, for users who bring their own TLS through `http_client`).
pub fn tls_features() -> Result<()> {
    for features in [&["--features", "native-tls"][..], &[]] {
        let mut check = cargo();
        check.args(["check", "-p", "flxpoint-api", "-p", "flxpoint-ext", "--lib"]);
        check.arg("--no-default-features").args(features);
        crate::tools::run(&mut check)
            .with_context(|| format!("flxpoint-api and flxpoint-ext with {features:?}"))?;
    }
    println!("flxpoint-api and flxpoint-ext build with native-tls and with no TLS feature");
    Ok(())
}

/// The workspace's `rust-version`, installed with rustup and used to check every target.
pub fn msrv() -> Result<()> {
    let manifest = std::fs::read_to_string(crate::root().join("Cargo.toml"))?;
    let version = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim().trim_matches('"').to_owned())
        .context("rust-version in the workspace Cargo.toml")?;
    crate::tools::run(Command::new("rustup").args([
        "toolchain",
        "install",
        &version,
        "--profile",
        "minimal",
        "--no-self-update",
    ]))
    .with_context(|| format!("installing Rust {version} with rustup"))?;
    let mut check = Command::new("rustup");
    check
        .current_dir(crate::root())
        .args(["run", &version, "cargo", "check", "--workspace", "--all-targets", "--locked"])
        .env("CARGO_TARGET_DIR", crate::target_dir().join("msrv"))
        // The outer cargo's variables would point the inner one at the newer toolchain.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .env_remove("RUSTUP_TOOLCHAIN");
    crate::tools::run(&mut check)
        .with_context(|| format!("checking the workspace with Rust {version}"))?;
    println!("MSRV: the workspace checks with Rust {version}");
    Ok(())
}

fn path_str(path: &Path) -> Result<&str> {
    path.to_str().with_context(|| format!("{} is not UTF-8", path.display()))
}
