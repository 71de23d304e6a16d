//! A seed of one's own: `tests/seeds/example.yaml` (and `.json`) through the real binary and the
//! library, bad seeds refused at start with the path of the bad field, reset back to the seed.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flxpoint_sandbox::sandbox::{Sandbox, SandboxConfig, Seed, SeedError};
use serde_json::{Value, json};

/// The example's tokens (fake values, written in the example file).
const ACCOUNT: &str = "acme-account-token";
const EAST: &str = "acme-east-source-token";
const DROPSHIP: &str = "acme-dropship-source-token";
const CHANNEL: &str = "acme-channel-token";

fn example(extension: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds").join(format!("example.{extension}"))
}

fn example_json() -> Value {
    serde_json::from_str(&std::fs::read_to_string(example("json")).unwrap()).unwrap()
}

/// A file named `seed.EXTENSION` holding `text`, in a directory kept while the handle lives.
fn seed_file(extension: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("seed.{extension}"));
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// The binary as a child process, killed when dropped (on a failing assertion too).
struct Binary(Child);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> Binary {
    let child = Command::new(env!("CARGO_BIN_EXE_flxpoint-sandbox"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    Binary(child)
}

/// The binary with `--seed path`, expected to refuse it: its exit code, stdout and stderr.
fn refused(path: &Path) -> (Option<i32>, String, String) {
    let mut binary = spawn(&["--port", "0", "--seed", path.to_str().unwrap()]);
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = binary.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "{path:?}: the binary started with a bad seed");
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (String::new(), String::new());
    binary.0.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    binary.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (status.code(), stdout, stderr)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

async fn call(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request =
        client().request(method, format!("{base}{path}")).header("X-API-TOKEN", token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn state(base: &str) -> Value {
    client().get(format!("{base}/_sandbox/state")).send().await.unwrap().json().await.unwrap()
}

fn shipment(number: &str, tracking: &str, sku: &str) -> Value {
    json!({"purchaseOrderNumber": number,
        "shipment": {"trackingNumber": tracking, "shipmentItems": [{"sku": sku, "quantity": 1}]}})
}

#[tokio::test]
async fn the_example_seed_serves_its_own_tokens_and_ids_and_reset_returns_to_it() {
    let mut binary =
        spawn(&["--port", "0", "--no-rate-limit", "--seed", example("yaml").to_str().unwrap()]);
    let mut line = String::new();
    BufReader::new(binary.0.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("{line:?}"));
    let seeded = state(base).await;
    assert_eq!(seeded["sources"][0]["name"], "Acme Warehouse East");
    assert!(seeded.get("tokens").is_none(), "token values are never served");

    // A source token finds its own request by number: PO-1001 is 700001 in source 310 …
    let (status, created) =
        call(base, "POST", "/shipments", EAST, Some(shipment("PO-1001", "T1", "TENT-2P"))).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["fulfillmentRequestId"].clone(), created["sourceId"].clone()),
        (json!(700001), json!(310))
    );
    assert_eq!(created["orderId"], 910001);
    assert_eq!(created["shipmentItems"][0]["fulfillmentRequestItemId"], 800001);
    assert_eq!(created["partial"], true, "1 of the 2 requested");
    // … and 700003 in source 320, which the other source's token cannot see.
    let (status, created) =
        call(base, "POST", "/shipments", DROPSHIP, Some(shipment("PO-1001", "T2", "KAYAK-RED")))
            .await;
    assert_eq!(
        (status, created["fulfillmentRequestId"].clone()),
        (201, json!(700003)),
        "{created}"
    );
    let by_id = json!({"fulfillmentRequestId": 700003, "shipment": {"trackingNumber": "T3", "shipmentItems": [{"sku": "KAYAK-RED", "quantity": 1}]}});
    assert_eq!(call(base, "POST", "/shipments", EAST, Some(by_id.clone())).await.0, 404);
    // The statuses and kinds of the seed act as the built-in ones do.
    let cancelled = json!({"fulfillmentRequestId": 700004, "shipment": {"trackingNumber": "T4", "shipmentItems": [{"sku": "STOVE-MINI", "quantity": 1}]}});
    assert_eq!(call(base, "POST", "/shipments", ACCOUNT, Some(cancelled)).await.0, 412);
    assert_eq!(call(base, "POST", "/shipments", CHANNEL, Some(by_id)).await.0, 401);
    let (status, linked) = call(base, "PATCH", "/orders/link?orderId=950001", CHANNEL, None).await;
    assert_eq!((status, linked), (200, json!([950001])));
    let failed = "/fulfillment-requests/700002/processing-failed?error=damaged";
    assert_eq!(call(base, "PATCH", failed, ACCOUNT, None).await.0, 204);
    // The built-in tokens are not this seed's.
    let (status, _) =
        call(base, "PATCH", "/orders/link?orderId=950001", "sandbox-account-token", None).await;
    assert_eq!(status, 401);

    let changed = state(base).await;
    assert_eq!(changed["shipments"].as_array().unwrap().len(), 2);
    let reset = client().post(format!("{base}/_sandbox/reset")).send().await.unwrap();
    assert_eq!(reset.status(), 204);
    assert_eq!(state(base).await, seeded, "back to the loaded seed, not the built-in one");

    binary.0.kill().unwrap();
    let mut stderr = String::new();
    binary.0.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    assert!(stderr.contains("\"Acme Warehouse East\" (source 310 token)"), "{stderr}");
    for token in [ACCOUNT, EAST, DROPSHIP, CHANNEL] {
        assert!(!stderr.contains(token), "a token value in the log: {stderr}");
    }
}

/// The example with one change, written as JSON.
fn bad_json(change: impl FnOnce(&mut Value)) -> String {
    let mut seed = example_json();
    change(&mut seed);
    serde_json::to_string_pretty(&seed).unwrap()
}

#[test]
fn each_kind_of_bad_seed_exits_2_naming_the_field_and_nothing_listens() {
    let example_yaml = std::fs::read_to_string(example("yaml")).unwrap();
    let cases: Vec<(&str, &str, String, &str)> = vec![
        (
            "quantity below 1",
            "json",
            bad_json(|s| s["fulfillmentRequests"][3]["items"][0]["quantity"] = json!(0)),
            "fulfillmentRequests[3].items[0].quantity: must be at least 1",
        ),
        (
            "duplicate request id",
            "json",
            bad_json(|s| s["fulfillmentRequests"][1]["id"] = json!(700001)),
            "fulfillmentRequests[1].id: 700001 duplicates fulfillmentRequests[0].id",
        ),
        (
            "duplicate number in a source",
            "json",
            bad_json(|s| s["fulfillmentRequests"][3]["number"] = json!("PO-1002")),
            "fulfillmentRequests[3].number: \"PO-1002\" duplicates fulfillmentRequests[1].number in source 310",
        ),
        (
            "duplicate token value",
            "json",
            bad_json(|s| s["tokens"][3]["value"] = json!(ACCOUNT)),
            "tokens[3].value: duplicates tokens[0].value",
        ),
        (
            "repeated token label",
            "json",
            bad_json(|s| s["tokens"][3]["label"] = json!("Acme Warehouse East")),
            "tokens[3].label: \"Acme Warehouse East\" repeats tokens[1].label",
        ),
        (
            "source token of an unknown source",
            "json",
            bad_json(|s| s["tokens"][1]["sourceId"] = json!(999)),
            "tokens[1].sourceId: no source 999 in sources",
        ),
        (
            "source token without a source",
            "json",
            bad_json(|s| {
                s["tokens"][2].as_object_mut().unwrap().remove("sourceId");
            }),
            "tokens[2].sourceId: required for a source token",
        ),
        (
            "order item without an id",
            "json",
            bad_json(|s| {
                s["orders"][2]["items"][1].as_object_mut().unwrap().remove("id");
            }),
            "orders[2].items[1]: missing field `id`",
        ),
        (
            "wrong type",
            "json",
            bad_json(|s| s["fulfillmentRequests"][0]["items"][1]["quantity"] = json!("one")),
            "fulfillmentRequests[0].items[1].quantity: invalid type: string \"one\", expected i64",
        ),
        (
            "misspelt field (YAML)",
            "yaml",
            example_yaml.replace("    sourceVariantId: 930006", "    sourceVariantID: 930006"),
            "fulfillmentRequests[4].items[0].sourceVariantID: unknown field `sourceVariantID`",
        ),
        (
            "unknown token kind (YAML)",
            "yml",
            example_yaml.replace("kind: channel", "kind: storefront"),
            "tokens[3].kind: unknown variant `storefront`",
        ),
        (
            "broken YAML",
            "yaml",
            "tokens: [".to_owned(),
            "tokens: did not find expected node content",
        ),
        (
            "a list, not a seed",
            "yaml",
            "- 1\n".to_owned(),
            "not a seed in YAML: invalid type: sequence",
        ),
        (
            "no tokens (no extension: JSON, then YAML)",
            "seed",
            "sources: []\ntokens: []\n".to_owned(),
            "tokens: at least one token is needed",
        ),
    ];
    for (name, extension, text, expected) in cases {
        let (_dir, path) = seed_file(extension, &text);
        let (code, stdout, stderr) = refused(&path);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: nothing listens: {stdout}");
        let expected = format!("flxpoint-sandbox: --seed {}: {expected}", path.display());
        assert!(stderr.starts_with(&expected), "{name}:\n{stderr}\nexpected: {expected}");
        assert!(!stderr.contains(ACCOUNT), "{name}: a token value in the message: {stderr}");
    }
    let (code, _, stderr) = refused(Path::new("/nonexistent/seed.yaml"));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--seed /nonexistent/seed.yaml: cannot read the file"), "{stderr}");
}

#[tokio::test]
async fn yaml_and_json_give_the_same_seed_and_the_same_state() {
    let yaml = Seed::from_path(example("yaml")).unwrap();
    assert_eq!(Seed::from_path(example("json")).unwrap(), yaml);
    // Without a known extension: JSON first, then YAML.
    for extension in ["yaml", "json"] {
        let (_dir, path) = seed_file("txt", &std::fs::read_to_string(example(extension)).unwrap());
        assert_eq!(Seed::from_path(&path).unwrap(), yaml, "{extension} as .txt");
    }
    // Left-out fields take their documented defaults.
    assert_eq!(yaml.fulfillment_requests[2].processing_status, "Processing");
    assert!(!yaml.orders[0].items[2].linked);

    let mut dumps = Vec::new();
    for extension in ["yaml", "json"] {
        let seed = Seed::from_path(example(extension)).unwrap();
        let sandbox =
            Sandbox::start(SandboxConfig { seed, ..SandboxConfig::default() }).await.unwrap();
        dumps.push(sandbox.state());
        sandbox.shutdown().await;
    }
    assert_eq!(dumps[0], dumps[1]);
}

#[test]
fn a_seed_round_trips_through_json_and_the_default_stays_the_default() {
    let default = Seed::default();
    let text = serde_json::to_string(&default).unwrap();
    assert_eq!(Seed::from_json_str(&text).unwrap(), default);
    assert_eq!(default.tokens.len(), 4);
    assert!(!format!("{default:?}").contains("sandbox-account-token"), "Debug hides token values");
}

#[tokio::test]
async fn the_library_refuses_a_bad_seed_too() {
    let mut seed = Seed::default();
    seed.fulfillment_requests[3].items[0].quantity = 0;
    let err =
        Sandbox::start(SandboxConfig { seed, ..SandboxConfig::default() }).await.err().unwrap();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(err.to_string(), "fulfillmentRequests[3].items[0].quantity: must be at least 1");

    let err = Seed::from_yaml_str(
        "tokens: [{kind: account, value: a}]\norders: [{id: 1, items: [{linked: true}]}]\n",
    )
    .unwrap_err();
    assert_eq!(err.field(), Some("orders[0].items[0]"));
    assert!(matches!(err, SeedError::Parse { .. }), "{err:?}");
}
