//! `cargo xtask bench-build`: the cold debug build of a ~20-line flxpoint-ext consumer against
//! the same-size program on reqwest + serde + tokio, side by side in one run.
//!
//! Both consumers are written under `build-bench/` in the target directory, each its own
//! `[workspace]` (depending on the workspace's flxpoint-ext by absolute path), with a
//! copy of the workspace's `Cargo.lock` (cargo trims it) so the shared crates resolve to the same
//! versions, and `cargo fetch`ed first so no download is timed. Each round removes the project's
//! target dir and times `cargo build` (debug, `--frozen`) in a fresh `CARGO_TARGET_DIR`, the two
//! sides in alternating order (baseline first in odd rounds, flxpoint-ext first in even ones) so
//! that other load on the machine falls on both. Reported: the median wall times, their ratio
//! (flxpoint-ext / baseline, target ≤ 1.4×), the crates compiled by each, and a README table row.
//!
//! Options: `--rounds N` (default 2; 0 with `--timings` skips the measurement); `--timings`:
//! after the rounds, one more cold build of each side with `cargo build --timings` (not part of
//! the figures), printing flxpoint-ext's slowest units and the units its build has beyond the
//! baseline's (what the difference is made of).

use anyhow::{Context, Result, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The target: flxpoint-ext's consumer builds in at most this multiple of the baseline's time.
pub const TARGET_RATIO: f64 = 1.4;

/// The flxpoint-ext consumer: a client and a prepared `create_shipment` call, not sent.
const EXT_MAIN: &str = r#"//! A first flxpoint-ext program: a client and a create_shipment call, prepared but not sent.

use flxpoint_ext::{Client, Error, FulfillmentRequestRef, ShipmentLine};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = Client::builder("t").base_url("http://127.0.0.1:9").build()?;
    let request = client
        .create_shipment(FulfillmentRequestRef::id(1388412), "1Z63R0945454")
        .carrier("ups")
        .method("ups_ground")
        .line(ShipmentLine::sku("HG12123123", 1))
        .to_request()?;
    println!("POST {}/shipments {request:?}", client.base_url());
    Ok(())
}
"#;

/// The baseline: a reqwest client and a small serialized struct in a prepared request.
const BASELINE_MAIN: &str = r#"//! The same program on reqwest + serde: a client and a request with a JSON body, not sent.

use serde::Serialize;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Shipment {
    fulfillment_request_id: i64,
    tracking_number: String,
    items: Vec<(String, i64)>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build()?;
    let body = Shipment {
        fulfillment_request_id: 1388412,
        tracking_number: "1Z63R0945454".into(),
        items: vec![("HG12123123".into(), 1)],
    };
    let request = client.post("http://127.0.0.1:9/shipments").header("X-API-TOKEN", "t").json(&body).build()?;
    println!("{} {} {}", request.method(), request.url(), serde_json::to_string(&body)?);
    Ok(())
}
"#;

/// One consumer project.
struct Consumer {
    /// The package (and folder) name.
    name: &'static str,
    /// The `[dependencies]` table's lines.
    dependencies: Vec<String>,
    main: &'static str,
}

impl Consumer {
    fn dir(&self) -> PathBuf {
        bench_dir().join(self.name)
    }

    fn target_dir(&self) -> PathBuf {
        self.dir().join("target")
    }

    /// Writes `Cargo.toml`, `src/main.rs` and a fresh copy of the workspace's `Cargo.lock`.
    fn write(&self) -> Result<()> {
        let dir = self.dir();
        std::fs::create_dir_all(dir.join("src"))?;
        let manifest = format!(
            "[package]\nname = \"{}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{}\n\n# Its own workspace: not a member of flxpoint-rs's.\n[workspace]\n",
            self.name,
            self.dependencies.join("\n")
        );
        std::fs::write(dir.join("Cargo.toml"), manifest)?;
        std::fs::write(dir.join("src/main.rs"), self.main)?;
        std::fs::copy(crate::root().join("Cargo.lock"), dir.join("Cargo.lock"))
            .context("copying the workspace's Cargo.lock")?;
        Ok(())
    }

    fn cargo(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
        cmd.current_dir(self.dir())
            .args(args)
            .env("CARGO_TARGET_DIR", self.target_dir())
            .env("CARGO_TERM_COLOR", "never");
        cmd
    }

    /// The packages in the normal + build dependency graph, the consumer included, each once.
    fn tree_count(&self) -> Result<usize> {
        let out =
            self.cargo(&["tree", "--frozen", "-e", "normal,build", "--prefix", "none"]).output()?;
        if !out.status.success() {
            bail!("cargo tree in {}: {}", self.name, String::from_utf8_lossy(&out.stderr));
        }
        let packages: BTreeSet<String> = String::from_utf8(out.stdout)?
            .lines()
            .filter_map(|l| {
                let mut words = l.split_whitespace();
                Some(format!("{} {}", words.next()?, words.next()?))
            })
            .collect();
        Ok(packages.len())
    }

