//! The pinned third-party tools (validators, contract-test servers): installing and running them.
//!
//! Versions live in `xtask/tools/package.json` + `package-lock.json` (npm),
//! `xtask/tools/requirements.txt` (PyPI) and [`DEBIAN_PACKAGES`] (Debian). A missing tool is an
//! error, never a skip.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `xtask/tools`.
pub fn dir() -> PathBuf {
    crate::root().join("xtask/tools")
}

/// The Python virtualenv holding the PyPI tools: `xtask-venv` in the target directory (the
/// tests that run these tools find it there too, beside their `CARGO_TARGET_TMPDIR`).
pub fn venv() -> PathBuf {
    crate::target_dir().join("xtask-venv")
}

/// A command from the npm tools (`node_modules/.bin`).
pub fn npm_bin(name: &str) -> PathBuf {
    dir().join("node_modules/.bin").join(name)
}

/// A command from the PyPI tools (the venv's `bin`).
pub fn py_bin(name: &str) -> PathBuf {
    venv().join("bin").join(name)
}

/// The Debian packages the tests need, pinned: `redis-server` for the shared rate limit's
/// tests (each starts its own, on a loopback port); `libssl-dev` and `pkg-config` for the
/// `native-tls` feature check (openssl-sys links the system OpenSSL); `chromium` and its
/// `chromium-driver` (the same version, WebDriver) for the sandbox console's browser test.
pub const DEBIAN_PACKAGES: [(&str, &str, &str); 5] = [
    ("redis-server", "5:7.0.15-1~deb12u10", "redis-server"),
    ("libssl-dev", "3.0.19-1~deb12u2", "openssl"),
    ("pkg-config", "1.8.1-1", "pkg-config"),
    ("chromium", "156.0.8078.129-1~deb12u1", "chromium"),
    ("chromium-driver", "156.0.8078.129-1~deb12u1", "chromedriver"),
];

