//! The real `flxpoint` binary against a real sandbox started in the test process.
//!
//! Every run gets a clean environment: only what the test sets (by default the sandbox's URL
//! and the seed's account token), and checks that the token appears in neither stdout nor
//! stderr, whatever the outcome.

#![allow(dead_code)] // each test binary uses its own part of this module

use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, seed};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// The token every run is given (and that must never be printed).
pub const TOKEN: &str = seed::ACCOUNT_TOKEN;

/// A sandbox without a rate limit, served by its own runtime while the test thread runs the
/// binary.
pub struct Fixture {
    pub sandbox: Sandbox,
    // Declared after the sandbox: dropped after it.
    _runtime: tokio::runtime::Runtime,
}

impl Fixture {
    pub fn new() -> Self {
        let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
        let config = SandboxConfig { rate_per_second: None, ..Default::default() };
        let sandbox = runtime.block_on(Sandbox::start(config)).expect("sandbox starts");
        Self { sandbox, _runtime: runtime }
    }

    /// `flxpoint ARGS` with FLXPOINT_BASE_URL and FLXPOINT_API_TOKEN set.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None, &[])
    }

    /// `flxpoint ARGS` with `stdin` on its standard input.
    pub fn run_stdin(&self, args: &[&str], stdin: &str) -> Run {
        self.run_with(args, Some(stdin), &[])
    }

    /// `flxpoint ARGS` with these variables instead of the defaults.
    pub fn run_with(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
        let base_url = self.sandbox.base_url();
        let env: Vec<(&str, &str)> = if env.is_empty() {
            vec![("FLXPOINT_BASE_URL", &base_url), ("FLXPOINT_API_TOKEN", TOKEN)]
        } else {
            env.to_vec()
        };
        run(args, stdin, &env)
    }

    /// A shipment created through the CLI on fulfillment request 1388412; its ID.
    pub fn create_shipment(&self, tracking_number: &str) -> i64 {
        let run = self.run(&[
            "shipments",
            "create",
            "--fulfillment-request-id",
            "1388412",
            "--tracking-number",
            tracking_number,
            "--item",
            "sku=HG12123123,quantity=1",
        ]);
        run.assert_ok();
        run.json()["id"].as_i64().expect("the created shipment has an id")
    }

    /// The sandbox's shipment `id`.
    pub fn shipment(&self, id: i64) -> Value {
        self.sandbox
            .shipments()
            .into_iter()
            .find(|s| s["id"] == id)
            .unwrap_or_else(|| panic!("no shipment {id} in the sandbox"))
    }
}

/// `flxpoint ARGS` with exactly the variables `env` and nothing else.
pub fn run(args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flxpoint"));
    command.args(args).env_clear().envs(env.iter().copied());
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("the binary starts");
    if let Some(text) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        // The binary may end before reading it (e.g. on a usage error): not the test's concern.
        let _ = pipe.write_all(text.as_bytes());
    }
    let output = child.wait_with_output().expect("the binary ends");
    let run = Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    };
    for (name, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(!text.contains(TOKEN), "{:?}: the token is in {name}:\n{text}", run.args);
    }
    run
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn assert_ok(&self) {
        assert_eq!(self.code, 0, "{self:#?}");
    }

    /// stdout as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout not JSON ({e}): {self:#?}"))
    }

    /// The error object: the last line of stderr, as JSON.
    pub fn error(&self) -> Value {
        let line = self.stderr.lines().last().unwrap_or_default();
        serde_json::from_str(line).unwrap_or_else(|e| panic!("stderr not JSON ({e}): {self:#?}"))
    }
}

/// A file holding `text` (kept while the handle lives).
pub fn file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("temp file written");
    file
}

/// Writes `text` to `name` in `dir`; its path as a string.
pub fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `fulfillmentRequestId,trackingNumber,sku,quantity` rows on 1388412, `n` shipments.
pub fn shipments_csv(prefix: &str, n: usize) -> String {
    let mut text = String::from("fulfillmentRequestId,trackingNumber,sku,quantity\n");
    for i in 0..n {
        text.push_str(&format!("1388412,{prefix}{i:04},HG12123123,1\n"));
    }
    text
}

/// A bulk command's summary on stdout: exactly one JSON document.
pub fn summary(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {run:#?}"))
}