    /// A cold `cargo build` (target dir removed first): wall seconds and its `Compiling` lines.
    fn cold_build(&self, extra: &[&str]) -> Result<(f64, usize)> {
        let target = self.target_dir();
        if target.exists() {
            std::fs::remove_dir_all(&target)
                .with_context(|| format!("removing {}", target.display()))?;
        }
        let mut args = vec!["build", "--frozen"];
        args.extend_from_slice(extra);
        let mut cmd = self.cargo(&args);
        let start = Instant::now();
        let out = cmd.output()?;
        let secs = start.elapsed().as_secs_f64();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            bail!("cargo build in {}:\n{stderr}", self.name);
        }
        let compiled = stderr.lines().filter(|l| l.trim_start().starts_with("Compiling ")).count();
        Ok((secs, compiled))
    }
}

/// `build-bench` in the target directory.
pub fn bench_dir() -> PathBuf {
    crate::target_dir().join("build-bench")
}

/// The workspace's `reqwest = { ... }` dependency line with `rustls` added (flxpoint-ext's
/// default feature turns it on), so the baseline uses the same version and features.
fn baseline_reqwest(workspace_manifest: &str) -> Result<String> {
    let line = workspace_manifest
        .lines()
        .find(|l| l.starts_with("reqwest = "))
        .context("reqwest in the workspace Cargo.toml's [workspace.dependencies]")?;
    if !line.contains("features = [") {
        bail!("the workspace's reqwest line has no features list: {line}");
    }
    Ok(line.replacen("features = [", "features = [\"rustls\", ", 1))
}

fn consumers() -> Result<[Consumer; 2]> {
    let manifest = std::fs::read_to_string(crate::root().join("Cargo.toml"))?;
    // An absolute path: the target directory need not be inside the workspace.
    let ext = crate::root().join("flxpoint-ext");
    let ext = ext.to_str().with_context(|| format!("{} is not UTF-8", ext.display()))?;
    let tokio = r#"tokio = { version = "1", features = ["macros", "rt-multi-thread"] }"#.to_owned();
    Ok([
        Consumer {
            name: "consumer-baseline",
            dependencies: vec![
                baseline_reqwest(&manifest)?,
                r#"serde = { version = "1", features = ["derive"] }"#.into(),
                r#"serde_json = "1""#.into(),
                tokio.clone(),
            ],
            main: BASELINE_MAIN,
        },
        Consumer {
            name: "consumer-ext",
            // Default features (rustls), as `cargo add flxpoint-ext` gives.
            dependencies: vec![format!("flxpoint-ext = {{ path = {ext:?} }}"), tokio],
            main: EXT_MAIN,
        },
    ])
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// `cargo xtask bench-build [--rounds N] [--timings]`.
pub fn run(args: &[String]) -> Result<()> {
    let mut rounds = 2usize;
    let mut timings = false;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--rounds" => {
                rounds =
                    it.next().and_then(|n| n.parse().ok()).context("--rounds needs a number")?;
            }
            "--timings" => timings = true,
            other => bail!("bench-build: unknown argument {other:?} (--rounds N, --timings)"),
        }
    }
    if rounds == 0 && !timings {
        bail!("bench-build: --rounds 0 measures nothing (add --timings)");
    }
    let [baseline, ext] = consumers()?;
    for consumer in [&baseline, &ext] {
        consumer.write()?;
        crate::tools::run(&mut consumer.cargo(&["fetch"]))
            .with_context(|| format!("cargo fetch in {}", consumer.name))?;
    }
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    println!("bench-build: {rounds} rounds, {cpus} CPUs, load average {}", load_average());
    if rounds > 0 {
        measure(&baseline, &ext, rounds)?;
    }
    if timings {
        report_timings(&baseline, &ext)?;
    }
    Ok(())
}