/// Installs the pinned tools unless what is installed was installed from the same pins.
pub fn install() -> Result<()> {
    let tools = dir();
    let lock = tools.join("package-lock.json");
    ensure(&lock, &tools.join("node_modules/.installed-from-lock"), || {
        run(Command::new("npm").args(["ci", "--no-fund", "--no-audit"]).current_dir(&tools))
            .context("installing the npm tools (needs node and npm)")
    })?;
    let requirements = tools.join("requirements.txt");
    ensure(&requirements, &venv().join(".installed-from-requirements"), || {
        run(Command::new("python3").arg("-m").arg("venv").arg(venv()))
            .context("creating the Python venv (needs python3 with venv)")?;
        run(Command::new(py_bin("pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements))
        .context("installing the PyPI tools")
    })?;
    for (package, version, probe) in DEBIAN_PACKAGES {
        ensure_debian(package, version, probe)?;
    }
    for tool in [
        npm_bin("redocly"),
        npm_bin("prism"),
        py_bin("openapi-spec-validator"),
        py_bin("schemathesis"),
    ] {
        if !tool.exists() {
            bail!("{} is missing after installation", tool.display());
        }
    }
    Ok(())
}

/// A pinned Debian package, installed with apt-get unless dpkg already has that version.
/// Without apt-get (not Debian), the `probe` command on PATH is used as it is, and said so.
fn ensure_debian(package: &str, version: &str, probe: &str) -> Result<()> {
    let installed = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if installed.as_deref() == Some(version) {
        return Ok(());
    }
    if Command::new("apt-get").arg("--version").output().is_err() {
        if Command::new(probe).arg("--version").output().is_ok() {
            println!("{package}: not Debian, using the {probe} on PATH (the pin is {version})");
            return Ok(());
        }
        bail!("{probe} is missing and there is no apt-get to install {package}={version}");
    }
    let apt = |args: &[&str]| {
        let mut cmd = Command::new("apt-get");
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        cmd
    };
    let pinned = format!("{package}={version}");
    // The package lists once per run, not once per package.
    static UPDATED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    let installing = match UPDATED.get() {
        Some(()) => Ok(()),
        None => run(&mut apt(&["update", "-qq"])).map(|()| {
            let _ = UPDATED.set(());
        }),
    }
    .and_then(|()| run(&mut apt(&["install", "-y", "-qq", "--allow-downgrades", &pinned])));
    match (installing, installed) {
        (Ok(()), _) => Ok(()),
        // Debian's mirrors keep only a stable release's newest point version (and the security
        // archive only its newest build, chromium's every week or two): once the pin is gone,
        // the version already installed (same release line) is used, and said so.
        (Err(e), Some(have)) if !have.is_empty() => {
            println!(
                "{package}: {pinned} could not be installed ({e:#}); using the installed {have}"
            );
            Ok(())
        }
        // On a fresh machine, nothing installed: the mirror's current build of the same
        // release line, said loudly (a fresh machine must not fail because a pin aged out).
        (Err(e), _) => {
            println!(
                "{package}: {pinned} could not be installed ({e:#}); installing the mirror's \
                 current {package} instead"
            );
            run(&mut apt(&["install", "-y", "-qq", package]))
                .with_context(|| format!("installing {package} with apt-get (needs root)"))
        }
    }
}

/// Runs `install` unless `stamp` holds a copy of `pins` (written after the last install).
fn ensure(pins: &Path, stamp: &Path, install: impl FnOnce() -> Result<()>) -> Result<()> {
    let wanted = std::fs::read(pins).with_context(|| format!("reading {}", pins.display()))?;
    if std::fs::read(stamp).ok().as_ref() == Some(&wanted) {
        return Ok(());
    }
    install()?;
    std::fs::write(stamp, wanted)?;
    Ok(())
}

/// Runs both OpenAPI validators on `spec`; any error fails.
pub fn validate_spec(spec: &Path) -> Result<()> {
    run(Command::new(py_bin("openapi-spec-validator")).arg(spec))?;
    run(Command::new(npm_bin("redocly"))
        .args(["lint", "--config"])
        .arg(dir().join("redocly.yaml"))
        .arg(spec)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"))
}

/// Test counts summed over `cargo test` runs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct TestCounts {
    /// Tests that passed.
    pub passed: u64,
    /// Tests that failed.
    pub failed: u64,
    /// Tests marked ignored.
    pub ignored: u64,
}

impl std::ops::AddAssign for TestCounts {
    fn add_assign(&mut self, o: Self) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.ignored += o.ignored;
    }
}

impl TestCounts {
    /// Sums the `test result: ok. N passed; M failed; K ignored; ...` lines of `output`.
    pub fn parse(output: &str) -> Self {
        let mut counts = Self::default();
        for line in output.lines().filter_map(|l| l.trim().strip_prefix("test result: ")) {
            for part in line.split(';') {
                let mut words = part.split_whitespace().rev();
                let (Some(what), Some(n)) = (words.next(), words.next()) else { continue };
                let n: u64 = n.parse().unwrap_or(0);
                match what {
                    "passed" => counts.passed += n,
                    "failed" => counts.failed += n,
                    "ignored" => counts.ignored += n,
                    _ => {}
                }
            }
        }
        counts
    }
}

/// Runs a `cargo test` command, passing its output through, and returns its counts.
pub fn run_tests(cmd: &mut Command) -> Result<TestCounts> {
    use std::io::{BufRead, BufReader};
    eprintln!("$ {}", display(cmd));
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .spawn()
        .with_context(|| format!("starting `{}`", display(cmd)))?;
    let mut output = String::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        println!("{line}");
        output.push_str(&line);
        output.push('\n');
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(cmd));
    }
    Ok(TestCounts::parse(&output))
}

/// Runs `cmd`, echoing it, and fails unless it exits 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("$ {}", display(cmd));
    let status = cmd.status().with_context(|| format!("starting `{}`", display(cmd)))?;
    if !status.success() {
        bail!("`{}` failed ({status})", display(cmd));
    }
    Ok(())
}

fn display(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
