//! Every page example request (`openapi/examples/*.request*.json`), byte for byte as extracted
//! from the help-center pages, is sent to Prism (the pinned `@stoplight/prism-cli`) mocking
//! `openapi/openapi.yaml` with `--errors`, over a plain HTTP/1.1 connection (no client, no
//! builder, no re-encoding). Prism must report no request violation: no `sl-violations` header
//! on any answer (2xx included) and a 2xx status.
//!
//! Prism skips validation when it cannot compile a schema (it then accepts anything), so each
//! `null` an example carries is also replaced by `[]`, which no schema of this document admits
//! where a `null` is documented: Prism must refuse that body and name that place. This proves the
//! nulls are accepted because the document admits them, not because nothing was checked.
//!
//! Prism is installed by `cargo xtask tools` (run by `cargo xtask ci`); without it this test
//! fails, it never skips.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "tok-prism-examples";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

struct Prism {
    child: Child,
    port: u16,
}

impl Drop for Prism {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_prism() -> Prism {
    let bin = root().join("xtask/tools/node_modules/.bin/prism");
    assert!(bin.exists(), "{} is missing: run `cargo xtask tools` (CI does)", bin.display());
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(bin)
        .args(["mock", "--errors", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(root().join("openapi/openapi.yaml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prism starts");
    let prism = Prism { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "prism did not start listening within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    prism
}

/// What Prism answered: the status code and the `sl-violations` header, if any.
struct Answer {
    status: u16,
    violations: Option<String>,
}

/// One HTTP/1.1 request with `body` as its exact bytes.
fn send(port: u16, method: &str, target: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-API-TOKEN: {TOKEN}\r\n\
         Content-Type: application/json\r\nAccept: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a complete response head");
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok());
    let violations = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("sl-violations"))
        .map(|(_, v)| v.trim().to_string());
    Answer { status: status.expect("a status line"), violations }
}

/// `(method, request target)` of the operation an example belongs to: the file name starts with
/// the operationId. Path parameters and required query parameters get a value of their type.
fn operation_of(spec: &Value, file: &str) -> (String, String) {
    let op_id = file.split('.').next().unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["operationId"] != op_id {
                continue;
            }
            let mut target = path.clone();
            let mut query = Vec::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let (name, place) = (p["name"].as_str().unwrap(), p["in"].as_str().unwrap());
                let value = if p["schema"]["type"] == "integer" { "1388412" } else { "example" };
                match place {
                    "path" => target = target.replace(&format!("{{{name}}}"), value),
                    "query" if p["required"] == true => query.push(format!("{name}={value}")),
                    _ => {}
                }
            }
            if !query.is_empty() {
                target = format!("{target}?{}", query.join("&"));
            }
            return (method.to_uppercase(), target);
        }
    }
    panic!("{file}: no operation `{op_id}` in openapi.yaml");
}

/// JSON Pointer-like token lists of every `null` in `v`.
fn nulls(v: &Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Null => out.push(at.clone()),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, x)| {
            at.push(i.to_string());
            nulls(x, at, out);
            at.pop();
        }),
        Value::Object(members) => members.iter().for_each(|(k, x)| {
            at.push(k.clone());
            nulls(x, at, out);
            at.pop();
        }),
        _ => {}
    }
}

#[test]
fn every_page_example_verbatim_passes_prism_request_validation() {
    let spec: Value = serde_yaml_ng::from_str(
        &std::fs::read_to_string(root().join("openapi/openapi.yaml")).unwrap(),
    )
    .unwrap();
    let dir = root().join("openapi/examples");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.contains(".request") && f.ends_with(".json"))
        .collect();
    files.sort();
    // createShipment: 3 named examples + the generic body; flag-with-errors: the generic body;
    // accounting sync: success-1, error-1 + the generic body.
    assert_eq!(files.len(), 8, "{files:#?}");

    let prism = start_prism();
    let mut failures = Vec::new();
    let mut null_checks = 0;
    for file in &files {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let (method, target) = operation_of(&spec, file);
        let answer = send(prism.port, &method, &target, &bytes);
        if answer.violations.is_some() || !(200..300).contains(&answer.status) {
            failures.push(format!(
                "{file} ({method} {target}): {} sl-violations: {}",
                answer.status,
                answer.violations.as_deref().unwrap_or("(none)")
            ));
        }

        let json: Value = serde_json::from_slice(&bytes).unwrap();
        let mut found = Vec::new();
        nulls(&json, &mut Vec::new(), &mut found);
        for tokens in found {
            let pointer: String = tokens.iter().map(|t| format!("/{t}")).collect();
            let mut broken = json.clone();
            *broken.pointer_mut(&pointer).unwrap() = Value::Array(Vec::new());
            let answer = send(prism.port, &method, &target, &serde_json::to_vec(&broken).unwrap());
            let location = serde_json::to_string(&tokens).unwrap();
            let named = answer.violations.as_deref().is_some_and(|v| {
                v.contains(&format!("\"location\":[\"request\",\"body\",{}", &location[1..]))
            });
            if answer.status < 400 || !named {
                failures.push(format!(
                    "{file}: `[]` in place of the null at {pointer} was not refused there \
                     (Prism did not validate?): {} sl-violations: {}",
                    answer.status,
                    answer.violations.as_deref().unwrap_or("(none)")
                ));
            }
            null_checks += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // customFields: [null] in two bodies, "accountingError": null in success-1.
    assert_eq!(null_checks, 3);
}