/// The interleaved rounds and their summary.
fn measure(baseline: &Consumer, ext: &Consumer, rounds: usize) -> Result<()> {
    let mut times: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut compiled = [0usize; 2];
    for round in 0..rounds {
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for i in order {
            let consumer = [baseline, ext][i];
            let (secs, n) = consumer.cold_build(&[])?;
            println!(
                "round {}: {:<17} {secs:7.1} s, {n} crates compiled (load {})",
                round + 1,
                consumer.name,
                load_average()
            );
            times[i].push(secs);
            compiled[i] = n;
        }
    }
    let tree = [baseline.tree_count()?, ext.tree_count()?];
    let (base_s, ext_s) = (median(&times[0]), median(&times[1]));
    let ratio = ext_s / base_s;
    let met = if ratio <= TARGET_RATIO { "yes" } else { "**no**" };
    println!(
        "median cold debug build: flxpoint-ext {ext_s:.1} s, baseline {base_s:.1} s, ratio {ratio:.2} (target ≤ {TARGET_RATIO}×: {met})"
    );
    println!(
        "crates: flxpoint-ext {} in the tree, {} compiled; baseline {} in the tree, {} compiled",
        tree[1], compiled[1], tree[0], compiled[0]
    );
    println!("README rows:");
    println!(
        "| consumer cold build (debug, {rounds} rounds) | {ext_s:.1} s | {base_s:.1} s (reqwest + serde + serde_json + tokio) | {ratio:.2} | ≤ {TARGET_RATIO}× | {met} |"
    );
    println!(
        "| consumer crates compiled (informational) | {} | {} | {:.2} | — | — |",
        compiled[1],
        compiled[0],
        compiled[1] as f64 / compiled[0] as f64
    );
    Ok(())
}

/// One cold `--timings` build of each side: flxpoint-ext's slowest units, and the units its build
/// has beyond the baseline's (an extra copy of a unit counts with its shortest durations).
fn report_timings(baseline: &Consumer, ext: &Consumer) -> Result<()> {
    let timed = |consumer: &Consumer| -> Result<Vec<Unit>> {
        let (secs, _) = consumer.cold_build(&["--timings"])?;
        let report = consumer.target_dir().join("cargo-timings/cargo-timing.html");
        println!("{} with --timings: {secs:.1} s ({})", consumer.name, report.display());
        units(&report)
    };
    let base_units = timed(baseline)?;
    let mut ext_units = timed(ext)?;
    ext_units.sort_by(|a, b| b.secs.total_cmp(&a.secs));
    println!("slowest units of {}:", ext.name);
    for unit in ext_units.iter().take(10) {
        println!("  {:6.1} s  {}", unit.secs, unit.name);
    }
    let mut in_base: BTreeMap<&str, usize> = BTreeMap::new();
    for unit in &base_units {
        *in_base.entry(&unit.name).or_default() += 1;
    }
    let mut extra: Vec<&Unit> = Vec::new();
    for unit in ext_units.iter().rev() {
        match in_base.get_mut(unit.name.as_str()) {
            Some(n) if *n > 0 => *n -= 1,
            _ => extra.push(unit),
        }
    }
    extra.reverse();
    println!(
        "units only in {}'s build: {} of {}, {:.1} s of unit time (baseline: {} units, {:.1} s); the longest:",
        ext.name,
        extra.len(),
        ext_units.len(),
        extra.iter().map(|u| u.secs).sum::<f64>(),
        base_units.len(),
        base_units.iter().map(|u| u.secs).sum::<f64>()
    );
    for unit in extra.iter().take(15) {
        println!("  {:6.1} s  {}", unit.secs, unit.name);
    }
    Ok(())
}

/// A unit of a `cargo build --timings` report.
pub struct Unit {
    /// `name vVERSION` and, for a build script, ` build-script` or ` build-script (run)`.
    pub name: String,
    /// Its duration, in seconds.
    pub secs: f64,
}

/// The units of a `cargo build --timings` report (its embedded `UNIT_DATA`).
pub fn units(report: &Path) -> Result<Vec<Unit>> {
    let html =
        std::fs::read_to_string(report).with_context(|| format!("reading {}", report.display()))?;
    let start = html
        .find("UNIT_DATA = ")
        .map(|i| i + "UNIT_DATA = ".len())
        .context("no UNIT_DATA in the timings report")?;
    let data: serde_json::Value = serde_json::Deserializer::from_str(&html[start..])
        .into_iter()
        .next()
        .context("empty UNIT_DATA")??;
    Ok(data
        .as_array()
        .context("UNIT_DATA is not a list")?
        .iter()
        .map(|u| {
            let s = |k: &str| u[k].as_str().unwrap_or("").to_owned();
            Unit {
                name: format!("{} v{}{}", s("name"), s("version"), s("target")),
                secs: u["duration"].as_f64().unwrap_or(0.0),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0]), 2.5);
    }

    #[test]
    fn baseline_reqwest_is_the_workspace_line_with_rustls() {
        let manifest = std::fs::read_to_string(crate::root().join("Cargo.toml")).unwrap();
        let line = baseline_reqwest(&manifest).unwrap();
        assert!(line.starts_with("reqwest = { version = "), "{line}");
        assert!(line.contains("default-features = false"), "{line}");
        assert!(line.contains(r#"features = ["rustls", "#), "{line}");
    }
}
