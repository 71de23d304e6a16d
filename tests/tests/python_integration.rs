//! The "Test your integration" flow from another language: `tests/examples/
//! test_your_integration.py` (Python, standard library only) against the real
//! `flxpoint-sandbox` binary started on `tests/seeds/example.yaml`. Without python3 the test
//! fails; it never skips.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The sandbox process, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_python_example_tests_an_integration_against_the_binary() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_flxpoint-sandbox"))
        .args(["--port", "0", "--seed"])
        .arg(dir.join("seeds/example.yaml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("flxpoint-sandbox starts");
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}"));

    let output = Command::new("python3")
        .arg(dir.join("examples/test_your_integration.py"))
        .arg(url)
        .output()
        .expect("python3 runs (it is needed by this test)");
    let (stdout, stderr) =
        (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.starts_with("ok: created after a 503"), "{stdout}");
}
